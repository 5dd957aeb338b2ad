import { createHash } from 'node:crypto';
import type {
  Attributes,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  HrTime,
  Metric,
  NumberDataPoint,
  ResourceMetrics,
  SummaryDataPoint,
} from '@elkhound/otlp';
import { addResource, finishDocument, scopeLabels, startDocument } from './document';
import { mapAttributes, type Fields } from './fields';
import { stableJson } from './ids';
import { mapResource, type MappedResource } from './resource';
import { isoNanos } from './time';
import type { EcsDocument, EncodeOptions } from './types';

const TEMPORALITIES = [undefined, 'delta', 'cumulative'] as const;
const TYPES = {
  gauge: 'gauge',
  sum: 'sum',
  histogram: 'histogram',
  exponentialHistogram: 'exponential_histogram',
  summary: 'summary',
} as const;

interface PointBase {
  attributes: Attributes;
  startTime?: HrTime;
  time: HrTime;
}

/**
 * Metrics → `metrics-elkhound-{namespace}`: one document per data point, with the metric's
 * name, unit and type under `metric.*`, the number under `value` (gauges and sums) or the
 * distribution under `histogram` as `{ values, counts }` (the shape of Elasticsearch's
 * `histogram` field), and the data point's attributes mapped like span attributes.
 */
export function encodeMetrics(
  resourceMetrics: readonly ResourceMetrics[],
  options: EncodeOptions = {},
): EcsDocument[] {
  const documents: EcsDocument[] = [];
  for (const group of resourceMetrics) {
    const resource = mapResource(group.resource);
    const namespace = resource.namespace ?? options.namespace ?? 'default';
    for (const scopeMetrics of group.scopeMetrics) {
      const scope = scopeMetrics.scope;
      const labels = scopeLabels(scope.name, scope.version);
      for (const metric of scopeMetrics.metrics) {
        const data = metric.data;
        const points: readonly PointBase[] = data.dataPoints;
        for (const point of points) {
          const document = startDocument(isoNanos(point.time));
          document.processor = { event: 'metric' };
          const metricFields: Fields = { name: metric.name, type: TYPES[data.type] };
          if (metric.unit) metricFields.unit = metric.unit;
          if ('aggregationTemporality' in data) {
            const temporality = TEMPORALITIES[data.aggregationTemporality];
            if (temporality) metricFields.temporality = temporality;
          }
          if (data.type === 'sum') metricFields.monotonic = data.isMonotonic;
          if (point.startTime && (point.startTime[0] !== 0 || point.startTime[1] !== 0))
            metricFields.start_time = isoNanos(point.startTime);
          document.metric = metricFields;
          addResource(document, resource);
          switch (data.type) {
            case 'gauge':
            case 'sum':
              document.value = (point as NumberDataPoint).value;
              break;
            case 'histogram': {
              const histogram = point as HistogramDataPoint;
              addStatistics(metricFields, histogram);
              document.histogram = explicitBuckets(histogram);
              break;
            }
            case 'exponentialHistogram': {
              const histogram = point as ExponentialHistogramDataPoint;
              addStatistics(metricFields, histogram);
              document.histogram = exponentialBuckets(histogram);
              break;
            }
            case 'summary': {
              const summary = point as SummaryDataPoint;
              metricFields.count = summary.count;
              metricFields.sum = summary.sum;
              // Stored with the distribution, not indexed: quantile values mix integers and
              // floats, which dynamic mapping would turn into a long/float conflict.
              document.histogram = {
                quantiles: summary.quantileValues.map((quantile) => ({
                  quantile: quantile.quantile,
                  value: quantile.value,
                })),
              };
              break;
            }
          }
          mapAttributes(document, point.attributes);
          documents.push(
            finishDocument(
              metricDocumentId(resource, scope.name, metric, point),
              'metrics',
              namespace,
              document,
              resource,
              labels,
            ),
          );
        }
      }
    }
  }
  return documents;
}

function addStatistics(
  fields: Fields,
  point: { count: number; sum?: number; min?: number; max?: number },
): void {
  fields.count = point.count;
  if (point.sum !== undefined) fields.sum = point.sum;
  if (point.min !== undefined) fields.min = point.min;
  if (point.max !== undefined) fields.max = point.max;
}

/**
 * Explicit buckets as Elasticsearch histogram `{ values, counts }`: each non-empty bucket is
 * represented by its midpoint; the first by half its upper bound (or the bound when it is not
 * positive), the overflow bucket by the last bound — what the Collector's Elasticsearch exporter
 * and the Elastic APM server do, so percentiles agree across both paths.
 */
function explicitBuckets(point: HistogramDataPoint): { values: number[]; counts: number[] } {
  const values: number[] = [];
  const counts: number[] = [];
  const bounds = point.explicitBounds;
  const bucketCounts = point.bucketCounts;
  for (let index = 0; index < bucketCounts.length; index++) {
    const count = bucketCounts[index] as number;
    if (count === 0) continue;
    let value: number;
    if (bounds.length === 0)
      value = point.sum !== undefined && point.count > 0 ? point.sum / point.count : 0;
    else if (index === 0) {
      const upper = bounds[0] as number;
      value = upper > 0 ? upper / 2 : upper;
    } else if (index >= bounds.length) value = bounds[bounds.length - 1] as number;
    else value = ((bounds[index - 1] as number) + (bounds[index] as number)) / 2;
    values.push(value);
    counts.push(count);
  }
  return { values, counts };
}

/**
 * Exponential buckets: bucket i covers (base^i, base^(i+1)] with base = 2^(2^-scale); each is
 * represented by its midpoint, negative buckets mirrored, the zero bucket by 0; values ascend
 * as the histogram field requires.
 */
function exponentialBuckets(point: ExponentialHistogramDataPoint): {
  values: number[];
  counts: number[];
} {
  const values: number[] = [];
  const counts: number[] = [];
  const base = 2 ** (2 ** -point.scale);
  const negative = point.negative;
  for (let index = negative.bucketCounts.length - 1; index >= 0; index--) {
    const count = negative.bucketCounts[index] as number;
    if (count === 0) continue;
    const lower = base ** (negative.offset + index);
    values.push(-(lower + lower * base) / 2);
    counts.push(count);
  }
  if (point.zeroCount > 0) {
    values.push(0);
    counts.push(point.zeroCount);
  }
  const positive = point.positive;
  for (let index = 0; index < positive.bucketCounts.length; index++) {
    const count = positive.bucketCounts[index] as number;
    if (count === 0) continue;
    const lower = base ** (positive.offset + index);
    values.push((lower + lower * base) / 2);
    counts.push(count);
  }
  return { values, counts };
}

/**
 * A data point is identified by its resource, scope, metric name and type, attributes and its
 * start and end times: the same export sent twice gives the same id, the next collection
 * (another time) a new one.
 */
function metricDocumentId(
  resource: MappedResource,
  scopeName: string,
  metric: Metric,
  point: PointBase,
): string {
  const hash = createHash('sha256');
  hash.update(resource.fragment);
  hash.update('\0');
  hash.update(stableJson(resource.fields.labels));
  hash.update(stableJson(resource.fields.numeric_labels));
  hash.update('\0');
  hash.update(scopeName);
  hash.update('\0');
  hash.update(metric.name);
  hash.update('\0');
  hash.update(metric.data.type);
  hash.update('\0');
  hash.update(stableJson(point.attributes));
  hash.update('\0');
  hash.update(point.startTime ? `${point.startTime[0]}.${point.startTime[1]}` : '');
  hash.update('\0');
  hash.update(`${point.time[0]}.${point.time[1]}`);
  return hash.digest('base64url').slice(0, 32);
}
