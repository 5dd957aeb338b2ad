// Decoders for OTLP/protobuf export requests (ExportTraceServiceRequest and
// ExportLogsServiceRequest of opentelemetry-proto v1) into the shared model. Field numbers
// follow the .proto files; unknown fields are skipped, as protobuf requires.
import { AttributeList, decodeAnyValue, decodeKeyValueField } from './decode-common';
import { decodeExportRequest } from './envelope';
import { OtlpDecodeError, within } from './errors';
import type { Rejections } from './errors';
import type {
  LogRecord,
  ResourceLogs,
  ResourceSpans,
  Span,
  SpanEvent,
  SpanKind,
  SpanLink,
  StatusCode,
} from './model';
import {
  ProtobufReader,
  WIRE_FIXED32,
  WIRE_FIXED64,
  WIRE_LENGTH,
  WIRE_VARINT,
  ZERO_SPAN_ID,
  ZERO_TRACE_ID,
} from './protobuf-reader';

export { MAX_VALUE_DEPTH } from './decode-common';

/** With `rejections`, items that do not decode are counted there and left out (partial success). */
export function decodeTraceRequest(bytes: Uint8Array, rejections?: Rejections): ResourceSpans[] {
  return decodeExportRequest(bytes, TRACE_NAMES, decodeSpan, rejections);
}

/** With `rejections`, items that do not decode are counted there and left out (partial success). */
export function decodeLogsRequest(bytes: Uint8Array, rejections?: Rejections): ResourceLogs[] {
  return decodeExportRequest(bytes, LOGS_NAMES, decodeLogRecord, rejections);
}

const TRACE_NAMES = {
  resourceField: 'resource_spans',
  scopeField: 'scope_spans',
  itemField: 'spans',
  scopeKey: 'scopeSpans',
  itemKey: 'spans',
} as const;

const LOGS_NAMES = {
  resourceField: 'resource_logs',
  scopeField: 'scope_logs',
  itemField: 'log_records',
  scopeKey: 'scopeLogs',
  itemKey: 'logRecords',
} as const;

const SPAN_FLAGS_HAS_IS_REMOTE = 0x100;
const SPAN_FLAGS_IS_REMOTE = 0x200;

// Most spans have no events, no links and an unset status: they share these (frozen) values
// rather than allocating their own.
const NO_EVENTS = Object.freeze([]) as unknown as SpanEvent[];
const NO_LINKS = Object.freeze([]) as unknown as SpanLink[];
const UNSET = Object.freeze({ code: 0 }) as Span['status'];

function decodeSpan(reader: ProtobufReader): Span {
  const span: Span = {
    traceId: '',
    spanId: '',
    name: '',
    kind: 0,
    startTime: [0, 0],
    endTime: [0, 0],
    attributes: {},
    events: NO_EVENTS,
    links: NO_LINKS,
    status: UNSET,
  };
  let flags = 0;
  let spanAttributes: AttributeList | undefined;
  while (!reader.done) {
    const tag = reader.tag();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        reader.expect(wire, WIRE_LENGTH, 'trace_id');
        span.traceId = reader.hexId(16, 'trace_id');
        break;
      case 2:
        reader.expect(wire, WIRE_LENGTH, 'span_id');
        span.spanId = reader.hexId(8, 'span_id');
        break;
      case 3:
        reader.expect(wire, WIRE_LENGTH, 'trace_state');
        span.traceState = reader.string();
        break;
      case 4: {
        reader.expect(wire, WIRE_LENGTH, 'parent_span_id');
        const parent = reader.hexId(8, 'parent_span_id');
        // All zeros is no parent (the Collector reads it so too): a root span.
        if (parent && parent !== ZERO_SPAN_ID) span.parentSpanId = parent;
        break;
      }
      case 5:
        reader.expect(wire, WIRE_LENGTH, 'name');
        span.name = reader.string();
        break;
      case 6:
        reader.expect(wire, WIRE_VARINT, 'kind');
        span.kind = reader.varint32() as SpanKind;
        break;
      case 7:
        reader.expect(wire, WIRE_FIXED64, 'start_time_unix_nano');
        span.startTime = reader.fixed64Time();
        break;
      case 8:
        reader.expect(wire, WIRE_FIXED64, 'end_time_unix_nano');
        span.endTime = reader.fixed64Time();
        break;
      case 9:
        reader.expect(wire, WIRE_LENGTH, 'attributes');
        decodeKeyValueField(reader, (spanAttributes ??= AttributeList.take()), 0);
        break;
      case 10:
        reader.expect(wire, WIRE_VARINT, 'dropped_attributes_count');
        span.droppedAttributesCount = reader.varint32();
        break;
      case 11:
        reader.expect(wire, WIRE_LENGTH, 'events');
        try {
          if (span.events === NO_EVENTS) span.events = [];
          span.events.push(decodeEvent(reader.sub()));
        } catch (error) {
          throw within(error, `events[${span.events.length}]`);
        }
        break;
      case 12:
        reader.expect(wire, WIRE_VARINT, 'dropped_events_count');
        span.droppedEventsCount = reader.varint32();
        break;
      case 13:
        reader.expect(wire, WIRE_LENGTH, 'links');
        try {
          if (span.links === NO_LINKS) span.links = [];
          span.links.push(decodeLink(reader.sub()));
        } catch (error) {
          throw within(error, `links[${span.links.length}]`);
        }
        break;
      case 14:
        reader.expect(wire, WIRE_VARINT, 'dropped_links_count');
        span.droppedLinksCount = reader.varint32();
        break;
      case 15:
        reader.expect(wire, WIRE_LENGTH, 'status');
        span.status = decodeStatus(reader.sub());
        break;
      case 16:
        reader.expect(wire, WIRE_FIXED32, 'flags');
        flags = reader.fixed32();
        break;
      default:
        reader.skip(tag);
    }
  }
  if (spanAttributes !== undefined) span.attributes = spanAttributes.build();
  if (span.traceId === '') throw new OtlpDecodeError('missing').within('trace_id');
  if (span.spanId === '') throw new OtlpDecodeError('missing').within('span_id');
  // The OTLP specification calls all-zero ids invalid: the span is refused (partial success).
  if (span.traceId === ZERO_TRACE_ID)
    throw new OtlpDecodeError('all zeros (an invalid trace id)').within('trace_id');
  if (span.spanId === ZERO_SPAN_ID)
    throw new OtlpDecodeError('all zeros (an invalid span id)').within('span_id');
  if (span.kind > 5 || span.kind < 0)
    throw new OtlpDecodeError(`${span.kind} is not a SpanKind`).within('kind');
  if (span.parentSpanId && flags & SPAN_FLAGS_HAS_IS_REMOTE) {
    span.parentIsRemote = (flags & SPAN_FLAGS_IS_REMOTE) !== 0;
  }
  return span;
}

function decodeEvent(reader: ProtobufReader): SpanEvent {
  const event: SpanEvent = { time: [0, 0], name: '', attributes: {} };
  let eventAttributes: AttributeList | undefined;
  while (!reader.done) {
    const tag = reader.tag();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        reader.expect(wire, WIRE_FIXED64, 'time_unix_nano');
        event.time = reader.fixed64Time();
        break;
      case 2:
        reader.expect(wire, WIRE_LENGTH, 'name');
        event.name = reader.string();
        break;
      case 3:
        reader.expect(wire, WIRE_LENGTH, 'attributes');
        decodeKeyValueField(reader, (eventAttributes ??= AttributeList.take()), 0);
        break;
      case 4:
        reader.expect(wire, WIRE_VARINT, 'dropped_attributes_count');
        event.droppedAttributesCount = reader.varint32();
        break;
      default:
        reader.skip(tag);
    }
  }
  if (eventAttributes !== undefined) event.attributes = eventAttributes.build();
  return event;
}

function decodeLink(reader: ProtobufReader): SpanLink {
  const link: SpanLink = { traceId: '', spanId: '', attributes: {} };
  let linkAttributes: AttributeList | undefined;
  while (!reader.done) {
    const tag = reader.tag();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        reader.expect(wire, WIRE_LENGTH, 'trace_id');
        link.traceId = reader.hexId(16, 'trace_id');
        break;
      case 2:
        reader.expect(wire, WIRE_LENGTH, 'span_id');
        link.spanId = reader.hexId(8, 'span_id');
        break;
      case 3:
        reader.expect(wire, WIRE_LENGTH, 'trace_state');
        link.traceState = reader.string();
        break;
      case 4:
        reader.expect(wire, WIRE_LENGTH, 'attributes');
        decodeKeyValueField(reader, (linkAttributes ??= AttributeList.take()), 0);
        break;
      case 5:
        reader.expect(wire, WIRE_VARINT, 'dropped_attributes_count');
        link.droppedAttributesCount = reader.varint32();
        break;
      default:
        reader.skip(tag);
    }
  }
  if (linkAttributes !== undefined) link.attributes = linkAttributes.build();
  return link;
}

function decodeStatus(reader: ProtobufReader): Span['status'] {
  const status: Span['status'] = { code: 0 };
  while (!reader.done) {
    const tag = reader.tag();
    const wire = tag & 7;
    if (tag >>> 3 === 2) {
      reader.expect(wire, WIRE_LENGTH, 'status.message');
      status.message = reader.string();
    } else if (tag >>> 3 === 3) {
      reader.expect(wire, WIRE_VARINT, 'status.code');
      const code = reader.varint32();
      if (code > 2 || code < 0)
        throw new OtlpDecodeError(`${code} is not a StatusCode`).within('status.code');
      status.code = code as StatusCode;
    } else reader.skip(tag);
  }
  return status;
}

function decodeLogRecord(reader: ProtobufReader): LogRecord {
  const record: LogRecord = { attributes: {} };
  let recordAttributes: AttributeList | undefined;
  while (!reader.done) {
    const tag = reader.tag();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        reader.expect(wire, WIRE_FIXED64, 'time_unix_nano');
        record.time = reader.fixed64Time();
        break;
      case 11:
        reader.expect(wire, WIRE_FIXED64, 'observed_time_unix_nano');
        record.observedTime = reader.fixed64Time();
        break;
      case 2:
        reader.expect(wire, WIRE_VARINT, 'severity_number');
        record.severityNumber = reader.varint32();
        break;
      case 3:
        reader.expect(wire, WIRE_LENGTH, 'severity_text');
        record.severityText = reader.string();
        break;
      case 5:
        reader.expect(wire, WIRE_LENGTH, 'body');
        try {
          const bodyOuter = reader.enter();
          record.body = decodeAnyValue(reader, 0);
          reader.leave(bodyOuter);
        } catch (error) {
          throw within(error, 'body');
        }
        break;
      case 6:
        reader.expect(wire, WIRE_LENGTH, 'attributes');
        decodeKeyValueField(reader, (recordAttributes ??= AttributeList.take()), 0);
        break;
      case 7:
        reader.expect(wire, WIRE_VARINT, 'dropped_attributes_count');
        record.droppedAttributesCount = reader.varint32();
        break;
      case 8:
        reader.expect(wire, WIRE_FIXED32, 'flags');
        record.flags = reader.fixed32();
        break;
      case 9: {
        reader.expect(wire, WIRE_LENGTH, 'trace_id');
        const traceId = reader.hexId(16, 'trace_id');
        // Optional on a log record: all zeros is no trace, as an empty field.
        if (traceId && traceId !== ZERO_TRACE_ID) record.traceId = traceId;
        break;
      }
      case 10: {
        reader.expect(wire, WIRE_LENGTH, 'span_id');
        const spanId = reader.hexId(8, 'span_id');
        if (spanId && spanId !== ZERO_SPAN_ID) record.spanId = spanId;
        break;
      }
      case 12:
        reader.expect(wire, WIRE_LENGTH, 'event_name');
        record.eventName = reader.string();
        break;
      default:
        reader.skip(tag);
    }
  }
  if (recordAttributes !== undefined) record.attributes = recordAttributes.build();
  return record;
}
