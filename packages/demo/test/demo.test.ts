import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo } from '../src/main';

type Document = Record<string, unknown>;

function read(file: string): Document[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Document);
}

function field(document: Document, path: string): unknown {
  let value: unknown = document;
  for (const key of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
  return value;
}

describe('npm run demo (file sink, stand-in model server)', function () {
  const dataDir = mkdtempSync(join(tmpdir(), 'elkhound-demo-'));
  const output: string[] = [];
  let code: number;
  let spans: Document[];
  let logRecords: Document[];

  before(async function () {
    const saved = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL };
    delete process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_BASE_URL;
    try {
      code = await runDemo({ dataDir, log: (line) => output.push(line) });
    } finally {
      if (saved.key !== undefined) process.env.OPENAI_API_KEY = saved.key;
      if (saved.url !== undefined) process.env.OPENAI_BASE_URL = saved.url;
    }
    spans = read(join(dataDir, 'ndjson', 'traces-elkhound-demo.ndjson'));
    logRecords = read(join(dataDir, 'ndjson', 'logs-elkhound-demo.ndjson'));
  });

  it('says the model server is a stand-in and ends with elkhound report', function () {
    const text = output.join('\n');
    assert.match(text, /LOCAL STAND-IN for an OpenAI-compatible provider/);
    assert.equal(code, 0, text);
    assert.match(text, /25 calls · 5 errors \(20\.0%\)/);
    for (const section of [
      'Cost and tokens by model',
      'Cost and tokens by service',
      'Latency by model (ms)',
      'Errors by category',
      'Requests and errors over time',
      'Slowest calls',
      'Duplicate prompts',
    ])
      assert.ok(text.includes(section), `the report has "${section}"`);
    assert.match(
      readFileSync(join(dataDir, 'report.html'), 'utf8'),
      /<svg class="chart" id="cost-over-time"/,
    );
  });

  it('traces both services, their requests as transactions and their model calls priced', function () {
    const services = new Set(spans.map((span) => field(span, 'service.name')));
    assert.deepEqual([...services].sort(), ['doc-indexer', 'support-bot']);
    const transactions = spans.filter((span) => field(span, 'processor.event') === 'transaction');
    assert.equal(transactions.length, 25);
    const modelCalls = spans.filter((span) => field(span, 'gen_ai.operation.name'));
    assert.equal(modelCalls.length, 25);
    // auto-register's transaction processor: each model call names the request it was made in.
    const transactionIds = new Set(transactions.map((span) => field(span, 'span.id')));
    for (const call of modelCalls)
      assert.ok(
        transactionIds.has(field(call, 'transaction.id')),
        'a model call names its transaction',
      );
    const models = new Set(modelCalls.map((span) => field(span, 'gen_ai.request.model')));
    assert.deepEqual([...models].sort(), [
      'gpt-4.1',
      'gpt-4.1-mini',
      'gpt-4o-mini',
      'o4-mini',
      'text-embedding-3-small',
    ]);
    const succeeded = modelCalls.filter((span) => !field(span, 'elkhound.error.category'));
    for (const span of succeeded) {
      const cost = field(span, 'elkhound.cost.total');
      assert.ok(
        typeof cost === 'number' && cost > 0,
        `${String(field(span, 'span.name'))}: cost ${String(cost)}`,
      );
    }
    const streamed = modelCalls.filter((span) => field(span, 'gen_ai.request.stream') === true);
    assert.equal(streamed.length, 6);
    for (const span of streamed)
      assert.ok((field(span, 'gen_ai.response.time_to_first_chunk') as number) > 0);
    const reasoning = modelCalls.find(
      (span) => (field(span, 'gen_ai.usage.reasoning.output_tokens') as number) > 0,
    );
    assert.equal(field(reasoning ?? {}, 'gen_ai.request.model'), 'o4-mini');
    assert.ok(
      modelCalls.some(
        (span) => (field(span, 'gen_ai.usage.cache_read.input_tokens') as number) > 0,
      ),
      'repeated long prompts are served from the prompt cache',
    );
  });

  it('records the failures the workload provokes, by category', function () {
    const categories = spans
      .map((span) => field(span, 'elkhound.error.category'))
      .filter((category): category is string => typeof category === 'string')
      .sort();
    assert.deepEqual(categories, [
      'context_length',
      'rate_limit',
      'rate_limit',
      'rate_limit',
      'timeout',
    ]);
  });

  it('finds the repeated question as one prompt hash, whatever the model or streaming', function () {
    const counts = new Map<unknown, number>();
    for (const span of spans) {
      const hash = field(span, 'elkhound.prompt.hash');
      if (hash) counts.set(hash, (counts.get(hash) ?? 0) + 1);
    }
    // Asked once, repeated by four customers, and once in the streaming chat widget.
    assert.equal(Math.max(...counts.values()), 6);
  });

  it('correlates the application logs with their traces and transactions', function () {
    const transactions = new Map(
      spans
        .filter((span) => field(span, 'processor.event') === 'transaction')
        .map((span) => [field(span, 'trace.id'), field(span, 'transaction.id')]),
    );
    const applicationLogs = logRecords.filter(
      (record) => field(record, 'log.logger') === 'elkhound-demo-app',
    );
    assert.equal(applicationLogs.length, 50);
    for (const record of applicationLogs) {
      const traceId = field(record, 'trace.id');
      assert.ok(
        transactions.has(traceId),
        `log ${String(field(record, 'message'))} has trace ${String(traceId)}`,
      );
      assert.equal(
        field(record, 'transaction.id'),
        transactions.get(traceId),
        'the log names the transaction it was written in',
      );
    }
    assert.ok(applicationLogs.some((record) => field(record, 'log.level') === 'error'));
  });
});
