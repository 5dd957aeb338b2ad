import { context, diag } from '@opentelemetry/api';
import { ExportResultCode, suppressTracing, type ExportResult } from '@opentelemetry/core';
import { isValidNamespace, type EcsDocument } from '@elkhound/ecs';
import { BulkWriter, type BulkWriterOptions } from './bulk-writer';
import {
  ConnectionConfigError,
  connectionOptionsFromEnv,
  describeConnection,
  validateConnection,
  type ElasticsearchConnectionOptions,
} from './connection';
import { setupElasticsearch, type SetupOptions } from './setup';

export interface ElasticsearchExporterOptions {
  /**
   * Where Elasticsearch is; default: the environment (`ELASTICSEARCH_URL` or `ELASTIC_CLOUD_ID`,
   * `ELASTICSEARCH_API_KEY`, … — see `connectionOptionsFromEnv`), as OpenTelemetry's own
   * exporters read `OTEL_*`.
   */
  connection?: ElasticsearchConnectionOptions;
  /** Data stream namespace; default `default` (the `data_stream.namespace` resource attribute wins). */
  namespace?: string;
  /** Install templates before the first export; default true. */
  setup?: boolean | SetupOptions;
  /**
   * Bulk writer tuning; the connection comes from `connection`. Retries default to 5 within
   * 20 s, inside the span processors' 30 s export timeout: an in-process exporter must not hold
   * the application's telemetry for minutes (the sidecar is the durable path).
   */
  bulk?: Omit<BulkWriterOptions, 'connection'>;
}

const EXPORTER_RETRY = { maxRetries: 5, maxElapsedMs: 20_000 };

/** Validated in one place: a wrong value gets a message naming the key, the value and what was expected. */
function validateOptions(options: ElasticsearchExporterOptions): ElasticsearchConnectionOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('Elasticsearch exporter options: expected an object with `connection`');
  }
  const connection =
    options.connection === undefined
      ? connectionOptionsFromEnv()
      : validateConnection(options.connection);
  if (connection === undefined) {
    throw new ConnectionConfigError(
      'Elasticsearch exporter: no connection; set ELASTICSEARCH_URL (or ELASTIC_CLOUD_ID) or pass { connection: { url } }',
    );
  }
  if (
    options.namespace !== undefined &&
    !(typeof options.namespace === 'string' && isValidNamespace(options.namespace))
  ) {
    throw new RangeError(
      `namespace: "${String(options.namespace)}" is not a data stream namespace; expected lowercase letters, digits, _ and . (no -), at most 100 characters`,
    );
  }
  if (
    options.setup !== undefined &&
    typeof options.setup !== 'boolean' &&
    (options.setup === null || typeof options.setup !== 'object')
  ) {
    throw new TypeError(`setup: ${String(options.setup)} is not a boolean or setup options`);
  }
  return connection;
}

/**
 * The SDK exporter contract, shared by the span and log record exporters: `export()` never
 * throws and always calls back; its work runs under `suppressTracing` so the HTTP calls to
 * Elasticsearch are not traced themselves; `forceFlush()` waits for what is in flight;
 * `shutdown()` flushes and closes, once.
 */
export abstract class ElasticsearchExporterBase<Item> {
  private readonly writer: BulkWriter;
  private readonly connection: ElasticsearchConnectionOptions;
  private readonly inFlight = new Set<Promise<void>>();
  private setupDone?: Promise<void>;
  private shutdownDone?: Promise<void>;
  protected readonly namespace: string;

  constructor(private readonly options: ElasticsearchExporterOptions = {}) {
    this.connection = validateOptions(options);
    this.namespace = options.namespace ?? 'default';
    this.writer = new BulkWriter({
      ...options.bulk,
      retry: { ...EXPORTER_RETRY, ...options.bulk?.retry },
      connection: this.connection,
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
    if (documents.length === 0) return { code: ExportResultCode.SUCCESS };
    await this.ensureSetup();
    const outcome = await this.writer.send(documents);
    if (outcome.unsent.length > 0) {
      return {
        code: ExportResultCode.FAILED,
        error: new Error(
          `${outcome.unsent.length} document(s) not accepted by ${describeConnection(this.connection)} after retries` +
            (this.writer.authorizationProblem ? `: ${this.writer.authorizationProblem}` : ''),
        ),
      };
    }
    // Permanently rejected documents are reported (diag) but retrying the batch cannot help.
    return { code: ExportResultCode.SUCCESS };
  }

  /**
   * Templates before the first document, so the data streams are created with their mapping.
   * A failed setup does not fail the export: the credentials may write documents without
   * managing templates (they were installed by `elkhound setup`), and an unreachable cluster
   * fails the bulk request anyway. It is reported and tried again with the next export.
   */
  private ensureSetup(): Promise<void> {
    if (this.options.setup === false) return Promise.resolve();
    this.setupDone ??= setupElasticsearch(
      this.connection,
      typeof this.options.setup === 'object' ? this.options.setup : {},
    ).then(
      () => undefined,
      (error: unknown) => {
        this.setupDone = undefined;
        diag.warn(
          `Elkhound could not install the Elasticsearch templates on ${describeConnection(this.connection)}; ` +
            `documents are sent anyway: ${error instanceof Error ? error.message : String(error)}`,
        );
      },
    );
    return this.setupDone;
  }
}
