import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, ClusterConnectionPool } from '@elastic/elasticsearch';
import {
  ConnectionConfigError,
  connectionFromSettings,
  connectionOptionsFromEnv,
  decodeCloudId,
  describeConnection,
  ElasticsearchTransport,
  isLoopbackConnection,
  validateConnection,
  type SettingValue,
} from '../src';

// The example of Elastic's documentation: `staging` deployment, host `us-east-1.aws.found.io`.
const CLOUD_ID =
  'staging:dXMtZWFzdC0xLmF3cy5mb3VuZC5pbyRjZWM2ZjI2MWE3NGJmMjRjZTMzYmI4ODExYjg0Mjk0ZiRjNmMyY2E2ZDA0MjI0OWFmMGNjN2Q3YTllOTYyNTc0Mw==';
const CLOUD_URL = 'https://cec6f261a74bf24ce33bb8811b84294f.us-east-1.aws.found.io';
const FINGERPRINT = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';

/** Settings as the sidecar hands them over: YAML values with the file and key as their source. */
function fromYaml(values: Record<string, unknown>) {
  return connectionFromSettings((key): SettingValue | undefined =>
    key in values
      ? { value: values[key], source: `elkhound.yaml: elasticsearch.${key}` }
      : undefined,
  );
}

describe('connection settings', () => {
  it('takes several nodes: comma-separated in the environment, a list in YAML', () => {
    const fromEnv = connectionOptionsFromEnv({
      ELASTICSEARCH_URL: ' https://es1:9200 ,https://es2:9200,https://es3:9200',
    });
    assert.deepEqual(fromEnv?.nodes, ['https://es1:9200', 'https://es2:9200', 'https://es3:9200']);
    assert.equal(
      describeConnection(fromEnv!),
      'https://es1:9200, https://es2:9200, https://es3:9200 (no auth)',
    );
    const yaml = fromYaml({ url: ['http://127.0.0.1:9201', 'http://127.0.0.1:9202'] });
    assert.deepEqual(yaml?.nodes, ['http://127.0.0.1:9201', 'http://127.0.0.1:9202']);
    assert.equal(isLoopbackConnection(yaml!), true);
    assert.equal(
      isLoopbackConnection(fromYaml({ url: ['http://127.0.0.1:1', 'http://es:9200'] })!),
      false,
    );
    assert.deepEqual(validateConnection({ url: ['http://a:9200', 'http://b:9200'] }).nodes, [
      'http://a:9200',
      'http://b:9200',
    ]);
  });

  it('decodes a Cloud ID into the deployment URL, the same one the official client builds', async () => {
    assert.equal(decodeCloudId(CLOUD_ID), CLOUD_URL);
    const client = new Client({ cloud: { id: CLOUD_ID } });
    assert.equal(client.connectionPool.connections[0]?.url.origin, CLOUD_URL);
    await client.close();
    const options = connectionOptionsFromEnv({
      ELASTIC_CLOUD_ID: CLOUD_ID,
      ELASTICSEARCH_API_KEY: 'a2V5',
    });
    assert.deepEqual(options?.nodes, [CLOUD_URL]);
    assert.equal(describeConnection(options!), `Elastic Cloud "staging" ${CLOUD_URL} (api key)`);
    assert.equal(isLoopbackConnection(options!), false);
    // A port on the host part, or on the Elasticsearch part, and no `name:` prefix.
    const encode = (text: string) => Buffer.from(text).toString('base64');
    assert.equal(
      decodeCloudId(`x:${encode('eu-west-1.aws.found.io:9243$abc123$def')}`),
      'https://abc123.eu-west-1.aws.found.io:9243',
    );
    assert.equal(
      decodeCloudId(encode('europe-west1.gcp.cloud.es.io$abc123:9243$def')),
      'https://abc123.europe-west1.gcp.cloud.es.io:9243',
    );
    assert.throws(() => decodeCloudId('staging:'), /ELASTIC_CLOUD_ID: not a Cloud ID/);
    assert.throws(
      () => decodeCloudId(`staging:${encode('just-a-host')}`),
      /decodes to no host\$elasticsearch-id/,
    );
    assert.throws(
      () =>
        connectionOptionsFromEnv({
          ELASTIC_CLOUD_ID: CLOUD_ID,
          ELASTICSEARCH_URL: 'http://es:9200',
        }),
      /ELASTICSEARCH_URL and ELASTIC_CLOUD_ID are both set/,
    );
  });

  it('sends the authorization of each auth kind, and the plain JSON media types', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const server = http.createServer((request, response) => {
      seen.push(request.headers);
      response.writeHead(200, {
        'content-type': 'application/json',
        'x-elastic-product': 'Elasticsearch',
      });
      response.end('{"status":"green"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const kinds = [
        {
          env: { ELASTICSEARCH_API_KEY: 'id1:key1' },
          expected: `ApiKey ${Buffer.from('id1:key1').toString('base64')}`,
        },
        { env: { ELASTICSEARCH_API_KEY: 'ZW5jb2RlZA==' }, expected: 'ApiKey ZW5jb2RlZA==' },
        {
          env: { ELASTICSEARCH_USERNAME: 'elastic', ELASTICSEARCH_PASSWORD: 'changeme' },
          expected: `Basic ${Buffer.from('elastic:changeme').toString('base64')}`,
        },
        { env: { ELASTICSEARCH_BEARER_TOKEN: 'dG9rZW4=' }, expected: 'Bearer dG9rZW4=' },
      ];
      for (const kind of kinds) {
        const connection = connectionOptionsFromEnv({ ELASTICSEARCH_URL: url, ...kind.env })!;
        const transport = new ElasticsearchTransport(connection);
        const answer = await transport.json<{ status: string }>({
          method: 'GET',
          path: '/_cluster/health',
        });
        await transport.close();
        assert.equal(answer.body?.status, 'green');
        assert.equal(seen.at(-1)?.authorization, kind.expected);
        assert.equal(seen.at(-1)?.accept, 'application/json');
      }
      const described = describeConnection(
        connectionOptionsFromEnv({
          ELASTICSEARCH_URL: url,
          ELASTICSEARCH_BEARER_TOKEN: 'dG9rZW4=',
        })!,
      );
      assert.ok(described.endsWith('(bearer token)') && !described.includes('dG9rZW4'));
    } finally {
      server.close();
    }
  });

  it('builds the client with the dead-marking pool and one failover per other node', async () => {
    const one = new ElasticsearchTransport({ url: 'http://127.0.0.1:1' });
    const three = new ElasticsearchTransport({
      url: 'http://127.0.0.1:1,http://127.0.0.1:2,http://127.0.0.1:3',
    });
    try {
      assert.ok(three.client.connectionPool instanceof ClusterConnectionPool);
      assert.equal(three.client.connectionPool.size, 3);
      const maxRetries = (client: Client) =>
        (client.transport as unknown as Record<symbol, unknown>)[
          Object.getOwnPropertySymbols(client.transport).find(
            (symbol) => symbol.description === 'max retries',
          ) as symbol
        ];
      assert.equal(maxRetries(one.client), 0);
      assert.equal(maxRetries(three.client), 2);
      // Sniffing off unless asked for (nodes behind a load balancer publish unreachable addresses).
      assert.equal(three.client.transport.sniffEnabled, false);
      const sniffing = new ElasticsearchTransport({ url: 'http://127.0.0.1:1', sniff: true });
      assert.equal(sniffing.client.transport.sniffEnabled, true);
      await sniffing.close();
    } finally {
      await one.close();
      await three.close();
    }
  });

  it('reads a CA file or a CA fingerprint, for https nodes only', () => {
    const folder = mkdtempSync(join(tmpdir(), 'elkhound-ca-'));
    const caFile = join(folder, 'ca.pem');
    writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    assert.match(
      connectionOptionsFromEnv({
        ELASTICSEARCH_URL: 'https://es:9200',
        ELASTICSEARCH_CA_FILE: caFile,
      })?.ca ?? '',
      /BEGIN CERTIFICATE/,
    );
    const notPem = join(folder, 'key.txt');
    writeFileSync(notPem, 'not a certificate');
    assert.throws(
      () =>
        connectionOptionsFromEnv({
          ELASTICSEARCH_URL: 'https://es:9200',
          ELASTICSEARCH_CA_FILE: notPem,
        }),
      /ELASTICSEARCH_CA_FILE: ".*key.txt" holds no PEM certificate/,
    );
    const pinned = connectionOptionsFromEnv({
      ELASTICSEARCH_URL: 'https://es:9200',
      ELASTICSEARCH_CA_FINGERPRINT: FINGERPRINT,
    });
    // The form Elasticsearch and openssl print: upper case, colon-separated.
    assert.equal(pinned?.caFingerprint, FINGERPRINT.toUpperCase().match(/../g)?.join(':'));
    assert.equal(describeConnection(pinned!), 'https://es:9200 (no auth, pinned CA fingerprint)');
    assert.equal(
      connectionOptionsFromEnv({
        ELASTICSEARCH_URL: 'https://es:9200',
        ELASTICSEARCH_CA_FINGERPRINT: pinned!.caFingerprint,
      })?.caFingerprint,
      pinned?.caFingerprint,
    );
    assert.throws(
      () =>
        connectionOptionsFromEnv({
          ELASTICSEARCH_URL: 'https://es:9200',
          ELASTICSEARCH_CA_FINGERPRINT: 'abc',
        }),
      /ELASTICSEARCH_CA_FINGERPRINT: "abc" is not a SHA-256 fingerprint; expected 64 hex digits/,
    );
    assert.throws(
      () =>
        connectionOptionsFromEnv({
          ELASTICSEARCH_URL: 'http://es:9200',
          ELASTICSEARCH_CA_FINGERPRINT: FINGERPRINT,
        }),
      /ELASTICSEARCH_CA_FINGERPRINT is set but ELASTICSEARCH_URL is plain http/,
    );
  });

  it('refuses bad values with the setting, the value (never a secret) and what was expected', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [
        { url: 'http://es:9200', request_timeout_ms: 'soon' },
        /elkhound.yaml: elasticsearch.request_timeout_ms: "soon" is not a duration/,
      ],
      [
        { url: 'http://es:9200', request_timeout_ms: 0 },
        /request_timeout_ms: 0 is not a duration; expected a positive whole number/,
      ],
      [{ url: 'http://es:9200', sniff: 'maybe' }, /elasticsearch.sniff: "maybe" is not a boolean/],
      [{ url: ['http://es:9200', 42] }, /elasticsearch.url: .* is not a list of URLs/],
      [{ url: 'http://es:9200,http://es:9200' }, /a node is listed twice/],
      [{ url: 'http://es:9200,' }, /is not a list of URLs/],
      [{ url: 'es:9200' }, /elasticsearch.url: protocol "es:"/],
      [
        { api_key: 's3cr3t' },
        /elasticsearch.api_key is set but neither ELASTICSEARCH_URL nor ELASTIC_CLOUD_ID is/,
      ],
      [
        { url: 'http://es:9200', api_key: 's3cr3t', bearer_token: 't0k3n' },
        /api_key and elkhound.yaml: elasticsearch.bearer_token are both set/,
      ],
      [
        { url: 'http://es:9200', password: 's3cr3t' },
        /elasticsearch.password is set without ELASTICSEARCH_USERNAME; expected both/,
      ],
      [{ cloud_id: 'staging:!!!' }, /elasticsearch.cloud_id: not a Cloud ID/],
    ];
    for (const [values, expected] of cases) {
      assert.throws(
        () => fromYaml(values),
        (error: unknown) =>
          error instanceof ConnectionConfigError &&
          expected.test(error.message) &&
          !/s3cr3t|t0k3n/.test(error.message),
        JSON.stringify(values),
      );
    }
    const parsed = fromYaml({ url: 'http://es:9200', request_timeout_ms: '2500', sniff: 'true' });
    assert.equal(parsed?.requestTimeoutMs, 2500);
    assert.equal(parsed?.sniff, true);
    assert.equal(fromYaml({}), undefined);
    assert.equal(connectionOptionsFromEnv({ ELASTICSEARCH_URL: '  ' }), undefined);
  });
});
