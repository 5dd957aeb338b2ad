export {
  ensureElasticsearch,
  elasticsearchClient,
  elasticsearchClientOptions,
  type TestElasticsearch,
} from './elasticsearch';
