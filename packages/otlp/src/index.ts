export * from './model';
export {
  fromReadableSpans,
  fromReadableSpan,
  fromReadableLogRecords,
  fromReadableLogRecord,
} from './from-sdk';
export { decodeTraceRequest, decodeLogsRequest, MAX_VALUE_DEPTH } from './decode';
export { decodeMetricsRequest } from './decode-metrics';
export {
  parseTraceRequestJson,
  parseLogsRequestJson,
  parseMetricsRequestJson,
} from './decode-json';
export { OtlpDecodeError, Rejections } from './errors';
export { setOwnMember, ownMember } from './own-member';
export { SPAN_KIND_NAMES, STATUS_CODE_NAMES, AGGREGATION_TEMPORALITY_NAMES } from './enum-names';
