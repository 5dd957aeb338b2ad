// The few protobuf messages the receiver writes itself: export responses with partial success,
// google.rpc.Status for errors, and google.rpc.RetryInfo for gRPC backpressure. Hand-written
// because they are tiny and fixed; a generic library would cost more than it saves.

function varint(value: number, into: number[]): void {
  let rest = value;
  while (rest > 0x7f) {
    into.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  into.push(rest);
}

function tag(field: number, wireType: number, into: number[]): void {
  varint((field << 3) | wireType, into);
}

function bytesField(field: number, bytes: Uint8Array | number[], into: number[]): void {
  tag(field, 2, into);
  varint(bytes.length, into);
  for (const byte of bytes) into.push(byte);
}

function varintField(field: number, value: number, into: number[]): void {
  if (value === 0) return;
  tag(field, 0, into);
  varint(value, into);
}

/**
 * `Export{Trace,Logs,Metrics}ServiceResponse`: field 1 is `partial_success`, whose field 1 is
 * the rejected count (`rejected_spans` / `rejected_log_records` / `rejected_data_points`) and
 * field 2 the `error_message`. Nothing rejected and no message: the empty message (0 bytes).
 */
export function exportResponse(rejected: number, errorMessage: string): Buffer {
  if (rejected === 0 && errorMessage === '') return Buffer.alloc(0);
  const partial: number[] = [];
  varintField(1, rejected, partial);
  if (errorMessage) bytesField(2, Buffer.from(errorMessage, 'utf8'), partial);
  const message: number[] = [];
  bytesField(1, partial, message);
  return Buffer.from(message);
}

/** google.rpc.Status { code = 1; message = 2; details = 3 (Any) }. */
export function rpcStatus(code: number, message: string, details: Uint8Array[] = []): Buffer {
  const out: number[] = [];
  varintField(1, code, out);
  if (message) bytesField(2, Buffer.from(message, 'utf8'), out);
  for (const detail of details) bytesField(3, detail, out);
  return Buffer.from(out);
}

/** An `Any` holding google.rpc.RetryInfo { retry_delay = 1 (Duration { seconds = 1; nanos = 2 }) }. */
export function retryInfoAny(delayMs: number): Uint8Array {
  const duration: number[] = [];
  varintField(1, Math.floor(delayMs / 1000), duration);
  varintField(2, (delayMs % 1000) * 1_000_000, duration);
  const retryInfo: number[] = [];
  bytesField(1, duration, retryInfo);
  const any: number[] = [];
  bytesField(1, Buffer.from('type.googleapis.com/google.rpc.RetryInfo', 'utf8'), any);
  bytesField(2, retryInfo, any);
  return Uint8Array.from(any);
}
