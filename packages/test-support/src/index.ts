export {
  ensureElasticsearch,
  elasticsearchClient,
  elasticsearchClientOptions,
  type TestElasticsearch,
} from './elasticsearch';
export {
  FakeAnthropic,
  FakeOpenAI,
  FakeProviderServer,
  fixture,
  respondLikeOpenAI,
  type RecordedRequest,
} from './fake-provider/index';
