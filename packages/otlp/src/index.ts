export * from './model';
export {
  fromReadableSpans,
  fromReadableSpan,
  fromReadableLogRecords,
  fromReadableLogRecord,
} from './from-sdk';
export { decodeTraceRequest, decodeLogsRequest, MAX_VALUE_DEPTH } from './decode';
export { OtlpDecodeError } from './errors';
