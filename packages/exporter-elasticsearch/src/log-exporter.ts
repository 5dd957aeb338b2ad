import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { encodeLogs, type EcsDocument } from '@elkhound/ecs';
import { fromReadableLogRecords } from '@elkhound/otlp';
import { ElasticsearchExporterBase } from './sdk-exporter';

/** Writes log records to `logs-elkhound-*`, correlated with their span by trace.id / span.id. */
export class ElasticsearchLogRecordExporter extends ElasticsearchExporterBase<ReadableLogRecord> {
  protected encode(records: ReadableLogRecord[]): EcsDocument[] {
    return encodeLogs(fromReadableLogRecords(records), { namespace: this.namespace });
  }
}
