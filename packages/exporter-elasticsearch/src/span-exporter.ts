import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { encodeSpans, type EcsDocument } from '@elkhound/ecs';
import { fromReadableSpans } from '@elkhound/otlp';
import { ElasticsearchExporterBase } from './sdk-exporter';

/** Writes spans (and their events, as logs) to `traces-elkhound-*` / `logs-elkhound-*`. */
export class ElasticsearchSpanExporter extends ElasticsearchExporterBase<ReadableSpan> {
  protected encode(spans: ReadableSpan[]): EcsDocument[] {
    return encodeSpans(fromReadableSpans(spans), { namespace: this.namespace });
  }
}
