export {
  CONNECTION_SETTINGS,
  connectionFromSettings,
  connectionOptionsFromEnv,
  decodeCloudId,
  describeConnection,
  validateConnection,
  isLoopbackConnection,
  isLoopbackUrl,
  ConnectionConfigError,
  type ConnectionSetting,
  type ElasticsearchConnectionOptions,
  type ResolvedConnection,
  type SettingValue,
} from './connection';
export { positiveWholeNumberSetting, textSetting, wholeNumberSetting } from './setting-value';
export {
  BulkWriter,
  type BulkOutcome,
  type BulkWriterOptions,
  type BulkWriterStats,
} from './bulk-writer';
export type { RejectedDocument } from './bulk-response';
export { bulkBody, actionLine, documentBytes, writeBulkLines } from './bulk-request';
export { EncodedDocument } from './encoded-document';
export { defaultRetryPolicy, type RetryPolicy } from './retry';
export {
  elkhoundRoles,
  describeRoles,
  DATA_STREAM_PATTERNS,
  ROLES_BY_COMPONENT,
  type ElkhoundRole,
  type RoleDescriptor,
} from './roles';
export { setupElasticsearch, type SetupOptions, type SetupResult } from './setup';
export {
  TEMPLATE_VERSION,
  componentTemplates,
  indexTemplates,
  ilmPolicy,
  indexTemplateName,
  type Signal,
} from './templates';
export {
  ElasticsearchTransport,
  TransportError,
  type TransportRequest,
  type TransportResponse,
} from './transport';
export { ElasticsearchSpanExporter } from './span-exporter';
export { ElasticsearchLogRecordExporter } from './log-exporter';
export type { ElasticsearchExporterOptions } from './sdk-exporter';
