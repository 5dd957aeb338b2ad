// The four Collector configurations the side-by-side bench runs, as Collector YAML, and the index
// templates their data streams need on a node without Elasticsearch's built-in ones.
import { stringify } from 'yaml';

export type CollectorMode = 'ecs' | 'otel';
export type CollectorQueue = 'memory' | 'fsync';

export interface CollectorSetup {
  mode: CollectorMode;
  queue: CollectorQueue;
  elasticsearchUrl: string;
  httpPort: number;
  /** Where file_storage keeps the persistent queue (fsync queue only). */
  storageDirectory: string;
  /** The data streams this phase writes to (static routing: one per phase, like Elkhound's namespace). */
  tracesDataStream: string;
  logsDataStream: string;
}

/** Data streams the Collector writes in the bench, matched by `collectorTemplates`. */
export const COLLECTOR_DATA_STREAM_PREFIX = 'collector.';

export function collectorConfig(setup: CollectorSetup): string {
  const sendingQueue: Record<string, unknown> = {
    enabled: true,
    // The default (10 requests) refuses most of 8 senders' 100-span requests at once; 1,000
    // requests of 100 spans hold the whole burst a sender retries into, as Elkhound's budget does.
    sizer: 'requests',
    queue_size: 1000,
    block_on_overflow: true,
    num_consumers: 10,
    batch: {
      // The default 10 s flush would add up to 10 s to every phase's tail; 1 MB (the default
      // minimum) is 20 or so requests of 100 spans.
      flush_timeout: '1s',
      sizer: 'bytes',
      min_size: 1_000_000,
      max_size: 5_000_000,
    },
  };
  if (setup.queue === 'fsync') sendingQueue.storage = 'file_storage';
  const config: Record<string, unknown> = {
    receivers: {
      otlp: { protocols: { http: { endpoint: `127.0.0.1:${setup.httpPort}` } } },
    },
    exporters: {
      elasticsearch: {
        endpoints: [setup.elasticsearchUrl],
        // `mapping: mode` is ignored since v0.145: the first allowed mode is the default one.
        mapping: { allowed_modes: [setup.mode] },
        traces_index: setup.tracesDataStream,
        logs_index: setup.logsDataStream,
        sending_queue: sendingQueue,
        discover: { on_start: false, interval: 0 },
      },
    },
    extensions:
      setup.queue === 'fsync'
        ? {
            file_storage: {
              directory: setup.storageDirectory,
              fsync: true,
              create_directory: true,
            },
          }
        : {},
    service: {
      extensions: setup.queue === 'fsync' ? ['file_storage'] : [],
      telemetry: { metrics: { level: 'none' }, logs: { level: 'warn' } },
      pipelines: {
        traces: { receivers: ['otlp'], exporters: ['elasticsearch'] },
        logs: { receivers: ['otlp'], exporters: ['elasticsearch'] },
      },
    },
  };
  return stringify(config);
}

/**
 * Templates for the Collector's data streams. The integ-test distribution has none of
 * Elasticsearch's built-in templates: without one, the exporter's `require_data_stream` bulk
 * items fail and every document is dropped after a 200. These stand in for the built-in ones a
 * real cluster applies: ecs@mappings' dynamic templates for the ECS mode (strings as keyword,
 * `message` as text) and otel@mappings' passthrough attribute objects for the OTel-native mode
 * (without its logsdb/synthetic-source index settings, which this distribution does not license).
 */
export function collectorTemplates(): Record<string, Record<string, unknown>> {
  const keyword = { type: 'keyword', ignore_above: 1024 };
  const strings = { strings_as_keyword: { match_mapping_type: 'string', mapping: keyword } };
  return {
    'bench-collector-ecs': {
      index_patterns: [
        `traces-${COLLECTOR_DATA_STREAM_PREFIX}ecs*`,
        `logs-${COLLECTOR_DATA_STREAM_PREFIX}ecs*`,
      ],
      data_stream: {},
      priority: 300,
      template: {
        mappings: {
          date_detection: false,
          dynamic_templates: [strings],
          properties: {
            '@timestamp': { type: 'date' },
            message: { type: 'text' },
            data_stream: {
              properties: { type: keyword, dataset: keyword, namespace: keyword },
            },
          },
        },
      },
    },
    'bench-collector-otel': {
      index_patterns: [
        `traces-${COLLECTOR_DATA_STREAM_PREFIX}otel*`,
        `logs-${COLLECTOR_DATA_STREAM_PREFIX}otel*`,
      ],
      data_stream: {},
      priority: 300,
      template: {
        mappings: {
          date_detection: false,
          dynamic_templates: [
            {
              complex_attributes: {
                path_match: ['resource.attributes.*', 'scope.attributes.*', 'attributes.*'],
                match_mapping_type: 'object',
                mapping: { type: 'flattened' },
              },
            },
            strings,
          ],
          properties: {
            '@timestamp': { type: 'date_nanos' },
            observed_timestamp: { type: 'date_nanos' },
            data_stream: {
              properties: { type: keyword, dataset: keyword, namespace: keyword },
            },
            attributes: { type: 'passthrough', dynamic: true, priority: 10 },
            scope: {
              properties: {
                name: keyword,
                version: keyword,
                attributes: { type: 'passthrough', dynamic: true, priority: 20 },
              },
            },
            resource: {
              properties: {
                attributes: { type: 'passthrough', dynamic: true, priority: 30 },
              },
            },
            body: { properties: { text: { type: 'text' } } },
            trace_id: keyword,
            span_id: keyword,
            parent_span_id: keyword,
            name: keyword,
            kind: keyword,
            duration: { type: 'long' },
          },
        },
      },
    },
  };
}
