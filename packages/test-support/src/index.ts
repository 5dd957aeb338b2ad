export {
  ensureElasticsearch,
  elasticsearchClient,
  elasticsearchClientOptions,
  type TestElasticsearch,
} from './elasticsearch';
export { FakeOpenAI, fixture, type RecordedRequest } from './fake-provider';
