/**
 * The least privileges each part of Elkhound needs, as Elasticsearch role descriptors: the body
 * of `PUT /_security/role/<name>`, and the values of an API key's `role_descriptors`.
 *
 * Each is the minimum found by experiment against a secure cluster (test/clusters): take away
 * any privilege and the part fails with Elasticsearch's 403 naming it.
 * - Writing (`create_doc` alone is not enough): the first document of a data stream creates it
 *   (`indices:admin/auto_create`), and a document with an attribute the mapping has not seen
 *   yet adds a field (`indices:admin/mapping/auto_put`); both are `auto_configure`. No cluster
 *   privilege: the sidecar's readiness probe accepts a 403 on `_cluster/health` as "reachable,
 *   authenticated".
 * - Setup: component and index templates are `manage_index_templates`; the ILM policy, where
 *   the cluster has ILM, is `manage_ilm` (without it setup would find no ILM and fall back to
 *   the data stream lifecycle silently).
 * - Report: one search on `traces-elkhound-*`.
 */
export interface RoleDescriptor {
  cluster: string[];
  indices: Array<{ names: string[]; privileges: string[] }>;
}

export type ElkhoundRole = 'elkhound_writer' | 'elkhound_setup' | 'elkhound_reader';

export const DATA_STREAM_PATTERNS = [
  'traces-elkhound-*',
  'logs-elkhound-*',
  'metrics-elkhound-*',
] as const;

export function elkhoundRoles(): Record<ElkhoundRole, RoleDescriptor> {
  return {
    elkhound_writer: {
      cluster: [],
      indices: [{ names: [...DATA_STREAM_PATTERNS], privileges: ['create_doc', 'auto_configure'] }],
    },
    elkhound_setup: {
      cluster: ['manage_index_templates', 'manage_ilm'],
      indices: [],
    },
    elkhound_reader: {
      cluster: [],
      indices: [{ names: ['traces-elkhound-*'], privileges: ['read'] }],
    },
  };
}

/** Which role each component needs; the sidecar installs templates on start unless told not to. */
export const ROLES_BY_COMPONENT: Record<string, readonly ElkhoundRole[]> = {
  'sidecar and in-process exporters (setup on start off)': ['elkhound_writer'],
  'sidecar and in-process exporters (setup on start, the default)': [
    'elkhound_writer',
    'elkhound_setup',
  ],
  'elkhound setup': ['elkhound_setup'],
  'elkhound report': ['elkhound_reader'],
};

/**
 * The text `elkhound setup --print-roles` prints: the descriptors, and how to make an API key
 * with each, ready to paste into Kibana's Dev Tools or curl.
 */
export function describeRoles(): string {
  const roles = elkhoundRoles();
  const lines: string[] = [
    '# Least-privilege role descriptors for Elkhound (Elasticsearch security).',
    '# Create a role with PUT /_security/role/<name>, or put the descriptors into an API key:',
    '',
  ];
  for (const [name, descriptor] of Object.entries(roles)) {
    lines.push(`PUT /_security/role/${name}`, JSON.stringify(descriptor, null, 2), '');
  }
  lines.push('# Which component needs which:');
  for (const [component, needed] of Object.entries(ROLES_BY_COMPONENT)) {
    lines.push(`#   ${component}: ${needed.join(' + ')}`);
  }
  lines.push('', '# An API key for the sidecar when `elkhound setup` ran with its own key:');
  lines.push(
    'POST /_security/api_key',
    JSON.stringify(
      { name: 'elkhound-sidecar', role_descriptors: { elkhound_writer: roles.elkhound_writer } },
      null,
      2,
    ),
    '',
    '# Give its "encoded" value to ELASTICSEARCH_API_KEY, and set ELKHOUND_SETUP=false.',
    '',
  );
  return lines.join('\n');
}
