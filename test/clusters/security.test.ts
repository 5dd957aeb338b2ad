import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@elastic/elasticsearch';
import {
  ElasticsearchSpanExporter,
  elkhoundRoles,
  type RoleDescriptor,
} from '@elkhound/exporter-elasticsearch';
import { makeSpans } from '../../packages/sidecar/test/support/requests';
import { selfSignedCertificate } from '../../packages/sidecar/test/support/certificates';
import { LoadGenerator } from '../../packages/sidecar/test/support/load';
import {
  metricValue,
  spawnSidecar,
  temporaryDirectory,
  uniqueNamespace,
  waitForDrain,
  type SidecarProcess,
} from '../../packages/sidecar/test/support/sidecar-process';
import {
  adminClient,
  countsBy,
  lostOrDuplicated,
  secureNode,
  type Deployment,
} from './deployments';

const run = promisify(execFile);
const BIN = join(__dirname, '..', '..', 'packages', 'sidecar', 'bin', 'elkhound.js');

/**
 * Elkhound against a node with security and TLS on, with API keys made through the real
 * security API from exactly the role descriptors `elkhound setup --print-roles` prints.
 */
describe('a secure Elasticsearch: least privilege, a key that is wrong or revoked, TLS', function () {
  let deployment: Deployment;
  let admin: Client;
  const roles = elkhoundRoles();

  before(async function () {
    this.timeout(10 * 60_000);
    deployment = await secureNode();
    admin = adminClient(deployment);
    // Templates first, with the setup key: the writer may not install them.
    const setupKey = await createKey(admin, 'setup', { elkhound_setup: roles.elkhound_setup });
    const setup = await cli(['setup'], connectionEnv(setupKey.encoded));
    assert.equal(setup.code, 0, setup.stderr);
  });

  after(async () => {
    await admin?.close();
  });

  /** How the sidecar trusts the node: the CA file (default) or a pinned CA fingerprint. */
  type Trust = { caFile: string } | { caFingerprint: string };

  function connectionEnv(
    apiKey: string,
    trust: Trust = { caFile: deployment.caFile! },
  ): Record<string, string> {
    return {
      ELASTICSEARCH_URL: deployment.urls[0]!,
      ELASTICSEARCH_API_KEY: apiKey,
      ...('caFile' in trust
        ? { ELASTICSEARCH_CA_FILE: trust.caFile }
        : { ELASTICSEARCH_CA_FINGERPRINT: trust.caFingerprint }),
    };
  }

  function sidecarEnv(apiKey: string, namespace: string, trust?: Trust) {
    return {
      ...connectionEnv(apiKey, trust),
      ELKHOUND_NAMESPACE: namespace,
      // The writer may not install templates: `elkhound setup` did, with its own key.
      ELKHOUND_SETUP: 'false',
      ELKHOUND_RETRY_MAX_DELAY_MS: '500',
    };
  }

  /** A key of exactly the writer role. */
  const writerKey = (name = 'writer') =>
    createKey(admin, name, { elkhound_writer: roles.elkhound_writer });

  /** A key whose writer role lacks auto_configure: create_doc alone. */
  const lackingKey = (name: string) =>
    createKey(admin, name, {
      lacking: {
        cluster: [],
        indices: [{ ...roles.elkhound_writer.indices[0]!, privileges: ['create_doc'] }],
      },
    });

  /** Every span the load had acknowledged is in the namespace's data stream exactly once. */
  async function assertIndexedOnce(load: LoadGenerator, namespace: string): Promise<void> {
    const counts = await countsBy(admin, `traces-elkhound-${namespace}`, 'span.id');
    assert.deepEqual(lostOrDuplicated(load.acknowledged, counts), {
      lost: 0,
      duplicated: 0,
      examples: [],
    });
  }

  /** The sidecar delivered: queue drained, every span indexed once, none dead-lettered, ready. */
  async function assertDelivered(
    sidecar: SidecarProcess,
    load: LoadGenerator,
    namespace: string,
  ): Promise<void> {
    await waitForDrain(sidecar);
    assert.equal((await fetch(sidecar.url('/readyz'))).status, 200);
    await assertIndexedOnce(load, namespace);
    assert.equal(await deadLettered(sidecar), 0);
  }

  /** A sidecar with a good key on the data directory a failing one left: it delivers all. */
  async function deliverWithGoodKey(
    apiKey: string,
    namespace: string,
    dataDirectory: string,
    load: LoadGenerator,
    trust?: Trust,
  ): Promise<void> {
    const sidecar = await spawnSidecar(sidecarEnv(apiKey, namespace, trust), dataDirectory);
    try {
      await assertDelivered(sidecar, load, namespace);
    } finally {
      await sidecar.stop();
    }
  }

  it('elkhound setup, the sidecar and elkhound report each work with a key of exactly their role, and say which privilege is missing otherwise', async () => {
    const writer = await writerKey();
    const reader = await createKey(admin, 'reader', { elkhound_reader: roles.elkhound_reader });
    const setupKey = await createKey(admin, 'setup', { elkhound_setup: roles.elkhound_setup });

    const setupAgain = await cli(['setup'], connectionEnv(setupKey.encoded));
    assert.equal(setupAgain.code, 0, setupAgain.stderr);
    const setupAsWriter = await cli(['setup'], connectionEnv(writer.encoded));
    assert.equal(setupAsWriter.code, 1);
    assert.match(setupAsWriter.stderr, /403.*security_exception.*manage_index_templates/);

    const namespace = uniqueNamespace('lp');
    const sidecar = await spawnSidecar(sidecarEnv(writer.encoded, namespace));
    try {
      const load = await sendFor(sidecar, 'least-privilege', 1500, 100, 20);
      await assertDelivered(sidecar, load, namespace);
    } finally {
      await sidecar.stop();
    }

    const report = await cli(['report', '--namespace', namespace], connectionEnv(reader.encoded));
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, new RegExp(`traces-elkhound-${namespace}`));
    const reportAsWriter = await cli(['report'], connectionEnv(writer.encoded));
    assert.equal(reportAsWriter.code, 1);
    assert.match(reportAsWriter.stderr, /lack the index privilege \[read\] on traces-elkhound-\*/);
  });

  it('a key without auto_configure: /readyz names the privilege and the data stream, nothing is dead-lettered, the queue drains once a good key is configured', async () => {
    // create_doc alone: the first document of a new data stream needs indices:admin/auto_create.
    const lacking = await lackingKey('lacking');
    const namespace = uniqueNamespace('nopriv');
    const dataDirectory = temporaryDirectory('nopriv');
    const first = await spawnSidecar(sidecarEnv(lacking.encoded, namespace), dataDirectory);
    let load: LoadGenerator;
    try {
      load = await sendFor(first, 'no-privilege', 1000, 50);
      const readyz = await notReadyBecause(first, /auto_configure/);
      assert.match(readyz, /lack a privilege \(403\)/);
      assert.match(readyz, /indices:admin\/auto_create/);
      assert.match(readyz, new RegExp(`traces-elkhound-${namespace}`));
      assert.ok(
        first.lines.some(
          (line) => line.includes('"log.level":"error"') && line.includes('auto_configure'),
        ),
        'the problem is logged as an error',
      );
      await assertAllQueued(first, load);
    } finally {
      await first.stop();
    }
    const writer = await writerKey();
    await deliverWithGoodKey(writer.encoded, namespace, dataDirectory, load);
  });

  it('the in-process exporter with a key that lacks a privilege: the export fails naming it, nothing is rejected as a bad document', async () => {
    const lacking = await lackingKey('lacking-exporter');
    const rejected: unknown[] = [];
    const exporter = new ElasticsearchSpanExporter({
      connection: { url: deployment.urls, apiKey: lacking.encoded, caFile: deployment.caFile! },
      namespace: uniqueNamespace('exporter403'),
      setup: false,
      bulk: {
        retry: { maxRetries: 2, maxElapsedMs: 2_000, initialDelayMs: 50 },
        onRejected: (documents) => rejected.push(...documents),
      },
    });
    try {
      const result = await new Promise<{ code: number; error?: Error }>((resolve) =>
        exporter.export(makeSpans(5, 'exporter-403'), resolve),
      );
      assert.equal(result.code, 1, 'FAILED');
      assert.match(result.error?.message ?? '', /lack a privilege \(403\)/);
      assert.match(result.error?.message ?? '', /auto_configure/);
      assert.deepEqual(rejected, []);
    } finally {
      await exporter.shutdown();
    }
  });

  it('a key revoked in the middle of a run: writes wait with a 401 reason on /readyz, nothing is dead-lettered, a new key delivers everything once', async () => {
    const revoked = await writerKey('revoked');
    const namespace = uniqueNamespace('revoked');
    const dataDirectory = temporaryDirectory('revoked');
    const first = await spawnSidecar(sidecarEnv(revoked.encoded, namespace), dataDirectory);
    const load = startLoad(first, 'revoked');
    try {
      // Revoked once the key has written: in the middle of the run, not before it.
      const beforeRevocation = await until(
        () => metricValue(first, 'elkhound_documents_total{outcome="indexed"}'),
        (indexed) => indexed > 0,
      );
      await admin.security.invalidateApiKey({ ids: [revoked.id] });
      await delay(1500);
      await load.stop();
      assert.ok(beforeRevocation > 0, 'documents were written before the key was revoked');
      const readyz = await notReadyBecause(first, /401/);
      assert.match(readyz, /refused the credentials/);
      assert.equal(await deadLettered(first), 0);
      assert.ok(
        (await metricValue(first, 'elkhound_queue_documents')) > 0,
        'documents wait in the queue',
      );
    } finally {
      await first.stop();
    }
    const writer = await writerKey();
    await deliverWithGoodKey(writer.encoded, namespace, dataDirectory, load);
  });

  it('TLS with a CA that did not sign the node: a clear certificate error on /readyz, nothing lost; the right CA file delivers everything once', async () => {
    const writer = await writerKey();
    const namespace = uniqueNamespace('wrongca');
    const dataDirectory = temporaryDirectory('wrongca');
    const first = await spawnSidecar(
      sidecarEnv(writer.encoded, namespace, { caFile: otherCaFile() }),
      dataDirectory,
    );
    let load: LoadGenerator;
    try {
      load = await sendFor(first, 'wrong-ca', 1000, 50);
      const readyz = await notReadyBecause(first, /certificate/);
      assert.match(readyz, /not reachable/);
      await assertAllQueued(first, load);
    } finally {
      await first.stop();
    }
    await deliverWithGoodKey(writer.encoded, namespace, dataDirectory, load);
  });

  it('TLS pinned by the CA fingerprint: the right one delivers, a wrong one gives a clear error and loses nothing', async () => {
    const writer = await writerKey();
    const namespace = uniqueNamespace('fingerprint');
    const dataDirectory = temporaryDirectory('fingerprint');
    // The fingerprint of another CA: well-formed, and wrong.
    const wrongFingerprint = execFileSync('openssl', [
      'x509',
      '-in',
      otherCaFile(),
      '-noout',
      '-fingerprint',
      '-sha256',
    ])
      .toString()
      .replace(/.*=/, '')
      .replace(/:/g, '')
      .trim();
    const first = await spawnSidecar(
      sidecarEnv(writer.encoded, namespace, { caFingerprint: wrongFingerprint }),
      dataDirectory,
    );
    let load: LoadGenerator;
    try {
      load = await sendFor(first, 'fingerprint', 1000, 50);
      const readyz = await notReadyBecause(first, /fingerprint/i);
      assert.match(readyz, /not reachable/);
      await assertAllQueued(first, load);
    } finally {
      await first.stop();
    }
    await deliverWithGoodKey(writer.encoded, namespace, dataDirectory, load, {
      caFingerprint: deployment.caFingerprint!,
    });
  });
});

/** Steady load on the sidecar's OTLP/HTTP endpoint, started: one request every 20 ms. */
function startLoad(sidecar: SidecarProcess, serviceName: string, spansPerRequest = 10) {
  const load = new LoadGenerator(() => sidecar.url('/v1/traces'), {
    spansPerRequest,
    intervalMs: 20,
    serviceName,
  });
  load.start();
  return load;
}

/** Load for `milliseconds`, then stopped; at least `atLeast` spans must have been acknowledged. */
async function sendFor(
  sidecar: SidecarProcess,
  serviceName: string,
  milliseconds: number,
  atLeast: number,
  spansPerRequest?: number,
): Promise<LoadGenerator> {
  const load = startLoad(sidecar, serviceName, spansPerRequest);
  await delay(milliseconds);
  await load.stop();
  assert.ok(load.acknowledged.size >= atLeast, `only ${load.acknowledged.size} spans acknowledged`);
  return load;
}

/** A sidecar that could not write kept everything: nothing dead-lettered, all of it queued. */
async function assertAllQueued(sidecar: SidecarProcess, load: LoadGenerator): Promise<void> {
  assert.equal(await deadLettered(sidecar), 0);
  assert.equal(await metricValue(sidecar, 'elkhound_queue_documents'), load.acknowledged.size);
}

async function createKey(
  admin: Client,
  name: string,
  roleDescriptors: Record<string, RoleDescriptor>,
): Promise<{ id: string; encoded: string }> {
  const key = await admin.security.createApiKey({
    name: `elkhound-test-${name}`,
    role_descriptors: roleDescriptors,
  });
  return { id: key.id, encoded: key.encoded };
}

async function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH, ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

async function deadLettered(sidecar: SidecarProcess): Promise<number> {
  return metricValue(sidecar, 'elkhound_documents_total{outcome="dead_lettered"}');
}

/** Polls /readyz until it answers 503 with a reason matching `pattern`; returns the body. */
async function notReadyBecause(sidecar: SidecarProcess, pattern: RegExp): Promise<string> {
  const deadline = Date.now() + 20_000;
  let last = '';
  while (Date.now() < deadline) {
    const response = await fetch(sidecar.url('/readyz'));
    last = `${response.status} ${await response.text()}`;
    if (response.status === 503 && pattern.test(last)) return last;
    await delay(200);
  }
  throw new Error(`/readyz never said ${pattern}; last answer: ${last}`);
}

/** A CA of its own, made now: valid, but it signed nothing the node presents. */
function otherCaFile(): string {
  const directory = mkdtempSync(join(tmpdir(), 'elkhound-wrong-ca-'));
  const { certFile } = selfSignedCertificate(directory, '/CN=not the node CA');
  writeFileSync(join(directory, 'README'), 'a CA that signed nothing the test node presents\n');
  return certFile;
}

/** Polls `read` until `done` holds (at most 30 s); returns the last value. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await delay(100);
    value = await read();
  }
  return value;
}

const delay = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
