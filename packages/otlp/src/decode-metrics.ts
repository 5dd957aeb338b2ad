// Decoder for OTLP/protobuf ExportMetricsServiceRequest (opentelemetry-proto v1 metrics.proto)
// into the shared model. Repeated numeric fields are read both packed (what every SDK writes)
// and unpacked (what protobuf also allows a writer to send).
import { AttributeList, decodeKeyValueField } from './decode-common';
import { decodeExportRequest } from './envelope';
import { OtlpDecodeError, within } from './errors';
import type { Rejections } from './errors';
import type {
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  Metric,
  MetricData,
  NumberDataPoint,
  ResourceMetrics,
  SummaryDataPoint,
} from './model';
import { ProtobufReader, WIRE_FIXED64, WIRE_LENGTH, WIRE_VARINT } from './protobuf-reader';

const METRICS_NAMES = {
  resourceField: 'resource_metrics',
  scopeField: 'scope_metrics',
  itemField: 'metrics',
  scopeKey: 'scopeMetrics',
  itemKey: 'metrics',
} as const;

/** With `rejections`, items that do not decode are counted there and left out (partial success). */
export function decodeMetricsRequest(
  bytes: Uint8Array,
  rejections?: Rejections,
): ResourceMetrics[] {
  return decodeExportRequest(bytes, METRICS_NAMES, decodeMetric, rejections);
}

function decodeMetric(reader: ProtobufReader): Metric {
  const metric: Metric = { name: '', data: { type: 'gauge', dataPoints: [] } };
  let hasData = false;
  while (!reader.done) {
    const tag = reader.tag();
    const wire = tag & 7;
    const field = tag >>> 3;
    switch (field) {
      case 1:
        reader.expect(wire, WIRE_LENGTH, 'name');
        metric.name = reader.string();
        break;
      case 2:
        reader.expect(wire, WIRE_LENGTH, 'description');
        metric.description = reader.string();
        break;
      case 3:
        reader.expect(wire, WIRE_LENGTH, 'unit');
        metric.unit = reader.string();
        break;
      case 5:
      case 7:
      case 9:
      case 10:
      case 11: {
        const name = DATA_FIELDS[field] as string;
        reader.expect(wire, WIRE_LENGTH, name);
        try {
          metric.data = decodeData(field, reader.sub());
        } catch (error) {
          throw within(error, name);
        }
        hasData = true;
        break;
      }
      default:
        reader.skip(tag);
    }
  }
  if (!hasData) throw new OtlpDecodeError('no gauge, sum, histogram or summary').within('data');
  return metric;
}

const DATA_FIELDS: Record<number, string> = {
  5: 'gauge',
  7: 'sum',
  9: 'histogram',
  10: 'exponential_histogram',
  11: 'summary',
};

function decodeData(field: number, reader: ProtobufReader): MetricData {
  let temporality = 0;
  let monotonic = false;
  const points: unknown[] = [];
  while (!reader.done) {
    const tag = reader.tag();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        reader.expect(wire, WIRE_LENGTH, 'data_points');
        try {
          const point = reader.sub();
          points.push(
            field === 9
              ? decodeHistogramPoint(point)
              : field === 10
                ? decodeExponentialPoint(point)
                : field === 11
                  ? decodeSummaryPoint(point)
                  : decodeNumberPoint(point),
          );
        } catch (error) {
          throw within(error, `data_points[${points.length}]`);
        }
        break;
      // Gauge and Summary have no field 2, only Sum has field 3: unknown there, skipped.
      case 2:
        if (field === 5 || field === 11) reader.skip(tag);
        else {
          reader.expect(wire, WIRE_VARINT, 'aggregation_temporality');
          temporality = reader.varint32();
        }
        break;
      case 3:
        if (field !== 7) reader.skip(tag);
        else {
          reader.expect(wire, WIRE_VARINT, 'is_monotonic');
          monotonic = reader.bool();
        }
        break;
      default:
        reader.skip(tag);
    }
  }
  switch (field) {
    case 5:
      return { type: 'gauge', dataPoints: points as NumberDataPoint[] };
    case 7:
      return {
        type: 'sum',
        dataPoints: points as NumberDataPoint[],
        isMonotonic: monotonic,
        aggregationTemporality: temporality,
      };
    case 9:
      return {
        type: 'histogram',
        dataPoints: points as HistogramDataPoint[],
        aggregationTemporality: temporality,
      };
    case 10:
      return {
        type: 'exponentialHistogram',
        dataPoints: points as ExponentialHistogramDataPoint[],
        aggregationTemporality: temporality,
      };
    default:
      return { type: 'summary', dataPoints: points as SummaryDataPoint[] };
  }
}

function decodeNumberPoint(reader: ProtobufReader): NumberDataPoint {
  const point: NumberDataPoint = { attributes: {}, time: [0, 0], value: 0 };
  let pointAttributes: AttributeList | undefined;
  while (!reader.done) {
    const tag = reader.tag();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 7:
        reader.expect(wire, WIRE_LENGTH, 'attributes');
        decodeKeyValueField(reader, (pointAttributes ??= AttributeList.take()), 0);
        break;
      case 2:
        reader.expect(wire, WIRE_FIXED64, 'start_time_unix_nano');
        point.startTime = reader.fixed64Time();
        break;
      case 3:
        reader.expect(wire, WIRE_FIXED64, 'time_unix_nano');
        point.time = reader.fixed64Time();
        break;
      case 4:
        reader.expect(wire, WIRE_FIXED64, 'as_double');
        point.value = reader.double();
        break;
      case 6:
        reader.expect(wire, WIRE_FIXED64, 'as_int');
        point.value = reader.sfixed64();
        break;
      default:
        reader.skip(tag);
    }
  }
  if (pointAttributes !== undefined) point.attributes = pointAttributes.build();
  return point;
}

function decodeHistogramPoint(reader: ProtobufReader): HistogramDataPoint {
  const point: HistogramDataPoint = {
    attributes: {},
    time: [0, 0],
    count: 0,
    bucketCounts: [],
    explicitBounds: [],
  };
  let pointAttributes: AttributeList | undefined;
  while (!reader.done) {
    const tag = reader.tag();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 9:
        reader.expect(wire, WIRE_LENGTH, 'attributes');
        decodeKeyValueField(reader, (pointAttributes ??= AttributeList.take()), 0);
        break;
      case 2:
        reader.expect(wire, WIRE_FIXED64, 'start_time_unix_nano');
        point.startTime = reader.fixed64Time();
        break;
      case 3:
        reader.expect(wire, WIRE_FIXED64, 'time_unix_nano');
        point.time = reader.fixed64Time();
        break;
      case 4:
        reader.expect(wire, WIRE_FIXED64, 'count');
        point.count = reader.fixed64();
        break;
      case 5:
        reader.expect(wire, WIRE_FIXED64, 'sum');
        point.sum = reader.double();
        break;
      case 6:
        readFixed64s(reader, wire, point.bucketCounts, false, 'bucket_counts');
        break;
      case 7:
        readFixed64s(reader, wire, point.explicitBounds, true, 'explicit_bounds');
        break;
      case 11:
        reader.expect(wire, WIRE_FIXED64, 'min');
        point.min = reader.double();
        break;
      case 12:
        reader.expect(wire, WIRE_FIXED64, 'max');
        point.max = reader.double();
        break;
      default:
        reader.skip(tag);
    }
  }
  if (
    point.bucketCounts.length > 0 &&
    point.bucketCounts.length !== point.explicitBounds.length + 1
  )
    throw new OtlpDecodeError(
      `${point.bucketCounts.length} counts for ${point.explicitBounds.length} bounds (expected one more count than bounds)`,
    ).within('bucket_counts');
  if (pointAttributes !== undefined) point.attributes = pointAttributes.build();
  return point;
}

function decodeExponentialPoint(reader: ProtobufReader): ExponentialHistogramDataPoint {
  const point: ExponentialHistogramDataPoint = {
    attributes: {},
    time: [0, 0],
    count: 0,
    scale: 0,
    zeroCount: 0,
    positive: { offset: 0, bucketCounts: [] },
    negative: { offset: 0, bucketCounts: [] },
  };
  let pointAttributes: AttributeList | undefined;
  while (!reader.done) {
    const tag = reader.tag();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        reader.expect(wire, WIRE_LENGTH, 'attributes');
        decodeKeyValueField(reader, (pointAttributes ??= AttributeList.take()), 0);
        break;
      case 2:
        reader.expect(wire, WIRE_FIXED64, 'start_time_unix_nano');
        point.startTime = reader.fixed64Time();
        break;
      case 3:
        reader.expect(wire, WIRE_FIXED64, 'time_unix_nano');
        point.time = reader.fixed64Time();
        break;
      case 4:
        reader.expect(wire, WIRE_FIXED64, 'count');
        point.count = reader.fixed64();
        break;
      case 5:
        reader.expect(wire, WIRE_FIXED64, 'sum');
        point.sum = reader.double();
        break;
      case 6:
        reader.expect(wire, WIRE_VARINT, 'scale');
        point.scale = reader.zigzag();
        break;
      case 7:
        reader.expect(wire, WIRE_FIXED64, 'zero_count');
        point.zeroCount = reader.fixed64();
        break;
      case 8:
        reader.expect(wire, WIRE_LENGTH, 'positive');
        point.positive = decodeBuckets(reader.sub(), 'positive');
        break;
      case 9:
        reader.expect(wire, WIRE_LENGTH, 'negative');
        point.negative = decodeBuckets(reader.sub(), 'negative');
        break;
      case 12:
        reader.expect(wire, WIRE_FIXED64, 'min');
        point.min = reader.double();
        break;
      case 13:
        reader.expect(wire, WIRE_FIXED64, 'max');
        point.max = reader.double();
        break;
      default:
        reader.skip(tag);
    }
  }
  if (pointAttributes !== undefined) point.attributes = pointAttributes.build();
  return point;
}

function decodeBuckets(
  reader: ProtobufReader,
  name: string,
): ExponentialHistogramDataPoint['positive'] {
  const buckets = { offset: 0, bucketCounts: [] as number[] };
  while (!reader.done) {
    const tag = reader.tag();
    const wire = tag & 7;
    if (tag >>> 3 === 1) {
      reader.expect(wire, WIRE_VARINT, `${name}.offset`);
      buckets.offset = reader.zigzag();
    } else if (tag >>> 3 === 2) {
      if (wire === WIRE_VARINT) buckets.bucketCounts.push(reader.varint64(true));
      else {
        reader.expect(wire, WIRE_LENGTH, `${name}.bucket_counts`);
        const outer = reader.enter();
        while (!reader.done) buckets.bucketCounts.push(reader.varint64(true));
        reader.leave(outer);
      }
    } else reader.skip(tag);
  }
  return buckets;
}

function decodeSummaryPoint(reader: ProtobufReader): SummaryDataPoint {
  const point: SummaryDataPoint = {
    attributes: {},
    time: [0, 0],
    count: 0,
    sum: 0,
    quantileValues: [],
  };
  let pointAttributes: AttributeList | undefined;
  while (!reader.done) {
    const tag = reader.tag();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 7:
        reader.expect(wire, WIRE_LENGTH, 'attributes');
        decodeKeyValueField(reader, (pointAttributes ??= AttributeList.take()), 0);
        break;
      case 2:
        reader.expect(wire, WIRE_FIXED64, 'start_time_unix_nano');
        point.startTime = reader.fixed64Time();
        break;
      case 3:
        reader.expect(wire, WIRE_FIXED64, 'time_unix_nano');
        point.time = reader.fixed64Time();
        break;
      case 4:
        reader.expect(wire, WIRE_FIXED64, 'count');
        point.count = reader.fixed64();
        break;
      case 5:
        reader.expect(wire, WIRE_FIXED64, 'sum');
        point.sum = reader.double();
        break;
      case 6: {
        reader.expect(wire, WIRE_LENGTH, 'quantile_values');
        const quantile = { quantile: 0, value: 0 };
        const outer = reader.enter();
        while (!reader.done) {
          const innerTag = reader.tag();
          const innerWire = innerTag & 7;
          if (innerTag >>> 3 === 1) {
            reader.expect(innerWire, WIRE_FIXED64, 'quantile_values.quantile');
            quantile.quantile = reader.double();
          } else if (innerTag >>> 3 === 2) {
            reader.expect(innerWire, WIRE_FIXED64, 'quantile_values.value');
            quantile.value = reader.double();
          } else reader.skip(innerTag);
        }
        reader.leave(outer);
        point.quantileValues.push(quantile);
        break;
      }
      default:
        reader.skip(tag);
    }
  }
  if (pointAttributes !== undefined) point.attributes = pointAttributes.build();
  return point;
}

/** A repeated fixed64 or double field, packed or not. */
function readFixed64s(
  reader: ProtobufReader,
  wire: number,
  into: number[],
  asDouble: boolean,
  name: string,
): void {
  if (wire === WIRE_FIXED64) {
    into.push(asDouble ? reader.double() : reader.fixed64());
    return;
  }
  reader.expect(wire, WIRE_LENGTH, name);
  const outer = reader.enter();
  if ((reader.end - reader.position) % 8 !== 0)
    throw new OtlpDecodeError(
      `packed length ${reader.end - reader.position} is not a multiple of 8`,
    ).within(name);
  while (!reader.done) into.push(asDouble ? reader.double() : reader.fixed64());
  reader.leave(outer);
}
