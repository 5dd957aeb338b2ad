// The demo's STAND-IN for a real model provider: a local OpenAI-compatible server, so the demo
// runs with no API key and no network. It answers `/v1/chat/completions` (plain and SSE
// streaming) and `/v1/embeddings` in the OpenAI wire format, and behaves as a provider does
// under the load the demo app puts on it: a per-model request budget (429 once spent), a
// context window (400 `context_length_exceeded`), a slow reasoning model (clients with a short
// timeout give up), prompt caching of long prompts (`cached_tokens`). Token counts are estimated
// from the text (about four characters a token); the answers are canned text. Every response
// says what it is in the `x-elkhound-demo` header and the `system_fingerprint`.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

interface ModelBehaviour {
  /** Tokens the model accepts in a request. */
  contextTokens: number;
  /** Requests per second the demo organisation may send before 429. */
  requestsPerSecond: number;
  /** Milliseconds before the first token. */
  firstTokenMs: number;
  /** Milliseconds between streamed tokens. */
  tokenMs: number;
  /** Reasoning models think before answering (tokens billed as output). */
  reasoningTokens?: number;
}

const MODELS: Record<string, ModelBehaviour> = {
  'gpt-4o-mini': { contextTokens: 128_000, requestsPerSecond: 50, firstTokenMs: 60, tokenMs: 4 },
  'gpt-4.1-mini': { contextTokens: 1_047_576, requestsPerSecond: 50, firstTokenMs: 80, tokenMs: 5 },
  'gpt-4.1': { contextTokens: 1_047_576, requestsPerSecond: 3, firstTokenMs: 150, tokenMs: 8 },
  'o4-mini': {
    contextTokens: 200_000,
    requestsPerSecond: 20,
    firstTokenMs: 1_200,
    tokenMs: 6,
    reasoningTokens: 384,
  },
  'text-embedding-3-small': {
    contextTokens: 8_191,
    requestsPerSecond: 100,
    firstTokenMs: 20,
    tokenMs: 0,
  },
};

const DEMO_HEADER = { 'x-elkhound-demo': 'stand-in model server (not a real provider)' };
const EMBEDDING_DIMENSIONS = 256;
/** OpenAI caches prompt prefixes from 1,024 tokens on, in steps of 128. */
const CACHE_MINIMUM_TOKENS = 1_024;

const ANSWERS = [
  'Your order ships within two business days; you will get a tracking link by e-mail as soon as the parcel leaves the warehouse.',
  'You can return any unworn item within 30 days. Start the return from your account page and print the prepaid label.',
  'The invoice is attached to the confirmation e-mail; a copy is also under Orders in your account, as a PDF.',
  'We deliver to the EU, the UK, Switzerland and Norway. Duties are included in the price shown at checkout.',
  'The discount code applies to full-price items only and cannot be combined with other offers.',
];

export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

interface ChatMessage {
  role?: unknown;
  content?: unknown;
}

function messageText(message: ChatMessage): string {
  if (typeof message.content === 'string') return message.content;
  if (Array.isArray(message.content))
    return message.content
      .map((part: { text?: unknown }) => (typeof part?.text === 'string' ? part.text : ''))
      .join('');
  return '';
}

export class DemoModelServer {
  private readonly server = http.createServer((request, answer) => this.handle(request, answer));
  /** Requests per model in the current one-second window. */
  private readonly window = new Map<string, { second: number; count: number }>();
  /** Prompt prefixes seen (by hash of the first 1,024 tokens' text). */
  private readonly cachedPrefixes = new Set<string>();
  private sequence = 0;
  requests = 0;

  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: http.IncomingMessage, answer: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      this.requests++;
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        this.error(
          answer,
          400,
          'We could not parse the JSON body of your request.',
          'invalid_request_error',
          null,
        );
        return;
      }
      const path = (request.url ?? '').split('?')[0];
      if (request.method === 'POST' && path === '/v1/chat/completions') this.chat(body, answer);
      else if (request.method === 'POST' && path === '/v1/embeddings')
        this.embeddings(body, answer);
      else
        this.error(
          answer,
          404,
          `Invalid URL (${request.method} ${path})`,
          'invalid_request_error',
          null,
        );
    });
  }

  private admit(model: string, behaviour: ModelBehaviour, answer: http.ServerResponse): boolean {
    const second = Math.floor(Date.now() / 1000);
    const window = this.window.get(model);
    if (!window || window.second !== second) {
      this.window.set(model, { second, count: 1 });
      return true;
    }
    window.count++;
    if (window.count <= behaviour.requestsPerSecond) return true;
    this.error(
      answer,
      429,
      `Rate limit reached for ${model} in organization org-elkhound-demo on requests per min (RPM): Limit ${behaviour.requestsPerSecond * 60}, Used ${behaviour.requestsPerSecond * 60}, Requested 1. Please try again in 1s.`,
      'requests',
      'rate_limit_exceeded',
      {
        'retry-after': '1',
        'x-ratelimit-limit-requests': String(behaviour.requestsPerSecond * 60),
      },
    );
    return false;
  }

  private model(
    body: Record<string, unknown>,
    answer: http.ServerResponse,
  ): [string, ModelBehaviour] | undefined {
    const model = typeof body.model === 'string' ? body.model : '';
    const behaviour = MODELS[model];
    if (!behaviour) {
      this.error(
        answer,
        404,
        `The model \`${model}\` does not exist or you do not have access to it.`,
        'invalid_request_error',
        'model_not_found',
      );
      return undefined;
    }
    return [model, behaviour];
  }

  private chat(body: Record<string, unknown>, answer: http.ServerResponse): void {
    const chosen = this.model(body, answer);
    if (!chosen) return;
    const [model, behaviour] = chosen;
    if (!this.admit(model, behaviour, answer)) return;
    const messages = (Array.isArray(body.messages) ? body.messages : []) as ChatMessage[];
    const texts = messages.map(messageText);
    const promptTokens = texts.reduce((sum, text) => sum + estimateTokens(text) + 4, 3);
    if (promptTokens > behaviour.contextTokens) {
      this.error(
        answer,
        400,
        `This model's maximum context length is ${behaviour.contextTokens} tokens. However, your messages resulted in ${promptTokens} tokens. Please reduce the length of the messages.`,
        'invalid_request_error',
        'context_length_exceeded',
        {},
        'messages',
      );
      return;
    }
    const cachedTokens = this.cachedTokens(texts.join('\n'), promptTokens);
    const last = texts.at(-1) ?? '';
    const digest = createHash('sha256').update(last).digest();
    const text = ANSWERS[(digest[0] as number) % ANSWERS.length] as string;
    const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : undefined;
    const words = text.split(' ');
    const completionWords = maxTokens !== undefined ? words.slice(0, maxTokens) : words;
    const content = completionWords.join(' ');
    const reasoning = behaviour.reasoningTokens ?? 0;
    const completionTokens = estimateTokens(content) + reasoning;
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: cachedTokens, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: reasoning,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    };
    const finishReason = completionWords.length < words.length ? 'length' : 'stop';
    const id = `chatcmpl-demo${(++this.sequence).toString().padStart(6, '0')}`;
    const created = Math.floor(Date.now() / 1000);
    const headers = {
      ...DEMO_HEADER,
      'x-request-id': `req_demo_${this.sequence}`,
      'openai-model': model,
    };
    if (body.stream === true) {
      const includeUsage =
        (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
      this.stream(answer, headers, behaviour, {
        id,
        created,
        model,
        words: completionWords,
        finishReason,
        usage,
        includeUsage,
      });
      return;
    }
    setTimeout(
      () => {
        if (answer.destroyed) return;
        answer.writeHead(200, { ...headers, 'content-type': 'application/json' });
        answer.end(
          JSON.stringify({
            id,
            object: 'chat.completion',
            created,
            model,
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content, refusal: null, annotations: [] },
                logprobs: null,
                finish_reason: finishReason,
              },
            ],
            usage,
            service_tier: 'default',
            system_fingerprint: 'fp_elkhound_demo',
          }),
        );
      },
      behaviour.firstTokenMs + completionWords.length * behaviour.tokenMs,
    );
  }

  private stream(
    answer: http.ServerResponse,
    headers: Record<string, string>,
    behaviour: ModelBehaviour,
    reply: {
      id: string;
      created: number;
      model: string;
      words: string[];
      finishReason: string;
      usage: object;
      includeUsage: boolean;
    },
  ): void {
    const base = {
      id: reply.id,
      object: 'chat.completion.chunk',
      created: reply.created,
      model: reply.model,
      service_tier: 'default',
      system_fingerprint: 'fp_elkhound_demo',
    };
    const events: string[] = [
      JSON.stringify({
        ...base,
        choices: [
          {
            index: 0,
            delta: { role: 'assistant', content: '', refusal: null },
            logprobs: null,
            finish_reason: null,
          },
        ],
        ...(reply.includeUsage ? { usage: null } : {}),
      }),
    ];
    reply.words.forEach((word, index) =>
      events.push(
        JSON.stringify({
          ...base,
          choices: [
            {
              index: 0,
              delta: { content: index === 0 ? word : ` ${word}` },
              logprobs: null,
              finish_reason: null,
            },
          ],
          ...(reply.includeUsage ? { usage: null } : {}),
        }),
      ),
    );
    events.push(
      JSON.stringify({
        ...base,
        choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: reply.finishReason }],
        ...(reply.includeUsage ? { usage: null } : {}),
      }),
    );
    if (reply.includeUsage)
      events.push(JSON.stringify({ ...base, choices: [], usage: reply.usage }));
    events.push('[DONE]');
    let index = 0;
    const next = () => {
      if (answer.destroyed) return;
      if (index === 0)
        answer.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8' });
      if (index >= events.length) {
        answer.end();
        return;
      }
      answer.write(`data: ${events[index++] as string}\n\n`);
      setTimeout(next, behaviour.tokenMs);
    };
    setTimeout(next, behaviour.firstTokenMs);
  }

  /** Prompt caching as OpenAI does it: a repeated prefix of 1,024+ tokens, in 128-token steps. */
  private cachedTokens(prompt: string, promptTokens: number): number {
    if (promptTokens < CACHE_MINIMUM_TOKENS) return 0;
    const prefix = createHash('sha256')
      .update(prompt.slice(0, CACHE_MINIMUM_TOKENS * 4))
      .digest('hex');
    if (!this.cachedPrefixes.has(prefix)) {
      this.cachedPrefixes.add(prefix);
      return 0;
    }
    return Math.floor(Math.min(promptTokens, CACHE_MINIMUM_TOKENS * 4) / 128) * 128;
  }

  private embeddings(body: Record<string, unknown>, answer: http.ServerResponse): void {
    const chosen = this.model(body, answer);
    if (!chosen) return;
    const [model, behaviour] = chosen;
    if (!this.admit(model, behaviour, answer)) return;
    const inputs = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')];
    const base64 = body.encoding_format === 'base64';
    const data = inputs.map((input, index) => {
      const vector = new Float32Array(EMBEDDING_DIMENSIONS);
      const seed = createHash('sha256').update(input).digest();
      for (let position = 0; position < vector.length; position++)
        vector[position] = ((seed[position % seed.length] as number) - 128) / 128;
      return {
        object: 'embedding',
        index,
        embedding: base64 ? Buffer.from(vector.buffer).toString('base64') : Array.from(vector),
      };
    });
    const tokens = inputs.reduce((sum, input) => sum + estimateTokens(input), 0);
    setTimeout(() => {
      if (answer.destroyed) return;
      answer.writeHead(200, { ...DEMO_HEADER, 'content-type': 'application/json' });
      answer.end(
        JSON.stringify({
          object: 'list',
          data,
          model,
          usage: { prompt_tokens: tokens, total_tokens: tokens },
        }),
      );
    }, behaviour.firstTokenMs);
  }

  private error(
    answer: http.ServerResponse,
    status: number,
    message: string,
    type: string,
    code: string | null,
    headers: Record<string, string> = {},
    param: string | null = null,
  ): void {
    answer.writeHead(status, { ...DEMO_HEADER, ...headers, 'content-type': 'application/json' });
    answer.end(JSON.stringify({ error: { message, type, param, code } }));
  }
}
