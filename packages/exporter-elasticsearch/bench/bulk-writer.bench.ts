// Bulk writer into the real Elasticsearch: documents per second through BulkWriter.send (gzip on
// and off) against a raw `_bulk` of the same pre-serialised bodies on the same node, in one run.
// Run: ELASTICSEARCH_URL=http://127.0.0.1:9200 npx tsx bench/bulk-writer.bench.ts [documents]
import http from 'node:http';
import type { EcsDocument } from '@elkhound/ecs';
import { bulkBody, splitByBytes } from '../src/bulk-request';
import { BulkWriter } from '../src/bulk-writer';
import { setupElasticsearch } from '../src/setup';

const url = process.env.ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200';
const count = Number(process.argv[2] ?? 30_000);
const flushBytes = 5 * 1024 * 1024;

function documents(namespace: string): EcsDocument[] {
  const dataStream = `traces-elkhound-${namespace}`;
  return Array.from({ length: count }, (_, index) => {
    const id = index.toString(16).padStart(16, '0');
    return {
      id,
      dataStream,
      source: JSON.stringify({
        '@timestamp': new Date(Date.UTC(2026, 10, 22, 10, 0, 0, index)).toISOString(),
        processor: { event: 'span' },
        trace: { id: `4bf92f3577b34da6a3ce929d0e0e${id.slice(-4)}` },
        span: { id, name: 'chat gpt-4o-mini', kind: 'CLIENT' },
        parent: { id: '00f067aa0ba902b7' },
        event: { kind: 'event', duration: 1_234_567 + index, outcome: 'success' },
        service: { name: 'checkout', version: '1.4.2', environment: 'production' },
        host: { name: 'ip-10-0-0-12' },
        gen_ai: {
          operation: { name: 'chat' },
          provider: { name: 'openai' },
          request: { model: 'gpt-4o-mini', temperature: 0.2, max_tokens: 512 },
          response: {
            id: `chatcmpl-${id}`,
            model: 'gpt-4o-mini-2024-07-18',
            finish_reasons: ['stop'],
          },
          usage: { input_tokens: 1200 + (index % 100), output_tokens: 240 },
        },
        elkhound: {
          cost: {
            total: 0.000324,
            input: 0.00018,
            output: 0.000144,
            currency: 'USD',
            source: 'local',
          },
          prompt: { hash: `sha256:${id.repeat(4)}` },
        },
        labels: { deployment_region: 'eu-west-1' },
        numeric_labels: { attempt: 1 },
      }),
    };
  });
}

async function rawBulk(batches: Buffer[]): Promise<void> {
  const agent = new http.Agent({ keepAlive: true });
  const target = new URL(url);
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const body = batches[next++] as Buffer;
      await new Promise<void>((resolve, reject) => {
        const request = http.request(
          {
            hostname: target.hostname,
            port: target.port,
            path: '/_bulk?filter_path=errors',
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/x-ndjson' },
          },
          (answer) => {
            answer.resume();
            answer.on('end', resolve);
          },
        );
        request.on('error', reject);
        request.end(body);
      });
    }
  };
  await Promise.all([worker(), worker()]);
  agent.destroy();
}

async function main(): Promise<void> {
  await setupElasticsearch({ url });
  const run = Date.now().toString(36);
  const rows: string[] = [];
  const measure = async (label: string, work: () => Promise<void>) => {
    const started = process.hrtime.bigint();
    await work();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    rows.push(
      `| ${label} | ${Math.round(count / seconds).toLocaleString('en')} | ${seconds.toFixed(2)} |`,
    );
  };
  const bodiesFor = (namespace: string) =>
    splitByBytes(documents(namespace), flushBytes).map((batch) =>
      bulkBody(batch.documents, batch.bytes),
    );
  // A first raw round warms the node (a new data stream, JIT) and is not reported.
  await rawBulk(bodiesFor(`benchwarm${run}`));
  const bodies = bodiesFor(`benchraw${run}`);
  await measure('raw `_bulk`, pre-serialised bodies, 2 in flight, no gzip', () => rawBulk(bodies));
  for (const gzip of [false, true]) {
    const batch = documents(`bench${gzip ? 'gzip' : 'plain'}${run}`);
    const writer = new BulkWriter({ connection: { url }, gzip, concurrency: 2, flushBytes });
    await measure(
      `BulkWriter.send, gzip ${gzip ? 'on' : 'off'} (serialises the bodies itself)`,
      async () => {
        const outcome = await writer.send(batch);
        if (outcome.acknowledged !== count) throw new Error(JSON.stringify(outcome.rejected[0]));
      },
    );
    await writer.close();
  }
  const bytes = bodies.reduce((total, body) => total + body.length, 0);
  console.log(`${count} documents, ${(bytes / count).toFixed(0)} bytes each in the bulk body\n`);
  console.log('| path | documents/s | seconds |\n| --- | ---: | ---: |');
  console.log(rows.join('\n'));
}

void main();
