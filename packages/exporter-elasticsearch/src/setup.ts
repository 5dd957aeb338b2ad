import type { ElasticsearchConnectionOptions } from './connection';
import {
  componentTemplates,
  ilmPolicy,
  indexTemplates,
  TEMPLATE_VERSION,
  type TemplateOptions,
} from './templates';
import { HttpTransport } from './transport';

export interface SetupOptions {
  /** Data stream lifecycle retention (and ILM delete age); default `30d`. */
  retention?: string;
  /** ILM policy name used where the cluster has ILM; default `elkhound`. */
  ilmPolicyName?: string;
}

export interface SetupResult {
  ilm: boolean;
  /** Templates (and the ILM policy) written by this call; empty when everything was current. */
  installed: string[];
  /** Those left alone: same or newer version already there. */
  current: string[];
}

/**
 * Installs the ILM policy (only where the cluster has ILM), the component templates and the
 * index templates, idempotently: a template whose installed `version` is the same or newer is
 * left alone, so running it on every sidecar start costs a few GETs and never downgrades.
 */
export async function setupElasticsearch(
  connection: ElasticsearchConnectionOptions,
  options: SetupOptions = {},
): Promise<SetupResult> {
  const transport = new HttpTransport(connection);
  const result: SetupResult = { ilm: false, installed: [], current: [] };
  try {
    result.ilm = await hasIlm(transport);
    const templateOptions: TemplateOptions = { retention: options.retention ?? '30d' };
    if (result.ilm) {
      const name = options.ilmPolicyName ?? 'elkhound';
      templateOptions.ilmPolicy = name;
      const existing = await transport.json<
        Record<string, { policy?: { _meta?: { version?: number } } }>
      >({
        method: 'GET',
        path: `/_ilm/policy/${encodeURIComponent(name)}`,
      });
      const version = existing.body?.[name]?.policy?._meta?.version;
      if (existing.status === 200 && typeof version === 'number' && version >= TEMPLATE_VERSION) {
        result.current.push(`ilm:${name}`);
      } else {
        await put(
          transport,
          `/_ilm/policy/${encodeURIComponent(name)}`,
          ilmPolicy(templateOptions.retention),
        );
        result.installed.push(`ilm:${name}`);
      }
    }
    for (const [name, body] of Object.entries(componentTemplates(templateOptions))) {
      await installIfOlder(
        transport,
        '_component_template',
        'component_templates',
        name,
        body,
        result,
      );
    }
    for (const [name, body] of Object.entries(indexTemplates())) {
      await installIfOlder(transport, '_index_template', 'index_templates', name, body, result);
    }
    return result;
  } finally {
    transport.close();
  }
}

/** ILM is an x-pack feature: absent from the integ-test distribution and from serverless projects. */
export async function hasIlm(transport: HttpTransport): Promise<boolean> {
  const answer = await transport.json<{ operation_mode?: string }>({
    method: 'GET',
    path: '/_ilm/status',
  });
  return answer.status === 200 && typeof answer.body?.operation_mode === 'string';
}

async function installIfOlder(
  transport: HttpTransport,
  endpoint: '_component_template' | '_index_template',
  listKey: 'component_templates' | 'index_templates',
  name: string,
  body: Record<string, unknown>,
  result: SetupResult,
): Promise<void> {
  const path = `/${endpoint}/${encodeURIComponent(name)}`;
  const existing = await transport.json<
    Record<string, Array<Record<string, { version?: number }>>>
  >({
    method: 'GET',
    path,
  });
  const entry = existing.status === 200 ? existing.body?.[listKey]?.[0] : undefined;
  const installed = entry
    ? Object.values(entry).find((value) => typeof value === 'object')?.version
    : undefined;
  if (typeof installed === 'number' && installed >= TEMPLATE_VERSION) {
    result.current.push(name);
    return;
  }
  await put(transport, path, body);
  result.installed.push(name);
}

async function put(transport: HttpTransport, path: string, body: unknown): Promise<void> {
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
