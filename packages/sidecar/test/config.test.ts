import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError, loadConfig, OPTIONS } from '../src/config';
import { temporaryDirectory } from './support/sidecar-process';

const run = promisify(execFile);
const BIN = join(__dirname, '..', 'bin', 'elkhound.js');

describe('configuration', () => {
  it('defaults: ports 4318/4317, namespace default, 1 GiB queue, file sink without ELASTICSEARCH_URL', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.httpPort, 4318);
    assert.equal(config.grpcPort, 4317);
    assert.equal(config.namespace, 'default');
    assert.equal(config.queueMaxBytes, 1024 ** 3);
    assert.equal(config.elasticsearch, undefined);
    assert.equal(config.authToken, undefined);
  });

  it('gzips bulk requests to a remote Elasticsearch, not to one on loopback, unless told', () => {
    const gzip = (env: Record<string, string>) => loadConfig({ env }).bulkGzip;
    assert.equal(gzip({ ELASTICSEARCH_URL: 'https://es.example.com:9243' }), true);
    assert.equal(gzip({ ELASTICSEARCH_URL: 'http://10.0.0.5:9200' }), true);
    assert.equal(gzip({ ELASTICSEARCH_URL: 'http://127.0.0.1:9200' }), false);
    assert.equal(gzip({ ELASTICSEARCH_URL: 'http://localhost:9200' }), false);
    assert.equal(gzip({ ELASTICSEARCH_URL: 'http://[::1]:9200' }), false);
    assert.equal(
      gzip({ ELASTICSEARCH_URL: 'http://127.0.0.1:9200', ELKHOUND_BULK_GZIP: 'true' }),
      true,
    );
    assert.equal(
      gzip({ ELASTICSEARCH_URL: 'https://es.example.com', ELKHOUND_BULK_GZIP: 'no' }),
      false,
    );
  });

  it('YAML file with environment variables winning', () => {
    const file = join(temporaryDirectory('config'), 'elkhound.yaml');
    writeFileSync(
      file,
      'namespace: from_file\nhttp:\n  port: 5318\ngrpc:\n  port: "off"\nqueue:\n  max_bytes: 64MiB\nelasticsearch:\n  url: http://es:9200\n  api_key: secret-key\n',
    );
    const config = loadConfig({ configFile: file, env: { ELKHOUND_NAMESPACE: 'from_env' } });
    assert.equal(config.namespace, 'from_env');
    assert.equal(config.httpPort, 5318);
    assert.equal(config.grpcPort, undefined);
    assert.equal(config.queueMaxBytes, 64 * 1024 * 1024);
    assert.deepEqual(config.elasticsearch?.nodes, ['http://es:9200']);
  });

  it('several nodes: a YAML list, or comma-separated in ELASTICSEARCH_URL, which wins', () => {
    const file = join(temporaryDirectory('config'), 'elkhound.yaml');
    writeFileSync(
      file,
      'elasticsearch:\n  url:\n    - https://es1:9200\n    - https://es2:9200\n  request_timeout_ms: 5000\n  sniff: true\n',
    );
    const fromFile = loadConfig({ configFile: file, env: {} });
    assert.deepEqual(fromFile.elasticsearch?.nodes, ['https://es1:9200', 'https://es2:9200']);
    assert.equal(fromFile.elasticsearch?.requestTimeoutMs, 5000);
    assert.equal(fromFile.elasticsearch?.sniff, true);
    const fromEnv = loadConfig({
      configFile: file,
      env: { ELASTICSEARCH_URL: 'http://127.0.0.1:9201,http://127.0.0.1:9202' },
    });
    assert.deepEqual(fromEnv.elasticsearch?.nodes, [
      'http://127.0.0.1:9201',
      'http://127.0.0.1:9202',
    ]);
    writeFileSync(file, 'elasticsearch:\n  url: [http://127.0.0.1:9201, http://127.0.0.1:9202]\n');
    assert.equal(
      loadConfig({ configFile: file, env: {} }).bulkGzip,
      false,
      'all nodes on loopback',
    );
  });

  it('the example examples/sidecar/elkhound.yaml is a valid configuration', () => {
    const file = join(__dirname, '..', '..', '..', 'examples', 'sidecar', 'elkhound.yaml');
    const config = loadConfig({ configFile: file, env: {} });
    assert.equal(config.namespace, 'production');
    assert.equal(config.queueMaxBytes, 2 * 1024 ** 3);
    assert.deepEqual(config.elasticsearch?.nodes, ['https://elasticsearch.example.internal:9200']);
  });

  const invalid: Array<[Record<string, string>, RegExp]> = [
    [
      { ELKHOUND_HTTP_PORT: '70000' },
      /ELKHOUND_HTTP_PORT: "70000" is not a port; expected 0-65535 or "off"/,
    ],
    [{ ELKHOUND_QUEUE_MAX_BYTES: 'lots' }, /ELKHOUND_QUEUE_MAX_BYTES: "lots" is not a size/],
    [
      { ELKHOUND_NAMESPACE: 'Bad-Name' },
      /ELKHOUND_NAMESPACE: "Bad-Name" is not a data stream namespace/,
    ],
    [{ ELKHOUND_TLS_CERT_FILE: '/tmp/cert.pem' }, /expected both or neither/],
    [{ ELKHOUND_HTTP_PORT: 'off', ELKHOUND_GRPC_PORT: 'off' }, /at least one receiver/],
    [{ ELKHOUND_LOG_LEVEL: 'loud' }, /ELKHOUND_LOG_LEVEL: "loud" is not a log level/],
    [
      { ELASTICSEARCH_URL: 'ftp://x' },
      /ELASTICSEARCH_URL: protocol "ftp:" of "ftp:\/\/x" is not supported/,
    ],
    [{ ELKHOUND_SETUP: 'maybe' }, /ELKHOUND_SETUP: "maybe" is not a boolean/],
    [
      { ELASTICSEARCH_URL: 'http://es:9200', ELASTICSEARCH_SNIFF: 'yes' },
      /ELASTICSEARCH_SNIFF: "yes" is not a boolean; expected true or false/,
    ],
    [
      { ELASTICSEARCH_API_KEY: 'k' },
      /ELASTICSEARCH_API_KEY is set but neither ELASTICSEARCH_URL nor ELASTIC_CLOUD_ID is/,
    ],
  ];
  for (const [env, message] of invalid) {
    it(`rejects ${JSON.stringify(env)} naming the key, the value and what was expected`, () => {
      assert.throws(
        () => loadConfig({ env }),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
      );
    });
  }

  it('rejects unknown YAML keys and never echoes a secret in a message', () => {
    const file = join(temporaryDirectory('config'), 'elkhound.yaml');
    writeFileSync(file, 'queue:\n  max_byte: 10\n');
    assert.throws(
      () => loadConfig({ configFile: file, env: {} }),
      /unknown option "queue.max_byte"/,
    );
    writeFileSync(
      file,
      'elasticsearch:\n  url: http://es:9200\n  api_key: s3cr3t\n  username: elastic\n',
    );
    assert.throws(
      () => loadConfig({ configFile: file, env: {} }),
      (error: unknown) => error instanceof ConfigError && !error.message.includes('s3cr3t'),
    );
  });

  it('elkhound sidecar --help documents every option with its variable and default', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'sidecar', '--help']);
    for (const option of OPTIONS) {
      assert.ok(stdout.includes(option.env), `${option.env} in --help`);
      assert.ok(
        stdout.includes(`${option.yaml} (default: ${option.defaultText})`),
        `${option.yaml} in --help`,
      );
    }
    for (const command of ['setup', 'dlq']) {
      const help = await run(process.execPath, [BIN, command, '--help']);
      assert.match(help.stdout, new RegExp(`Usage: elkhound ${command}`));
    }
  });

  it('docs/configuration.md lists every option with its variable, YAML key and default', () => {
    const reference = readFileSync(
      join(__dirname, '..', '..', '..', 'docs', 'configuration.md'),
      'utf8',
    );
    for (const option of OPTIONS)
      assert.ok(
        reference.includes(`| \`${option.env}\` | \`${option.yaml}\` | ${option.defaultText} |`),
        `${option.env} (${option.yaml}, default ${option.defaultText}) in docs/configuration.md`,
      );
  });

  it('a wrong value stops the sidecar at start with exit code 2 and the precise message', async () => {
    const failure = await run(process.execPath, [BIN, 'sidecar'], {
      env: { PATH: process.env.PATH, ELKHOUND_GRPC_PORT: 'abc' },
    }).catch((error: { code: number; stderr: string }) => error);
    assert.equal((failure as { code?: number }).code, 2);
    assert.match(failure.stderr, /ELKHOUND_GRPC_PORT: "abc" is not a port/);
  });
});
