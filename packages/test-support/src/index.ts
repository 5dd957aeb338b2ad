export {
  ensureElasticsearch,
  elasticsearchClient,
  elasticsearchClientOptions,
  type TestElasticsearch,
} from './elasticsearch';
export {
  FakeAnthropic,
  FakeGemini,
  FakeOpenAI,
  FakeProviderServer,
  fixture,
  respondLikeOpenAI,
  type RecordedRequest,
} from './fake-provider/index';
