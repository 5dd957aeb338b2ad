export * from './model';
export {
  fromReadableSpans,
  fromReadableSpan,
  fromReadableLogRecords,
  fromReadableLogRecord,
} from './from-sdk';
