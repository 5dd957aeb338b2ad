import { context, diag } from '@opentelemetry/api';
import { ExportResultCode, suppressTracing, type ExportResult } from '@opentelemetry/core';
import type { EcsDocument } from '@elkhound/ecs';
import { BulkWriter, type BulkWriterOptions } from './bulk-writer';
import {
  describeConnection,
  validateConnection,
  type ElasticsearchConnectionOptions,
} from './connection';
import { setupElasticsearch, type SetupOptions } from './setup';

export interface ElasticsearchExporterOptions {
  connection: ElasticsearchConnectionOptions;
  /** Data stream namespace; default `default` (the `data_stream.namespace` resource attribute wins). */
  namespace?: string;
  /** Install templates before the first export; default true. */
  setup?: boolean | SetupOptions;
  /** Bulk writer tuning; the connection comes from `connection`. */
  bulk?: Omit<BulkWriterOptions, 'connection'>;
}

/**
 * The SDK exporter contract, shared by the span and log record exporters: `export()` never
 * throws and always calls back; its work runs under `suppressTracing` so the HTTP calls to
 * Elasticsearch are not traced themselves; `forceFlush()` waits for what is in flight;
 * `shutdown()` flushes and closes, once.
 */
export abstract class ElasticsearchExporterBase<Item> {
  private readonly writer: BulkWriter;
  private readonly inFlight = new Set<Promise<void>>();
  private setupDone?: Promise<void>;
  private shutdownDone?: Promise<void>;
  protected readonly namespace: string;

  constructor(private readonly options: ElasticsearchExporterOptions) {
    validateConnection(options.connection);
    this.namespace = options.namespace ?? 'default';
    this.writer = new BulkWriter({
      ...options.bulk,
      connection: options.connection,
      onRejected: (rejected) => {
        for (const document of rejected) {
          diag.warn(
            `Elasticsearch rejected document ${document.document.id} for ${document.document.dataStream}: ` +
              `${document.status} ${document.errorType}: ${document.reason} — ${document.hint}`,
          );
          diag.debug(`rejected document source: ${document.document.source}`);
        }
        options.bulk?.onRejected?.(rejected);
      },
    });
  }

  protected abstract encode(items: Item[]): EcsDocument[];

  export(items: Item[], resultCallback: (result: ExportResult) => void): void {
    if (this.shutdownDone) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('exporter is shut down') });
      return;
    }
    const work = context
      .with(suppressTracing(context.active()), () => this.send(items))
      .then(
        (result) => resultCallback(result),
        (error: unknown) =>
          resultCallback({
            code: ExportResultCode.FAILED,
            error: error instanceof Error ? error : new Error(String(error)),
          }),
      );
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  shutdown(): Promise<void> {
    this.shutdownDone ??= this.forceFlush().finally(() => this.writer.close());
    return this.shutdownDone;
  }

  private async send(items: Item[]): Promise<ExportResult> {
    let documents: EcsDocument[];
    try {
      documents = this.encode(items);
    } catch (error) {
      diag.error('Elkhound could not map telemetry to ECS', error);
      return { code: ExportResultCode.FAILED, error: error as Error };
    }
    await this.ensureSetup();
    const outcome = await this.writer.send(documents);
    if (outcome.unsent.length > 0) {
      return {
        code: ExportResultCode.FAILED,
        error: new Error(
          `${outcome.unsent.length} document(s) not accepted by ${describeConnection(this.options.connection)} after retries`,
        ),
      };
    }
    // Permanently rejected documents are reported (diag) but retrying the batch cannot help.
    return { code: ExportResultCode.SUCCESS };
  }

  private ensureSetup(): Promise<void> {
    if (this.options.setup === false) return Promise.resolve();
    this.setupDone ??= setupElasticsearch(
      this.options.connection,
      typeof this.options.setup === 'object' ? this.options.setup : {},
    ).then(
      () => undefined,
      (error: unknown) => {
        this.setupDone = undefined; // try again with the next export
        throw error;
      },
    );
    return this.setupDone;
  }
}
