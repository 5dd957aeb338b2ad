export {
  ensureElasticsearch,
  elasticsearchClient,
  elasticsearchClientOptions,
  type TestElasticsearch,
} from './elasticsearch';
export {
  FakeAnthropic,
  FakeBedrock,
  FakeCohere,
  FakeGemini,
  FakeMistral,
  FakeOpenAI,
  FakeProviderServer,
  fixture,
  respondLikeOpenAI,
  type RecordedRequest,
} from './fake-provider/index';
export {
  OtlpJsonReceiver,
  otlpAttribute,
  type OtlpJsonLogRecord,
  type OtlpJsonSpan,
} from './otlp-receiver';
