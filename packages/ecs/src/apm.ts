// The fields Kibana's APM app reads beside Elkhound's own, with the APM Server's names, types
// and units (elastic/apm-data `input/otlp/traces.go`, `model/modeljson`; the ingest pipeline
// `traces-apm@pipeline` of Elasticsearch's apm-data plugin turns `event.duration` into
// `{transaction,span}.duration.us`). They are derived from the span alone, written as text into
// the span document's fixed members, so the planned and the generic path share them byte for
// byte. docs/ecs-mapping.md lists which of them duplicate Elkhound's fields and what they cost.
import type { AnyValue, Attributes, HrTime, Span } from '@elkhound/otlp';

const INTERNAL = 1;

/** Microseconds since the epoch: `timestamp.us` (the APM UI orders a trace's events by it). */
export function timestampMicros(time: HrTime): number {
  return time[0] * 1_000_000 + Math.floor(time[1] / 1000);
}

// Spans of one request share their second: its digits are made once per second, and the
// microseconds within it (a small integer) are the only number turned into text per span — a
// 16-digit number would be a heap number formatted by the slow path every time.
let cachedSecond = Number.NaN;
let cachedSecondText = '';

/** `timestampMicros(time)` as JSON text, for time from 1 s after the epoch on. */
export function timestampMicrosText(time: HrTime): string {
  const seconds = time[0];
  if (seconds !== cachedSecond) {
    cachedSecond = seconds;
    cachedSecondText = `${seconds}`;
  }
  if (seconds < 1) return `${timestampMicros(time)}`;
  const micros = Math.floor(time[1] / 1000);
  return `${cachedSecondText}${micros >= 100_000 ? micros : String(micros).padStart(6, '0')}`;
}

/** `transaction.duration.us` / `span.duration.us` from `event.duration` (ns), as the APM pipeline rounds it. */
export function durationMicros(nanos: number): number {
  return Math.floor(nanos / 1000);
}

/** The HTTP status code of a span (the current name, then the older one), when it is a number. */
export function httpStatusCode(attributes: Attributes): number | undefined {
  const code = attributes['http.response.status_code'] ?? attributes['http.status_code'];
  return typeof code === 'number' && code > 0 ? code : undefined;
}

const STATUS_CLASSES = ['HTTP 1xx', 'HTTP 2xx', 'HTTP 3xx', 'HTTP 4xx', 'HTTP 5xx'];

/**
 * `transaction.result`: the HTTP status class, else the span status (`Success` / `Error`), else
 * none — an UNSET status without an HTTP status says nothing (the APM Server writes `Success`
 * there; Elkhound does not guess).
 */
export function transactionResult(
  statusCode: number | undefined,
  status: number,
): string | undefined {
  if (statusCode !== undefined) {
    const statusClass = Math.floor(statusCode / 100);
    return STATUS_CLASSES[statusClass - 1] ?? `HTTP ${statusCode}`;
  }
  if (status === 1) return 'Success';
  if (status === 2) return 'Error';
  return undefined;
}

/**
 * `event.outcome` where the span status is UNSET but an HTTP status says it: the APM Server's
 * rule (a server's 5xx, a client's 4xx and 5xx are failures; the conventions leave a server's
 * 4xx UNSET). Undefined: the status decides.
 */
export function httpOutcome(statusCode: number | undefined, entry: boolean): 1 | 2 | undefined {
  if (statusCode === undefined) return undefined;
  return statusCode >= (entry ? 500 : 400) ? 2 : 1;
}

/**
 * `span.representative_count` / `transaction.representative_count`: how many spans this one
 * stands for, when the W3C tracestate's OpenTelemetry member says how it was sampled —
 * `th:` (the rejection threshold of 56 bits, in up to 14 hex digits) or the older `p:` (the
 * power of two). Undefined when the tracestate says nothing: the APM UI then counts the span once.
 */
export function representativeCount(traceState: string | undefined): number | undefined {
  if (traceState === undefined) return undefined;
  const start = traceState.startsWith('ot=') ? 0 : traceState.indexOf(',ot=') + 1;
  if (start === 0 && !traceState.startsWith('ot=')) return undefined;
  const end = traceState.indexOf(',', start);
  const member = traceState.slice(start + 3, end === -1 ? undefined : end).trim();
  for (const part of member.split(';')) {
    if (part.startsWith('th:')) {
      const digits = part.slice(3);
      if (!/^[0-9a-f]{1,14}$/.test(digits)) return undefined;
      const threshold = Number.parseInt(digits.padEnd(14, '0'), 16);
      // Spans whose 56-bit randomness is below the threshold were dropped.
      return 2 ** 56 / (2 ** 56 - threshold);
    }
    if (part.startsWith('p:')) {
      const power = Number(part.slice(2));
      if (!Number.isInteger(power) || power < 0) return undefined;
      return power > 62 ? 0 : 2 ** power;
    }
  }
  return undefined;
}

/**
 * What the APM UI reads of a span that is not a transaction: its type and subtype, and for a
 * call to another service the destination (`span.destination.service.resource`, the
 * dependencies views' key) and target (`service.target.*`). The APM Server's order: database,
 * messaging, RPC, HTTP, GenAI, then by kind.
 */
export interface SpanService {
  readonly type: string;
  readonly subtype: string | undefined;
  readonly resource: string | undefined;
  readonly targetType: string | undefined;
  readonly targetName: string | undefined;
}

function text(value: AnyValue): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const APP_INTERNAL: SpanService = {
  type: 'app',
  subtype: 'internal',
  resource: undefined,
  targetType: undefined,
  targetName: undefined,
};
const UNKNOWN: SpanService = {
  type: 'unknown',
  subtype: undefined,
  resource: undefined,
  targetType: undefined,
  targetName: undefined,
};

// The inputs of the last service found, and the service: most spans of a request call the same
// provider, database or host, and then reuse it instead of building its strings again.
let lastCategory = '';
let lastInputs: [AnyValue, AnyValue, AnyValue, AnyValue] = [
  undefined,
  undefined,
  undefined,
  undefined,
];
let lastFound: SpanService = UNKNOWN;

function remembered(category: string, a: AnyValue, b: AnyValue, c: AnyValue, d: AnyValue): boolean {
  return (
    category === lastCategory &&
    a === lastInputs[0] &&
    b === lastInputs[1] &&
    c === lastInputs[2] &&
    d === lastInputs[3]
  );
}

function remember(
  category: string,
  a: AnyValue,
  b: AnyValue,
  c: AnyValue,
  d: AnyValue,
  service: SpanService,
): SpanService {
  lastCategory = category;
  lastInputs = [a, b, c, d];
  lastFound = service;
  return service;
}

export function spanService(span: Span): SpanService {
  const attributes = span.attributes;
  const database = text(attributes['db.system.name']) ?? text(attributes['db.system']);
  if (database !== undefined) {
    const name = text(attributes['db.namespace']) ?? text(attributes['db.name']);
    if (remembered('db', database, name, undefined, undefined)) return lastFound;
    return remember('db', database, name, undefined, undefined, {
      type: 'db',
      subtype: database,
      resource: database,
      targetType: database,
      targetName: name,
    });
  }
  const messaging = text(attributes['messaging.system']);
  if (messaging !== undefined) {
    const destination = text(attributes['messaging.destination.name']);
    if (remembered('messaging', messaging, destination, undefined, undefined)) return lastFound;
    return remember('messaging', messaging, destination, undefined, undefined, {
      type: 'messaging',
      subtype: messaging,
      resource: destination === undefined ? messaging : `${messaging}/${destination}`,
      targetType: messaging,
      targetName: destination,
    });
  }
  const rpc = text(attributes['rpc.system']);
  if (rpc !== undefined) {
    return {
      type: 'external',
      subtype: rpc,
      resource: hostPort(attributes),
      targetType: rpc,
      targetName: text(attributes['rpc.service']),
    };
  }
  if (text(attributes['http.request.method']) ?? text(attributes['http.method'])) {
    // Remembered by the server's address and port, as GenAI calls below (a span with only a
    // URL has it parsed: rarer with the current conventions).
    const address = text(attributes['server.address']);
    const port = peerPort(attributes);
    if (address !== undefined && remembered('http', address, port, undefined, undefined))
      return lastFound;
    const resource = hostPort(attributes);
    const service: SpanService = {
      type: 'external',
      subtype: 'http',
      resource,
      targetType: 'http',
      targetName: resource,
    };
    return address === undefined
      ? service
      : remember('http', address, port, undefined, undefined, service);
  }
  const provider = text(attributes['gen_ai.provider.name']) ?? text(attributes['gen_ai.system']);
  if (provider !== undefined) {
    // The APM Server writes only `service.target.type` here, and GenAI calls are then no
    // dependency in the APM UI; Elkhound names the model provider's host, as for an HTTP call.
    // Remembered by the provider and its address (other ways to the host are rarer: not cached).
    const address = text(attributes['server.address']);
    const port = peerPort(attributes);
    if (address !== undefined && remembered('genai', provider, address, port, undefined))
      return lastFound;
    const resource = hostPort(attributes) ?? provider;
    const service: SpanService = {
      type: 'genai',
      subtype: provider,
      resource,
      targetType: 'genai',
      targetName: resource,
    };
    return address === undefined
      ? service
      : remember('genai', provider, address, port, undefined, service);
  }
  return span.kind === INTERNAL ? APP_INTERNAL : UNKNOWN;
}

/** The port of the service called (what `hostPort` writes, and what its memo is keyed by). */
function peerPort(attributes: Attributes): AnyValue {
  return attributes['server.port'] ?? attributes['net.peer.port'];
}

/**
 * `host:port` of the service called: `server.address` and `server.port`, else the URL's host
 * and port (the scheme's default port written out, as the APM Server does).
 */
function hostPort(attributes: Attributes): string | undefined {
  const address = text(attributes['server.address']) ?? text(attributes['net.peer.name']);
  const port = peerPort(attributes);
  if (address !== undefined) return typeof port === 'number' ? `${address}:${port}` : address;
  const full = text(attributes['url.full']) ?? text(attributes['http.url']);
  if (full === undefined) return undefined;
  try {
    const url = new URL(full);
    // Not a table lookup: a scheme is client input (`constructor:` would find Object's member).
    const defaultPort = url.protocol === 'https:' ? 443 : url.protocol === 'http:' ? 80 : undefined;
    if (url.port) return url.host;
    return defaultPort === undefined ? url.host : `${url.host}:${defaultPort}`;
  } catch {
    return undefined;
  }
}

/** A service's text in a span document. */
export interface SpanServiceText {
  /**
   * `,"type":…,"subtype":…`, the destination and `,"duration":{"us":` : the members of the
   * `span` object before its duration's value.
   */
  readonly span: string;
  /**
   * The `"service.target"` member. `service` is the resource's object, written in every
   * document's shared tail: the target joins it as a dotted key (Elasticsearch maps both into
   * one `service` object; a second `service` key would be refused as a duplicate).
   */
  readonly target: string;
}

// The text of the last span's service, reused while spans call the same one (a provider's host,
// a database): most spans of a request do.
let lastService: SpanService | undefined;
let lastText: SpanServiceText = { span: '', target: '' };

export function spanServiceText(service: SpanService): SpanServiceText {
  const last = lastService;
  if (
    last !== undefined &&
    (last === service ||
      (last.type === service.type &&
        last.subtype === service.subtype &&
        last.resource === service.resource &&
        last.targetType === service.targetType &&
        last.targetName === service.targetName))
  )
    return lastText;
  let span = `,"type":${JSON.stringify(service.type)}`;
  if (service.subtype !== undefined) span += `,"subtype":${JSON.stringify(service.subtype)}`;
  if (service.resource !== undefined)
    span += `,"destination":{"service":{"resource":${JSON.stringify(service.resource)}}}`;
  let target = '';
  if (service.targetType !== undefined) {
    target = `,"service.target":{"type":${JSON.stringify(service.targetType)}`;
    if (service.targetName !== undefined) target += `,"name":${JSON.stringify(service.targetName)}`;
    target += '}';
  }
  span += ',"duration":{"us":';
  lastService = service;
  lastText = { span, target };
  return lastText;
}
