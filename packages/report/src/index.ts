export type {
  DuplicatePrompt,
  ModelRow,
  Percentiles,
  Report,
  ReportQuery,
  ServiceRow,
  SlowCall,
  TimeBucket,
  UnpricedModel,
} from './model';
export { ReportAccumulator } from './accumulator';
export { reportFromFiles } from './file-source';
export { ElasticsearchReportSource, ReportQueryError } from './elasticsearch-source';
export { makeQuery, parseDuration, ReportOptionError } from './query';
export { renderTerminal } from './render-terminal';
export { renderHtml, escapeHtml } from './render-html';
export { runReport, REPORT_HELP } from './cli';
export {
  kibanaSavedObjects,
  kibanaNdjson,
  fieldsUsed,
  DATA_VIEWS,
  type SavedObject,
} from './kibana';
