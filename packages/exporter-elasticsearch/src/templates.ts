// Index templates for the three data streams. The mapping follows the ECS documents that
// @elkhound/ecs writes (docs/ecs-mapping.md): keyword for ids, names, models and categories;
// text where people search (with a .keyword where they also group: error messages); stack traces stored but not indexed; message content
// `flattened`; costs double; token counts long. Unknown attributes land under `labels.*` /
// `numeric_labels.*`, whose dynamic templates pin their types so they never conflict.

/** Bump when any template body changes: installed templates of a lower version are replaced. */
export const TEMPLATE_VERSION = 6;

export type Signal = 'traces' | 'logs' | 'metrics';
export const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];

type Mapping = Record<string, unknown>;
const keyword: Mapping = { type: 'keyword', ignore_above: 1024 };
const long: Mapping = { type: 'long' };
const double: Mapping = { type: 'double' };
const bool: Mapping = { type: 'boolean' };
const date: Mapping = { type: 'date_nanos' };
const text: Mapping = {
  type: 'text',
  fields: { keyword: { type: 'keyword', ignore_above: 1024 } },
};
// A log message is searched by its words, never aggregated by its whole text: `text` alone, as
// ECS maps it (a `.keyword` beside it cost Elasticsearch ~2 µs per log document, issue 15).
const searchedText: Mapping = { type: 'text' };
const flattened: Mapping = { type: 'flattened', ignore_above: 8191 };
const storedOnly: Mapping = { type: 'keyword', index: false, doc_values: false };
// The APM Server's `representative_count`: aggregated by the UI, never searched (`index: false`
// as in the APM templates; `double` where they use `scaled_float`, which needs the mapper-extras
// module that not every distribution has).
const representativeCount: Mapping = { type: 'double', index: false };

function object(properties: Record<string, Mapping>): Mapping {
  return { properties };
}

const commonProperties: Record<string, Mapping> = {
  '@timestamp': date,
  data_stream: object({ type: keyword, dataset: keyword, namespace: keyword }),
  message: searchedText,
  trace: object({ id: keyword }),
  span: object({ id: keyword, name: keyword, kind: keyword }),
  parent: object({ id: keyword }),
  // The APM UI's transaction fields, typed as the APM Server's templates type them
  // (traces-apm@mappings, ecs@mappings of Elasticsearch's apm-data plugin).
  transaction: object({
    id: keyword,
    name: keyword,
    type: keyword,
    duration: object({ us: long }),
    result: keyword,
    sampled: bool,
    representative_count: representativeCount,
  }),
  processor: object({ event: keyword }),
  timestamp: object({ us: long }),
  event: object({
    duration: long,
    outcome: keyword,
    severity: long,
    kind: keyword,
    dataset: keyword,
    action: keyword,
    created: date,
  }),
  service: object({
    name: keyword,
    version: keyword,
    environment: keyword,
    namespace: keyword,
    node: object({ name: keyword }),
    language: object({ name: keyword, version: keyword }),
    framework: object({ name: keyword, version: keyword }),
    // The service a span calls (APM UI dependencies).
    target: object({ type: keyword, name: keyword }),
  }),
  agent: object({ name: keyword, version: keyword }),
  host: object({
    name: keyword,
    hostname: keyword,
    id: keyword,
    architecture: keyword,
    ip: { type: 'ip' },
    type: keyword,
  }),
  os: object({ type: keyword, name: keyword, version: keyword, platform: keyword, full: keyword }),
  process: object({
    pid: long,
    executable: keyword,
    command_line: storedOnly,
    title: keyword,
    args: keyword,
    owner: keyword,
    runtime: object({ name: keyword, version: keyword, description: keyword }),
  }),
  cloud: object({
    provider: keyword,
    platform: keyword,
    region: keyword,
    availability_zone: keyword,
    account: object({ id: keyword }),
    resource_id: keyword,
  }),
  container: object({
    id: keyword,
    name: keyword,
    image: object({ name: keyword, tag: keyword }),
    runtime: keyword,
  }),
  orchestrator: object({
    type: keyword,
    cluster: object({ name: keyword }),
    namespace: keyword,
    resource: object({ name: keyword, type: keyword }),
  }),
  error: object({
    type: keyword,
    message: text,
    stack_trace: storedOnly,
    handled: bool,
    code: keyword,
    // The APM UI's Errors views (logs-apm.error@mappings, ecs@mappings).
    id: keyword,
    grouping_key: keyword,
    grouping_name: keyword,
    exception: object({
      message: text,
      type: keyword,
      handled: bool,
      code: keyword,
      module: keyword,
      stacktrace: { type: 'object', dynamic: false },
      attributes: { type: 'object', dynamic: false },
    }),
  }),
  log: object({ level: keyword, logger: keyword }),
  gen_ai: object({
    operation: object({ name: keyword }),
    provider: object({ name: keyword }),
    system: keyword,
    token: object({ type: keyword }),
    embeddings: object({ dimension: object({ count: long }) }),
    request: object({
      model: keyword,
      max_tokens: long,
      temperature: double,
      top_p: double,
      top_k: double,
      frequency_penalty: double,
      presence_penalty: double,
      seed: long,
      stop_sequences: keyword,
      choice: object({ count: long }),
      encoding_formats: keyword,
      stream: bool,
    }),
    response: object({
      id: keyword,
      model: keyword,
      finish_reasons: keyword,
      time_to_first_chunk: double,
    }),
    usage: object({
      input_tokens: long,
      output_tokens: long,
      cache_read: object({ input_tokens: long }),
      cache_write: object({ input_tokens: long }),
      reasoning: object({ output_tokens: long }),
    }),
    output: object({ type: keyword }),
    conversation: object({ id: keyword }),
    agent: object({ id: keyword, name: keyword }),
    tool: object({
      name: keyword,
      call: object({ id: keyword }),
      type: keyword,
      definitions: flattened,
    }),
    input: object({ messages: flattened }),
    system_instructions: flattened,
  }),
  elkhound: object({
    cost: object({
      total: double,
      input: double,
      output: double,
      currency: keyword,
      source: keyword,
      unpriced: bool,
      unpriced_reason: keyword,
    }),
    pricing: object({ version: keyword }),
    prompt: object({ hash: keyword, system_hash: keyword }),
    completion: object({ hash: keyword }),
    error: object({ category: keyword }),
    usage: object({ delegated: bool, source: keyword }),
  }),
  server: object({ address: keyword, port: long }),
  client: object({ address: keyword, port: long }),
  url: object({ full: keyword, path: keyword, scheme: keyword, query: keyword }),
  http: object({
    route: keyword,
    request: object({ method: keyword }),
    response: object({ status_code: long }),
  }),
  user_agent: object({
    original: { ...keyword, fields: { text: { type: 'text' } } },
  }),
  // The database client conventions (db.*) as @elkhound/ecs keeps them; ECS has no db field set.
  db: object({
    system: object({ name: keyword }),
    namespace: keyword,
    operation: object({ name: keyword }),
    collection: object({ name: keyword }),
    query: object({ text: { ...keyword, ignore_above: 8191, fields: { text: { type: 'text' } } } }),
  }),
  labels: { type: 'object', dynamic: true },
  numeric_labels: { type: 'object', dynamic: true },
};
// Output messages sit under gen_ai.output next to gen_ai.output.type.
(commonProperties.gen_ai as { properties: Record<string, Mapping> }).properties.output = object({
  type: keyword,
  messages: flattened,
});

const dynamicTemplates = [
  { labels: { path_match: 'labels.*', mapping: { type: 'keyword', ignore_above: 1024 } } },
  { numeric_labels: { path_match: 'numeric_labels.*', mapping: { type: 'double' } } },
  // A gen_ai.* or elkhound.* attribute the template does not know yet (the conventions move):
  // an integer first seen would map it as long and silently truncate later fractions.
  // (One template per prefix: array path_match needs Elasticsearch 8.9+.)
  {
    unknown_gen_ai_numbers: {
      path_match: 'gen_ai.*',
      match_mapping_type: 'long',
      mapping: { type: 'double' },
    },
  },
  {
    unknown_elkhound_numbers: {
      path_match: 'elkhound.*',
      match_mapping_type: 'long',
      mapping: { type: 'double' },
    },
  },
  {
    other_strings: {
      match_mapping_type: 'string',
      mapping: { type: 'keyword', ignore_above: 1024 },
    },
  },
];

const signalProperties: Record<Signal, Record<string, Mapping>> = {
  traces: {
    span: object({
      id: keyword,
      name: keyword,
      kind: keyword,
      type: keyword,
      subtype: keyword,
      links: { type: 'object', enabled: false },
      // The APM UI's span fields (traces-apm@mappings).
      duration: object({ us: long }),
      representative_count: representativeCount,
      destination: object({ service: object({ resource: keyword }) }),
    }),
  },
  logs: {
    // Map and array log bodies, kept whole.
    body: object({ structured: flattened }),
  },
  metrics: {
    metric: object({
      name: keyword,
      unit: keyword,
      type: keyword,
      temporality: keyword,
      monotonic: bool,
      start_time: date,
      count: long,
      sum: double,
      min: double,
      max: double,
    }),
    value: double,
    histogram: { type: 'object', enabled: false },
  },
};

export interface TemplateOptions {
  /** Data stream lifecycle retention, e.g. `30d`; default `30d`. */
  retention?: string;
  /** Name of the ILM policy to attach; only set when the cluster has ILM. */
  ilmPolicy?: string;
}

export function componentTemplateName(
  part: 'settings' | 'mappings-common' | `mappings-${Signal}`,
): string {
  return `elkhound@${part}`;
}

export function indexTemplateName(signal: Signal): string {
  return `elkhound-${signal}`;
}

export function componentTemplates(options: TemplateOptions = {}): Record<string, Mapping> {
  const meta = { managed_by: 'elkhound', version: TEMPLATE_VERSION };
  const settings: Mapping = {
    'index.mapping.total_fields.limit': 2000,
    'index.mapping.ignore_malformed': false,
  };
  if (options.ilmPolicy) {
    settings['index.lifecycle.name'] = options.ilmPolicy;
    settings['index.lifecycle.prefer_ilm'] = true;
  }
  const templates: Record<string, Mapping> = {
    [componentTemplateName('settings')]: {
      version: TEMPLATE_VERSION,
      _meta: meta,
      template: {
        settings,
        lifecycle: { data_retention: options.retention ?? '30d' },
      },
    },
    [componentTemplateName('mappings-common')]: {
      version: TEMPLATE_VERSION,
      _meta: meta,
      template: {
        mappings: {
          dynamic: true,
          dynamic_templates: dynamicTemplates,
          properties: commonProperties,
        },
      },
    },
  };
  for (const signal of SIGNALS) {
    templates[componentTemplateName(`mappings-${signal}`)] = {
      version: TEMPLATE_VERSION,
      _meta: meta,
      template: { mappings: { properties: signalProperties[signal] } },
    };
  }
  return templates;
}

export function indexTemplates(): Record<string, Mapping> {
  const templates: Record<string, Mapping> = {};
  for (const signal of SIGNALS) {
    templates[indexTemplateName(signal)] = {
      index_patterns: [`${signal}-elkhound-*`],
      data_stream: {},
      // Above the stack's built-in `traces-*-*`/`logs-*-*` (100) templates.
      priority: 250,
      version: TEMPLATE_VERSION,
      _meta: { managed_by: 'elkhound', version: TEMPLATE_VERSION },
      composed_of: [
        componentTemplateName('settings'),
        componentTemplateName('mappings-common'),
        componentTemplateName(`mappings-${signal}`),
      ],
    };
  }
  return templates;
}

/** The ILM policy installed where the cluster has ILM: roll over daily or at 50 GB, delete after retention. */
export function ilmPolicy(retention = '30d'): Mapping {
  return {
    policy: {
      _meta: { managed_by: 'elkhound', version: TEMPLATE_VERSION },
      phases: {
        hot: {
          actions: { rollover: { max_primary_shard_size: '50gb', max_age: '1d' } },
        },
        delete: { min_age: retention, actions: { delete: {} } },
      },
    },
  };
}
