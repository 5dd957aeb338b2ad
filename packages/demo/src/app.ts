// The demo's application: an ordinary Node.js service using the `openai` SDK, with no Elkhound
// code in it. It is started with `node --require @elkhound/auto-register dist/app.js`, which is
// all it takes to get its LLM calls traced, priced and hashed. It serves simulated incoming
// requests (each one a SERVER span, as an HTTP framework's instrumentation would make it) and
// logs through the OpenTelemetry logs API inside them, so its logs carry the trace ids.
//
// DEMO_ROLE picks its workload: `support` (a support assistant: chat, streaming, repeated
// questions, a burst that hits the rate limit, a reasoning model with a short timeout, a document
// too long for the context window) or `indexer` (embeddings and summaries).
import { context, logs, SeverityNumber, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import OpenAI from 'openai';

const client = new OpenAI({
  baseURL: process.env.OPENAI_BASE_URL,
  apiKey: process.env.OPENAI_API_KEY ?? 'demo',
  // The demo shows errors as they happen; a real service would keep the SDK's retries.
  maxRetries: 0,
  timeout: 10_000,
});
const tracer = trace.getTracer('elkhound-demo-app', '1.0.0');
const logger = logs.getLogger('elkhound-demo-app', '1.0.0');

const SYSTEM_PROMPT = [
  'You are the customer support assistant of Northwind Outfitters, an online clothing shop.',
  'Answer in two sentences at most, in the customer’s language, politely and precisely.',
  'Policies you must follow:',
  ...Array.from(
    { length: 60 },
    (_, index) =>
      `Policy ${index + 1}: when a customer asks about topic ${index + 1}, quote the relevant paragraph of the help centre and offer a link to it; never promise refunds outside the 30-day window; never disclose internal notes.`,
  ),
].join('\n');

function log(
  severityNumber: SeverityNumber,
  severityText: string,
  body: string,
  attributes = {},
): void {
  logger.emit({ severityNumber, severityText, body, attributes });
}

function progress(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** One simulated incoming request: a SERVER span (a transaction in Elastic APM) around the work. */
async function handle(route: string, work: () => Promise<string>): Promise<void> {
  const span = tracer.startSpan(route, {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': route.split(' ')[0] as string,
      'http.route': route.split(' ')[1] as string,
      'url.scheme': 'https',
    },
  });
  const started = performance.now();
  await context.with(trace.setSpan(context.active(), span), async () => {
    log(SeverityNumber.INFO, 'INFO', `handling ${route}`);
    try {
      const outcome = await work();
      span.setAttribute('http.response.status_code', 200);
      log(SeverityNumber.INFO, 'INFO', `${route} answered: ${outcome}`);
      progress(
        `  ✓ ${route.padEnd(28)} ${outcome} (${Math.round(performance.now() - started)} ms)`,
      );
    } catch (error) {
      const status = error instanceof OpenAI.APIError && error.status ? 502 : 504;
      span.setAttribute('http.response.status_code', status);
      span.setStatus({ code: SpanStatusCode.ERROR });
      const message = error instanceof Error ? error.message : String(error);
      log(SeverityNumber.ERROR, 'ERROR', `${route} failed: ${message}`, {
        'error.type': error instanceof Error ? error.constructor.name : 'Error',
      });
      progress(
        `  ✗ ${route.padEnd(28)} ${error instanceof Error ? error.constructor.name : 'Error'}: ${message.slice(0, 90)}`,
      );
    } finally {
      span.end();
    }
  });
}

async function ask(
  model: string,
  question: string,
  options: { timeout?: number } = {},
): Promise<string> {
  const completion = await client.chat.completions.create(
    {
      model,
      messages: [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: question },
      ],
      max_tokens: 200,
    },
    options,
  );
  return `${model}: ${completion.usage?.prompt_tokens ?? '?'} → ${completion.usage?.completion_tokens ?? '?'} tokens`;
}

async function askStreaming(model: string, question: string): Promise<string> {
  const stream = await client.chat.completions.create({
    model,
    messages: [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: question },
    ],
    stream: true,
    stream_options: { include_usage: true },
  });
  let chunks = 0;
  for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) chunks++;
  return `${model}: streamed ${chunks} chunks`;
}

async function support(): Promise<void> {
  const questions = [
    'When will my order ship?',
    'How do I return a jacket that does not fit?',
    'Where can I find my invoice?',
    'Do you deliver to Norway?',
  ];
  progress('support-bot: answering customer questions');
  for (const question of questions)
    await handle('POST /support/answer', () => ask('gpt-4o-mini', question));
  // The same question from several customers: the same prompt hash, a response cache's saving.
  for (let customer = 0; customer < 4; customer++)
    await handle('POST /support/answer', () => ask('gpt-4o-mini', 'When will my order ship?'));
  progress('support-bot: streaming answers into the chat widget');
  for (const question of questions.slice(0, 3))
    await handle('POST /support/chat', () => askStreaming('gpt-4.1-mini', question));
  progress('support-bot: a burst of escalations to the large model (its rate limit is low)');
  await Promise.all(
    Array.from({ length: 6 }, (_, index) =>
      handle('POST /support/escalate', () =>
        ask('gpt-4.1', `Escalation ${index + 1}: the parcel arrived damaged, what now?`),
      ),
    ),
  );
  progress('support-bot: a reasoning model, once with too short a timeout');
  await handle('POST /support/investigate', () =>
    ask('o4-mini', 'Why was order 1042 charged twice?', { timeout: 400 }),
  );
  await handle('POST /support/investigate', () =>
    ask('o4-mini', 'Why was order 1043 charged twice?', { timeout: 5_000 }),
  );
  progress('support-bot: a pasted document too long for the context window');
  const transcript =
    'Customer: the zip broke after a week. Agent: we are sorry to hear that. '.repeat(8_000);
  await handle('POST /support/summarise', () =>
    ask('gpt-4o-mini', `Summarise this chat transcript:\n${transcript}`),
  );
}

async function indexer(): Promise<void> {
  progress('doc-indexer: embedding help-centre articles');
  const articles = [
    'Shipping times',
    'Returns and refunds',
    'Invoices',
    'Delivery countries',
    'Discount codes',
    'Sizing guide',
  ];
  for (let batch = 0; batch < articles.length; batch += 3) {
    const slice = articles.slice(batch, batch + 3);
    await handle('POST /index/articles', async () => {
      const result = await client.embeddings.create({
        model: 'text-embedding-3-small',
        input: slice.map((title) => `${title}: ${SYSTEM_PROMPT.slice(0, 600)}`),
      });
      return `text-embedding-3-small: ${result.data.length} vectors, ${result.usage.prompt_tokens} tokens`;
    });
  }
  progress('doc-indexer: summarising articles');
  for (const title of articles.slice(0, 3))
    await handle('POST /index/summaries', () =>
      askStreaming('gpt-4o-mini', `Summarise the article "${title}" in one line.`),
    );
}

const role = process.env.DEMO_ROLE ?? 'support';
(role === 'indexer' ? indexer() : support()).catch((error: unknown) => {
  process.stderr.write(`demo app failed: ${String(error)}\n`);
  process.exitCode = 1;
});
