// `embeddings.create`.
import type { Attributes } from '@opentelemetry/api';
import { embeddingInputTexts } from '../../prompt-texts';
import * as semconv from '../../semconv';
import type { GenAIResponse } from '../../span-recorder';
import type { StainlessOperation } from '../stainless';
import { baseRequest, number } from './shared';

export const embeddings: StainlessOperation = {
  describe(body, client, settings) {
    const attributes: Attributes = {};
    if (typeof body.encoding_format === 'string')
      attributes[semconv.ATTR_GEN_AI_REQUEST_ENCODING_FORMATS] = [body.encoding_format];
    const dimensions = number(body.dimensions);
    if (dimensions !== undefined)
      attributes[semconv.ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = dimensions;
    // Embedding inputs are not prompts: no prompt hash, and no content capture.
    const request = baseRequest(
      semconv.GEN_AI_OPERATION_EMBEDDINGS,
      body,
      client,
      settings,
      attributes,
    );
    const input = Array.isArray(body.input) ? body.input.slice() : body.input;
    request.promptTexts = () => embeddingInputTexts(input);
    return request;
  },
  read(result) {
    const embedding = (result ?? {}) as { model?: unknown; usage?: { prompt_tokens?: unknown } };
    const response: GenAIResponse = {};
    if (typeof embedding.model === 'string') response.model = embedding.model;
    const input = number(embedding.usage?.prompt_tokens);
    if (input !== undefined) response.usage = { inputTokens: input, outputTokens: 0 };
    return response;
  },
};
