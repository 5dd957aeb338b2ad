export {
  FakeProviderServer,
  fixture,
  markerOf,
  sendEvents,
  type RecordedRequest,
  type Responder,
} from './server';
export { FakeOpenAI, respondLikeOpenAI } from './openai';
export { FakeAnthropic, respondLikeAnthropic } from './anthropic';
export { FakeGemini, respondLikeGemini } from './gemini';
export { FakeMistral, respondLikeMistral } from './mistral';
export { FakeCohere, respondLikeCohere } from './cohere';
export { FakeBedrock, respondLikeBedrock } from './bedrock';
