export {
  ensureElasticsearch,
  elasticsearchClient,
  elasticsearchClientOptions,
  type TestElasticsearch,
} from './elasticsearch';
export {
  FakeOpenAI,
  FakeProviderServer,
  fixture,
  respondLikeOpenAI,
  type RecordedRequest,
} from './fake-provider/index';
