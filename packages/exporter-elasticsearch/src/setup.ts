import { createHash } from 'node:crypto';
import type { ElasticsearchConnectionOptions } from './connection';
import {
  componentTemplates,
  ilmPolicy,
  indexTemplates,
  TEMPLATE_VERSION,
  type TemplateOptions,
} from './templates';
import { ElasticsearchTransport } from './transport';

export interface SetupOptions {
  /** Data stream lifecycle retention (and ILM delete age), e.g. `30d`, `12h`; default `30d`. */
  retention?: string;
  /** ILM policy name used where the cluster has ILM; default `elkhound`. */
  ilmPolicyName?: string;
}

export interface SetupResult {
  /** The cluster has ILM, so the policy was installed (or found current) and attached. */
  ilm: boolean;
  /** Templates (and the ILM policy, as `ilm:<name>`) written by this call; empty when all were current. */
  installed: string[];
  /** Those left alone: the same version and options, or a newer version, already there. */
  current: string[];
}

/**
 * Installs the ILM policy (only where the cluster has ILM), the component templates and the
 * index templates, idempotently. Each body carries `version` and `_meta.version`, and
 * `_meta.fingerprint`, a hash of the body itself:
 * - installed version newer than this package: left alone (an older sidecar never downgrades);
 * - same version and same fingerprint: left alone (no PUT: a sidecar start costs a few GETs);
 * - same version with other options (e.g. a new retention), or an older version: replaced.
 * Throws with Elasticsearch's reason when a PUT is refused (e.g. missing manage_index_templates).
 */
export async function setupElasticsearch(
  connection: ElasticsearchConnectionOptions,
  options: SetupOptions = {},
): Promise<SetupResult> {
  const retention = options.retention ?? '30d';
  if (!/^\d+(d|h|m|s|ms|micros|nanos)$/.test(retention)) {
    throw new RangeError(
      `retention: "${retention}" is not an Elasticsearch time value; expected e.g. 30d or 12h`,
    );
  }
  const transport = new ElasticsearchTransport(connection);
  const result: SetupResult = { ilm: false, installed: [], current: [] };
  try {
    result.ilm = await hasIlm(transport);
    const templateOptions: TemplateOptions = { retention };
    if (result.ilm) {
      const name = options.ilmPolicyName ?? 'elkhound';
      templateOptions.ilmPolicy = name;
      const policy = withFingerprint(ilmPolicy(retention), ['policy', '_meta']);
      const path = `/_ilm/policy/${encodeURIComponent(name)}`;
      const existing = await transport.json<Record<string, { policy?: { _meta?: Meta } }>>({
        method: 'GET',
        path,
      });
      const installed = existing.status === 200 ? existing.body?.[name]?.policy?._meta : undefined;
      await installUnlessCurrent(
        transport,
        path,
        `ilm:${name}`,
        policy,
        installed,
        ['policy', '_meta'],
        result,
      );
    }
    for (const [name, body] of Object.entries(componentTemplates(templateOptions))) {
      const path = `/_component_template/${encodeURIComponent(name)}`;
      const existing = await transport.json<{
        component_templates?: Array<{ component_template?: InstalledTemplate }>;
      }>({ method: 'GET', path });
      const installed = installedMeta(
        existing.status === 200
          ? existing.body?.component_templates?.[0]?.component_template
          : undefined,
      );
      await installUnlessCurrent(
        transport,
        path,
        name,
        withFingerprint(body, ['_meta']),
        installed,
        ['_meta'],
        result,
      );
    }
    for (const [name, body] of Object.entries(indexTemplates())) {
      const path = `/_index_template/${encodeURIComponent(name)}`;
      const existing = await transport.json<{
        index_templates?: Array<{ index_template?: InstalledTemplate }>;
      }>({ method: 'GET', path });
      const installed = installedMeta(
        existing.status === 200 ? existing.body?.index_templates?.[0]?.index_template : undefined,
      );
      await installUnlessCurrent(
        transport,
        path,
        name,
        withFingerprint(body, ['_meta']),
        installed,
        ['_meta'],
        result,
      );
    }
    return result;
  } finally {
    await transport.close();
  }
}

/** ILM is an x-pack feature: absent from the integ-test distribution and from serverless projects. */
export async function hasIlm(transport: ElasticsearchTransport): Promise<boolean> {
  const answer = await transport.json<{ operation_mode?: string }>({
    method: 'GET',
    path: '/_ilm/status',
  });
  return answer.status === 200 && typeof answer.body?.operation_mode === 'string';
}

interface Meta {
  version?: unknown;
  fingerprint?: unknown;
}

interface InstalledTemplate {
  version?: unknown;
  _meta?: Meta;
}

/** Templates have Elasticsearch's own `version`; a hand-made one may lack our `_meta`. */
function installedMeta(template: InstalledTemplate | undefined): Meta | undefined {
  if (!template) return undefined;
  return {
    version: template.version ?? template._meta?.version,
    fingerprint: template._meta?.fingerprint,
  };
}

type Body = Record<string, unknown>;

/** A copy of `body` whose `_meta` (at `metaPath`) carries a hash of the rest of the body. */
export function withFingerprint(body: Body, metaPath: readonly string[]): Body {
  const fingerprint = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
  const copy = structuredClone(body);
  let node = copy;
  for (const key of metaPath) node = (node[key] ??= {}) as Body;
  node.fingerprint = fingerprint;
  return copy;
}

function metaOf(body: Body, metaPath: readonly string[]): Meta {
  let node: unknown = body;
  for (const key of metaPath) node = (node as Body)[key];
  return node as Meta;
}

async function installUnlessCurrent(
  transport: ElasticsearchTransport,
  path: string,
  name: string,
  body: Body,
  installed: Meta | undefined,
  metaPath: readonly string[],
  result: SetupResult,
): Promise<void> {
  const version = installed?.version;
  if (
    typeof version === 'number' &&
    (version > TEMPLATE_VERSION ||
      (version === TEMPLATE_VERSION &&
        installed?.fingerprint === metaOf(body, metaPath).fingerprint))
  ) {
    result.current.push(name);
    return;
  }
  await put(transport, path, body);
  result.installed.push(name);
}

async function put(transport: ElasticsearchTransport, path: string, body: unknown): Promise<void> {
  const answer = await transport.json<{ error?: { type?: string; reason?: string } }>({
    method: 'PUT',
    path,
    body: JSON.stringify(body),
  });
  if (answer.status < 200 || answer.status >= 300) {
    const error = answer.body?.error;
    throw new Error(
      `Elasticsearch refused PUT ${path} (${answer.status}): ${error?.type ?? ''} ${error?.reason ?? ''}`.trim(),
    );
  }
}
