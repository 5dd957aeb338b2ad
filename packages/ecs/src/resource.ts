import type { Resource } from '@elkhound/otlp';
import { setLabel, setPath, type Fields } from './fields';

/** Resource attribute → ECS field, per the ECS ↔ OpenTelemetry mapping. */
const RESOURCE_FIELDS: Record<string, string> = {
  'service.name': 'service.name',
  'service.version': 'service.version',
  'service.namespace': 'service.namespace',
  'service.instance.id': 'service.node.name',
  'deployment.environment.name': 'service.environment',
  'deployment.environment': 'service.environment',
  'telemetry.sdk.language': 'service.language.name',
  'telemetry.sdk.version': 'agent.version',
  'host.name': 'host.name',
  'host.id': 'host.id',
  'host.arch': 'host.architecture',
  'host.type': 'host.type',
  'host.ip': 'host.ip',
  'os.type': 'os.type',
  'os.name': 'os.name',
  'os.version': 'os.version',
  'os.description': 'os.full',
  'process.pid': 'process.pid',
  'process.executable.path': 'process.executable',
  'process.executable.name': 'process.title',
  'process.command_line': 'process.command_line',
  'process.command_args': 'process.args',
  'process.owner': 'process.owner',
  'process.runtime.name': 'process.runtime.name',
  'process.runtime.version': 'process.runtime.version',
  'process.runtime.description': 'process.runtime.description',
  'cloud.provider': 'cloud.provider',
  'cloud.platform': 'cloud.platform',
  'cloud.region': 'cloud.region',
  'cloud.availability_zone': 'cloud.availability_zone',
  'cloud.account.id': 'cloud.account.id',
  'cloud.resource_id': 'cloud.resource_id',
  'container.id': 'container.id',
  'container.name': 'container.name',
  'container.image.name': 'container.image.name',
  'container.image.tag': 'container.image.tag',
  'container.runtime': 'container.runtime',
  'k8s.cluster.name': 'orchestrator.cluster.name',
  'k8s.namespace.name': 'orchestrator.namespace',
};

/** Attributes read for routing or derived fields, not copied as labels. */
const CONSUMED = new Set(['data_stream.namespace', 'data_stream.dataset', 'telemetry.sdk.name']);

export interface MappedResource {
  /** ECS fields every document of this resource carries. */
  fields: Fields;
  /**
   * The same fields, but labels, serialised once as JSON members (no braces) and appended to
   * every document of the resource: most of a document is its resource.
   */
  fragment: string;
  /** The `data_stream.namespace` resource attribute, when set and valid. */
  namespace?: string;
}

/** Computed once per resource and shared by all its documents. */
export function mapResource(resource: Resource | undefined): MappedResource {
  const fields: Fields = {};
  const attributes = resource?.attributes ?? {};
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined || value === null || CONSUMED.has(key)) continue;
    // Own keys only: an attribute named `constructor` or `toString` is not a field of the table.
    const target = Object.hasOwn(RESOURCE_FIELDS, key) ? RESOURCE_FIELDS[key] : undefined;
    if (target) setPath(fields, target, value);
    else if (key.startsWith('k8s.pod.')) {
      if (key === 'k8s.pod.name') {
        setPath(fields, 'orchestrator.resource.name', value);
        setPath(fields, 'orchestrator.resource.type', 'pod');
      } else setLabel(fields, key, value);
    } else setLabel(fields, key, value);
  }
  if (typeof attributes['host.name'] === 'string')
    setPath(fields, 'host.hostname', attributes['host.name']);
  if (attributes['k8s.cluster.name'] !== undefined)
    setPath(fields, 'orchestrator.type', 'kubernetes');
  const sdk = attributes['telemetry.sdk.name'];
  const language = attributes['telemetry.sdk.language'];
  if (typeof sdk === 'string') {
    // The Elastic APM UI reads agent.name as `opentelemetry/<language>`.
    setPath(fields, 'agent.name', typeof language === 'string' ? `${sdk}/${language}` : sdk);
  }
  const service = (fields.service as Fields | undefined) ?? {};
  if (service.name === undefined) setPath(fields, 'service.name', 'unknown_service');
  let fragment = '';
  for (const key in fields) {
    if (key === 'labels' || key === 'numeric_labels') continue;
    fragment += `${fragment ? ',' : ''}${JSON.stringify(key)}:${JSON.stringify(fields[key])}`;
  }
  const mapped: MappedResource = { fields, fragment };
  const namespace = attributes['data_stream.namespace'];
  if (typeof namespace === 'string' && isValidNamespace(namespace)) mapped.namespace = namespace;
  return mapped;
}

/** Data stream namespaces: lowercase, no `-`, at most 100 bytes, none of `\/*?"<>| ,#:`. */
export function isValidNamespace(namespace: string): boolean {
  return (
    /^[a-z0-9_.]{1,100}$/.test(namespace) &&
    !namespace.startsWith('.') &&
    !namespace.startsWith('_')
  );
}
