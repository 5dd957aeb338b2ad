import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BulkWriter, setupElasticsearch } from '@elkhound/exporter-elasticsearch';
import { ensureElasticsearch } from '@elkhound/test-support';
import {
  ElasticsearchReportSource,
  makeQuery,
  renderHtml,
  renderTerminal,
  reportFromFiles,
  runReport,
  type Report,
} from '../src';
import { documents, PROMPT_A, PROMPT_B } from './support/calls';

const OUTPUT = join(__dirname, '..', '.test-output');

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runReport(argv, env, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
  return { code, stdout, stderr };
}

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);

describe('elkhound report', function () {
  this.timeout(120_000);
  const base = Date.now();
  const namespace = `report${base.toString(36)}`;
  const directory = mkdtempSync(join(tmpdir(), 'elkhound-report-'));
  const lastHour = () => makeQuery({ since: '1h' }, base + 1000);
  let url: string;
  let fromFiles: Report;
  let fromElasticsearch: Report;

  before(async () => {
    const written = documents(namespace, base);
    writeFileSync(
      join(directory, `traces-elkhound-${namespace}.ndjson`),
      written.map((document) => `${document.source}\n`).join(''),
    );
    url = (await ensureElasticsearch()).url;
    await setupElasticsearch({ url });
    const writer = new BulkWriter({ connection: { url } });
    const outcome = await writer.send(written);
    assert.equal(outcome.acknowledged, written.length);
    await writer.close();
    await fetch(`${url}/traces-elkhound-${namespace}/_refresh`, { method: 'POST' });
    fromFiles = await reportFromFiles(directory, lastHour());
    const source = new ElasticsearchReportSource({ url }, namespace);
    fromElasticsearch = await source.report(lastHour());
    await source.close();
  });

  it('from the NDJSON files: cost, tokens and calls by model and service, within the range', () => {
    const report = fromFiles;
    assert.deepEqual(
      {
        ...report.totals,
        cost: Number(report.totals.cost.toFixed(9)),
        estimatedCost: Number(report.totals.estimatedCost.toFixed(9)),
      },
      {
        calls: 14,
        errors: 3,
        inputTokens: 1628,
        outputTokens: 280,
        cost: 0.03604,
        estimatedCost: 0.015,
        unpricedCalls: 2,
      },
    );
    assert.deepEqual(
      report.byModel.map((row) => [
        row.model,
        row.calls,
        row.errors,
        row.inputTokens,
        row.unpricedCalls,
        Number(row.estimatedCost.toFixed(9)),
      ]),
      [
        ['gpt-4o-mini', 8, 2, 828, 0, 0.015],
        ['text-embedding-3-small', 4, 1, 200, 0, 0],
        ['house-model-7b', 2, 0, 600, 2, 0],
      ],
    );
    assert.deepEqual(
      report.byService.map((row) => [row.service, row.calls, row.errors]),
      [
        ['checkout', 8, 2],
        ['search', 6, 1],
      ],
    );
    assert.deepEqual(report.errorsByCategory, [
      { category: 'rate_limit', count: 2 },
      { category: 'timeout', count: 1 },
    ]);
    assert.deepEqual(report.unpriced, [{ model: 'house-model-7b', provider: 'openai', calls: 2 }]);
    assert.deepEqual(report.unpricedReasons, [
      { reason: '(none)', calls: 1 },
      { reason: 'unknown_model', calls: 1 },
    ]);
  });

  it('latency percentiles and time to first chunk by model, the slowest calls first', () => {
    const gpt = fromFiles.byModel.find((row) => row.model === 'gpt-4o-mini');
    assert.deepEqual(gpt?.latencyMs, { p50: 400, p95: 800, p99: 800 });
    assert.equal(Math.round(gpt?.timeToFirstChunkMs?.p50 ?? 0), 100);
    assert.equal(
      fromFiles.byModel.find((row) => row.model === 'house-model-7b')?.timeToFirstChunkMs,
      undefined,
    );
    assert.deepEqual(
      fromFiles.slowest.slice(0, 3).map((call) => [call.model, Math.round(call.durationMs)]),
      [
        ['house-model-7b', 901],
        ['house-model-7b', 900],
        ['gpt-4o-mini', 800],
      ],
    );
  });

  it('duplicate prompts with what a response cache keyed by model and prompt would have saved', () => {
    const [first, second] = fromFiles.duplicatePrompts;
    assert.equal(fromFiles.duplicatePrompts.length, 2);
    assert.equal(first?.hash, PROMPT_A);
    assert.equal(first?.count, 4);
    close(first?.cost ?? 0, 0.01, 'cost of the four calls');
    // Three of the four calls would have been answered from the cache, at the average $0.0025.
    close(first?.savings ?? 0, 0.0075, 'saving');
    assert.equal(second?.hash, PROMPT_B);
    assert.equal(second?.savings, 0, 'unpriced calls save nothing known');
  });

  it('Elasticsearch (aggregations) and the files give the same report', () => {
    const files = fromFiles;
    const cluster = fromElasticsearch;
    assert.equal(cluster.totals.calls, files.totals.calls);
    assert.equal(cluster.totals.errors, files.totals.errors);
    assert.equal(cluster.totals.inputTokens, files.totals.inputTokens);
    assert.equal(cluster.totals.outputTokens, files.totals.outputTokens);
    assert.equal(cluster.totals.unpricedCalls, files.totals.unpricedCalls);
    close(cluster.totals.estimatedCost, files.totals.estimatedCost, 'estimated cost');
    assert.deepEqual(cluster.unpricedReasons, files.unpricedReasons);
    for (const row of files.byModel)
      close(
        cluster.byModel.find((other) => other.model === row.model)?.estimatedCost ?? -1,
        row.estimatedCost,
        `${row.model} estimated cost`,
      );
    close(cluster.totals.cost, files.totals.cost, 'total cost');
    assert.deepEqual(
      cluster.byModel.map((row) => [
        row.model,
        row.provider,
        row.calls,
        row.errors,
        row.inputTokens,
      ]),
      files.byModel.map((row) => [row.model, row.provider, row.calls, row.errors, row.inputTokens]),
    );
    assert.deepEqual(
      cluster.byService.map((row) => [row.service, row.calls]),
      files.byService.map((row) => [row.service, row.calls]),
    );
    assert.deepEqual(cluster.errorsByCategory, files.errorsByCategory);
    assert.deepEqual(
      cluster.duplicatePrompts.map((prompt) => [prompt.hash, prompt.count, prompt.models]),
      files.duplicatePrompts.map((prompt) => [prompt.hash, prompt.count, prompt.models]),
    );
    close(cluster.duplicatePrompts[0]?.savings ?? 0, 0.0075, 'saving from Elasticsearch');
    assert.deepEqual(cluster.unpriced, files.unpriced);
    assert.deepEqual(
      cluster.slowest.map((call) => call.spanId),
      files.slowest.map((call) => call.spanId),
    );
    assert.equal(cluster.timeline.intervalMs, files.timeline.intervalMs);
    assert.deepEqual(
      cluster.timeline.buckets.map((bucket) => [bucket.start, bucket.calls, bucket.errors]),
      files.timeline.buckets.map((bucket) => [bucket.start, bucket.calls, bucket.errors]),
    );
    // Elasticsearch's percentiles are a TDigest estimate (interpolated); the files' are exact.
    for (const row of files.byModel) {
      const estimate = cluster.byModel.find((candidate) => candidate.model === row.model);
      for (const key of ['p50', 'p95', 'p99'] as const) {
        const exact = row.latencyMs[key];
        const estimated = estimate?.latencyMs[key] ?? Number.NaN;
        assert.ok(
          Math.abs(estimated - exact) <= Math.max(1, 0.15 * exact),
          `${row.model} ${key}: Elasticsearch ${estimated} ms vs exact ${exact} ms`,
        );
      }
    }
  });

  it('filters by service, model and time range', async () => {
    const search = await reportFromFiles(
      directory,
      makeQuery({ since: '1h', service: 'search' }, base + 1000),
    );
    assert.equal(search.totals.calls, 6);
    assert.deepEqual(search.filters, { service: 'search' });
    const gpt = await reportFromFiles(
      directory,
      makeQuery({ since: '1h', model: 'gpt-4o-mini' }, base + 1000),
    );
    assert.equal(gpt.totals.calls, 8);
    const threeHours = await reportFromFiles(directory, makeQuery({ since: '3h' }, base + 1000));
    assert.equal(threeHours.totals.calls, 15);
    const source = new ElasticsearchReportSource({ url }, namespace);
    const clusterSearch = await source.report(
      makeQuery({ since: '1h', service: 'search', model: 'text-embedding-3-small' }, base + 1000),
    );
    await source.close();
    assert.equal(clusterSearch.totals.calls, 4);
    assert.equal(clusterSearch.totals.errors, 1);
  });

  it('terminal tables have aligned columns', () => {
    const text = renderTerminal(fromFiles);
    const lines = text.split('\n');
    const header = lines.findIndex(
      (line) => line.startsWith('model ') && line.includes('cost (USD)'),
    );
    assert.ok(header > 0, text);
    const separator = lines[header + 1] as string;
    assert.match(separator, /^-+( +-+)+$/);
    // Right-aligned number columns end where their dashes end, on every row.
    const costEnd = separator.length;
    for (let row = header + 2; row < header + 5; row++)
      assert.equal((lines[row] as string).length, costEnd, lines[row]);
    const callsEnd = separator
      .split(/(?<=-) /)
      .slice(0, 3)
      .join(' ').length;
    for (let row = header + 2; row < header + 5; row++)
      assert.match((lines[row] as string).slice(0, callsEnd), /\d$/, lines[row]);
    assert.match(text, /a response cache would have saved \$0\.0075/);
    assert.match(text, /Unpriced models/);
    // How much of the cost rests on estimated tokens, per model and in total; unpriced by reason.
    assert.match(text, /cost \$0\.0360 \(\$0\.0150, 41\.6%, on estimated tokens\)/);
    assert.match(text, /of which estimated/);
    assert.match(text, /\$0\.0360 +\$0\.0150 \(41\.7%\)/);
    assert.match(
      text,
      /Unpriced calls by reason[^\n]*\nreason +calls +share of calls\n[- ]+\n\(none\) +1 +7\.1%\nunknown_model +1 +7\.1%/,
    );
  });

  it('elkhound report --json, --dir, --namespace and Elasticsearch from ELASTICSEARCH_URL', async () => {
    const files = await run(['--dir', directory, '--since', '3h', '--json']);
    assert.equal(files.code, 0, files.stderr);
    const parsed = JSON.parse(files.stdout) as Report;
    assert.equal(parsed.totals.calls, 15);
    assert.match(parsed.source, /NDJSON files/);
    const cluster = await run(['--since', '3h', '--namespace', namespace, '--json'], {
      ELASTICSEARCH_URL: url,
    });
    assert.equal(cluster.code, 0, cluster.stderr);
    assert.equal((JSON.parse(cluster.stdout) as Report).totals.calls, 15);
  });

  it('bad options: a message naming the option, exit code 2', async () => {
    for (const [argv, message] of [
      [['--since', 'yesterday'], /--since: expected an ISO time/],
      [['--top', '0'], /--top: expected a whole number/],
      [['--colour'], /unknown option --colour/],
      [['--since'], /--since: expected a value/],
      [['--dir', join(directory, 'missing')], /--dir .*missing: cannot read it/],
      [['--since', '1h', '--until', '2h'], /must be before --until/],
    ] as const) {
      const result = await run([...argv], {});
      assert.equal(result.code, 2, `${argv.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    const none = await run(['--since', '1h'], { ELKHOUND_DATA_DIR: join(directory, 'nowhere') });
    assert.equal(none.code, 2);
    assert.match(
      none.stderr,
      /no data source: set ELASTICSEARCH_URL \(or ELASTIC_CLOUD_ID\), or --dir/,
    );
  });

  it('the HTML page renders in headless Chromium with charts holding the data, and a screenshot', () => {
    mkdirSync(OUTPUT, { recursive: true });
    const page = join(OUTPUT, 'report.html');
    const screenshot = join(OUTPUT, 'report.png');
    writeFileSync(page, renderHtml(fromFiles));
    const flags = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
    ];
    const dom = execFileSync('chromium', [...flags, '--dump-dom', `file://${page}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 60_000,
    });
    const chart = (id: string) => {
      const match = new RegExp(`<svg[^>]*id="${id}"[\\s\\S]*?</svg>`).exec(dom);
      assert.ok(match, `chart ${id} is in the rendered page`);
      return match[0];
    };
    const bars = (svg: string) =>
      [...svg.matchAll(/<rect class="bar"[^>]*data-value="([^"]+)"/g)].map((match) =>
        Number(match[1]),
      );
    const cost = bars(chart('cost-over-time'));
    assert.ok(cost.length >= 2, 'cost bars');
    assert.ok(
      Math.abs(cost.reduce((sum, value) => sum + value, 0) - 0.03604) < 1e-9,
      'the cost bars add up to the total cost',
    );
    const latency = bars(chart('latency-percentiles'));
    assert.equal(latency.length, 9, 'p50, p95 and p99 of three models');
    assert.ok(latency.includes(800));
    assert.ok(bars(chart('error-rate')).length >= 2);
    assert.deepEqual(bars(chart('duplicate-prompts')), [4, 2]);
    assert.match(dom, /house-model-7b/);
    assert.match(dom, /of which estimated<b>\$0\.0150 \(41\.6%\)<\/b>/);
    assert.match(dom, /Unpriced calls by reason/);
    assert.match(dom, /<td[^>]*>unknown_model<\/td>/);
    execFileSync(
      'chromium',
      [
        ...flags,
        '--hide-scrollbars',
        '--window-size=1100,2400',
        `--screenshot=${screenshot}`,
        `file://${page}`,
      ],
      {
        stdio: 'ignore',
        timeout: 60_000,
      },
    );
    const png = readFileSync(screenshot);
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.ok(
      statSync(screenshot).size > 20_000,
      `screenshot of ${statSync(screenshot).size} bytes`,
    );
  });
});
