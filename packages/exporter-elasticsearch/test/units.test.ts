import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  actionLine,
  connectionOptionsFromEnv,
  describeConnection,
  validateConnection,
} from '../src';
import { classifyItem } from '../src/bulk-response';
import type { EcsDocument } from '@elkhound/ecs';
import { bulkBody, documentBytes, writeBulkLines } from '../src/bulk-request';
import { EncodedDocument } from '../src/encoded-document';
import { backoffDelay, defaultRetryPolicy, parseRetryAfter } from '../src/retry';

/** A document as the encoders make them: its own head and a tail its group shares. */
const headAndTail = (id: string, dataStream: string, head: string, tail: string): EcsDocument => ({
  id,
  dataStream,
  source: head + tail,
  head,
  tail,
});

describe('bulk units', () => {
  it('classifies bulk items: 201 created, 409 duplicate, 429/5xx retryable, 400 rejected', () => {
    assert.equal(classifyItem(201).kind, 'created');
    assert.equal(classifyItem(409).kind, 'duplicate');
    assert.equal(classifyItem(429).kind, 'retryable');
    assert.equal(classifyItem(503).kind, 'retryable');
    // A missing privilege or a revoked key is the credentials, not the document: never rejected.
    assert.equal(classifyItem(401).kind, 'unauthorized');
    assert.equal(
      classifyItem(403, { type: 'security_exception', reason: 'x' }).kind,
      'unauthorized',
    );
    const rejected = classifyItem(400, {
      type: 'document_parsing_exception',
      reason: 'failed to parse field [x]',
    });
    assert.deepEqual(rejected, {
      kind: 'rejected',
      status: 400,
      errorType: 'document_parsing_exception',
      reason: 'failed to parse field [x]',
    });
  });

  it('writes the create action line, escaping ids that need it', () => {
    assert.equal(
      actionLine({ id: 'ab12', dataStream: 'logs-elkhound-default', source: '{}' }),
      '{"create":{"_index":"logs-elkhound-default","_id":"ab12"}}\n',
    );
    assert.equal(
      actionLine({ id: 'a"b', dataStream: 'logs-elkhound-default', source: '{}' }),
      '{"create":{"_index":"logs-elkhound-default","_id":"a\\"b"}}\n',
    );
  });

  it('writes a bulk body of exactly the bytes it announced, unicode and escaped ids included', () => {
    const tail = ',"data_stream":{"namespace":"ü"},"service":{"name":"✓"}}';
    const batch = [
      { id: 'ab12', dataStream: 'logs-elkhound-default', source: '{"message":"«ünïcode» 🚀"}' },
      { id: 'ïd "quoted"', dataStream: 'logs-elkhound-default', source: '{"a":1}' },
      // The encoders' documents: the shared tail is encoded once, the head per document.
      headAndTail('cd34', 'traces-elkhound-default', '{"a":"é"', tail),
      headAndTail('ef56', 'traces-elkhound-default', '{"b":2', tail),
      headAndTail('ef57', 'logs-elkhound-default', '{"c":3', ',"x":1}'),
    ];
    const expected = batch
      .map((document) => actionLine(document) + document.source + '\n')
      .join('');
    const body = bulkBody(batch);
    assert.equal(body.toString('utf8'), expected);
    assert.equal(body.length, Buffer.byteLength(expected));
    assert.equal(
      batch.reduce((total, document) => total + documentBytes(document), 0),
      body.length,
    );
    assert.throws(() => bulkBody(batch, body.length + 1), /bytes/);
  });

  it('sends documents kept as bulk lines by copying them, and reads them back whole when asked', () => {
    const tail = ',"data_stream":{"namespace":"default"},"service":{"name":"✓"}}';
    const documents: EcsDocument[] = [
      { id: 'ab12', dataStream: 'logs-elkhound-default', source: '{"message":"«ü» 🚀"}' },
      { id: 'ïd "quoted" \\', dataStream: 'logs-elkhound-default', source: '{"a":1}' },
      { id: 'ïd', dataStream: 'logs-elkhound-ü', source: '{"b":[1,2]}' },
      headAndTail('cd34', 'traces-elkhound-default', '{"a":"é"', tail),
    ];
    // Two buffers of bulk lines, as two queue records hold them; the second's first document
    // starts at the offset where the first buffer's last one ends (a run must not cross buffers).
    const encode = (part: EcsDocument[], from = 0): EncodedDocument[] => {
      const size = part.reduce((total, document) => total + documentBytes(document), 0);
      const bytes = Buffer.alloc(from + size);
      let offset = from;
      return part.map((document) => {
        const start = offset;
        offset += writeBulkLines(bytes, offset, document);
        return new EncodedDocument(bytes, start, offset);
      });
    };
    const split = (): EncodedDocument[] => {
      const first = encode(documents.slice(0, 3));
      return [...first, ...encode(documents.slice(3), first[2]?.end)];
    };
    const encoded = split();
    const plain = documents.map(({ id, dataStream, source }) => ({ id, dataStream, source }));
    assert.deepEqual(
      encoded.map(({ id, dataStream, source }) => ({ id, dataStream, source })),
      plain,
    );
    // Fresh copies (nothing decoded yet), alone, mixed with plain documents, and out of order.
    const again = split();
    const expected = bulkBody(plain);
    assert.equal(bulkBody(again).toString('utf8'), expected.toString('utf8'));
    const mixed = [
      plain[0] as EcsDocument,
      again[1] as EcsDocument,
      again[2] as EcsDocument,
      plain[3] as EcsDocument,
    ];
    assert.equal(bulkBody(mixed).toString('utf8'), expected.toString('utf8'));
    const reordered = [again[2], again[0], again[3], again[1]] as EcsDocument[];
    assert.equal(
      bulkBody(reordered).toString('utf8'),
      bulkBody([plain[2], plain[0], plain[3], plain[1]] as EcsDocument[]).toString('utf8'),
    );
    // The source line as bytes, without decoding it (the file sink writes it as it is).
    assert.deepEqual(
      again.map((document) => document.sourceLine().toString('utf8')),
      plain.map((document) => `${document.source}\n`),
    );
    assert.throws(
      () => new EncodedDocument(Buffer.from('{"create":{}}\n{}\n'), 0, 17).id,
      /create action/,
    );
    assert.throws(
      () => new EncodedDocument(Buffer.from('no newline'), 0, 10).source,
      /action line/,
    );
  });

  it('backs off exponentially with jitter and honours Retry-After', () => {
    const policy = { ...defaultRetryPolicy, initialDelayMs: 100, maxDelayMs: 10_000 };
    assert.equal(
      backoffDelay(policy, 3, undefined, () => 0.999),
      799,
    );
    assert.equal(
      backoffDelay(policy, 20, undefined, () => 0.999),
      9990,
    );
    assert.equal(
      backoffDelay(policy, 0, 2000, () => 0.5),
      2000,
    );
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter(new Date(61_000).toUTCString(), 1_000), 60_000);
    assert.equal(parseRetryAfter('soon'), undefined);
  });

  it('reads the connection from the environment, validates it and never describes secrets', () => {
    assert.equal(connectionOptionsFromEnv({}), undefined);
    const options = connectionOptionsFromEnv({
      ELASTICSEARCH_URL: 'https://es.example:9243',
      ELASTICSEARCH_API_KEY: 'c2VjcmV0',
    });
    assert.equal(options?.apiKey, 'c2VjcmV0');
    assert.equal(describeConnection(options!), 'https://es.example:9243 (api key)');
    assert.ok(
      !describeConnection({
        url: 'http://user:hunter2@es:9200',
        username: 'u',
        password: 'hunter2',
      }).includes('hunter2'),
    );
    assert.throws(
      () => validateConnection({ url: 'ftp://x' }),
      /ELASTICSEARCH_URL: protocol "ftp:"/,
    );
    assert.throws(() => validateConnection({ url: 'not a url' }), /is not a URL/);
    assert.throws(
      () =>
        connectionOptionsFromEnv({
          ELASTICSEARCH_URL: 'https://x:9200',
          ELASTICSEARCH_CA_FILE: '/nonexistent/ca.pem',
        }),
      /ELASTICSEARCH_CA_FILE: cannot read "\/nonexistent\/ca.pem"/,
    );
    assert.throws(
      () => validateConnection({ url: 'http://x', apiKey: 'k', username: 'u' }),
      /both set/,
    );
  });

  it('reads the CA file, encodes id:key API keys, and pairs the password with a user name', () => {
    const folder = mkdtempSync(join(tmpdir(), 'elkhound-ca-'));
    const caFile = join(folder, 'ca.pem');
    writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const options = connectionOptionsFromEnv({
      ELASTICSEARCH_URL: 'https://es.example:9243',
      ELASTICSEARCH_CA_FILE: caFile,
      ELASTICSEARCH_USERNAME: 'elastic',
      ELASTICSEARCH_PASSWORD: 'changeme',
    });
    assert.match(options?.ca ?? '', /BEGIN CERTIFICATE/);
    const description = describeConnection(options!);
    assert.equal(description, 'https://es.example:9243 (basic auth as elastic, custom CA)');
    assert.ok(!description.includes('changeme'));
    assert.equal(
      validateConnection({ url: 'http://x:9200', apiKey: 'VuaCfGcBCdbkQm:ui2lp2axTNmsyakw9' })
        .apiKey,
      Buffer.from('VuaCfGcBCdbkQm:ui2lp2axTNmsyakw9').toString('base64'),
    );
    assert.throws(
      () => validateConnection({ url: 'http://x:9200', password: 'p' }),
      /ELASTICSEARCH_PASSWORD is set without ELASTICSEARCH_USERNAME/,
    );
    assert.throws(
      () => validateConnection({ url: 'http://x:9200', requestTimeoutMs: 0 }),
      /requestTimeoutMs: 0 is not a positive number/,
    );
  });
});
