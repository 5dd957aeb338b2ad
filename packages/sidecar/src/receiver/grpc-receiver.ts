import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { errorFields, type Logger } from '../log';
import { exportResponse } from '../protobuf-writer';
import type { SelfMetrics } from '../self-metrics';
import { bearerMatches } from './auth';
import type { InFlightBudget } from './budget';
import { budgetInterceptor, retryMetadata } from './grpc-budget';
import type { Ingest, IngestResult } from './ingest';
import { SIGNALS, type SignalHandler } from './signals';

export interface GrpcReceiverOptions {
  host: string;
  port: number;
  maxDecompressedBytes: number;
  /** Shared with the HTTP receiver: a message is held from its arrival to its answer. */
  budget: InFlightBudget;
  authToken: string | undefined;
  tls: { certFile: string; keyFile: string } | undefined;
  ingest: Ingest;
  metrics: SelfMetrics;
  logger: Logger;
}

const identity = (bytes: Buffer): Buffer => bytes;

/**
 * OTLP/gRPC: the three Export services. Messages stay raw bytes through grpc-js (identity
 * (de)serializers) so the package's own allocation-lean decoders read them. Messages are charged
 * to the in-flight budget, and gzip / deflate messages inflated within it, by an interceptor
 * (grpc-budget.ts); grpc-js enforces the size of a message as received.
 */
export class GrpcReceiver {
  private readonly server: grpc.Server;

  constructor(private readonly options: GrpcReceiverOptions) {
    this.server = new grpc.Server({
      'grpc.max_receive_message_length': options.maxDecompressedBytes,
      'grpc.max_send_message_length': 4 * 1024 * 1024,
      interceptors: [
        budgetInterceptor({
          budget: options.budget,
          maxDecompressedBytes: options.maxDecompressedBytes,
          logger: options.logger,
          refused: (path, code) => {
            const signal = SIGNALS.find((candidate) => candidate.grpcPath === path);
            const name = signal?.name ?? 'unknown';
            options.metrics.countRequest('grpc', name, grpc.status[code] ?? String(code));
          },
        }),
      ],
    });
    for (const signal of SIGNALS) {
      const definition: grpc.ServiceDefinition = {
        Export: {
          path: signal.grpcPath,
          requestStream: false,
          responseStream: false,
          requestSerialize: identity,
          requestDeserialize: identity,
          responseSerialize: identity,
          responseDeserialize: identity,
          originalName: 'export',
        },
      };
      this.server.addService(definition, {
        Export: (
          call: grpc.ServerUnaryCall<Buffer, Buffer>,
          callback: grpc.sendUnaryData<Buffer>,
        ) => {
          this.export(signal, call, callback).catch((error: unknown) => {
            options.logger.error('gRPC export failed inside the receiver', errorFields(error));
            callback({ code: grpc.status.INTERNAL, details: 'internal error' });
          });
        },
      });
    }
  }

  async listen(): Promise<number> {
    const credentials = this.options.tls
      ? grpc.ServerCredentials.createSsl(
          null,
          [
            {
              cert_chain: readFileSync(this.options.tls.certFile),
              private_key: readFileSync(this.options.tls.keyFile),
            },
          ],
          false,
        )
      : grpc.ServerCredentials.createInsecure();
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return new Promise<number>((resolve, reject) => {
      this.server.bindAsync(`${host}:${this.options.port}`, credentials, (error, port) =>
        error ? reject(error) : resolve(port),
      );
    });
  }

  /** Stops accepting new calls and waits for those in flight (bounded by the caller). */
  close(): Promise<void> {
    return new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
  }

  forceClose(): void {
    this.server.forceShutdown();
  }

  private async export(
    signal: SignalHandler,
    call: grpc.ServerUnaryCall<Buffer, Buffer>,
    callback: grpc.sendUnaryData<Buffer>,
  ): Promise<void> {
    const fail = (code: grpc.status, details: string, metadata?: grpc.Metadata): void => {
      this.options.metrics.countRequest('grpc', signal.name, grpc.status[code] ?? String(code));
      callback({ code, details, ...(metadata ? { metadata } : {}) });
    };
    if (this.options.authToken !== undefined) {
      const header = call.metadata.get('authorization')[0];
      if (!bearerMatches(typeof header === 'string' ? header : undefined, this.options.authToken)) {
        return fail(grpc.status.UNAUTHENTICATED, 'missing or wrong bearer token');
      }
    }
    // The message's bytes are held in the in-flight budget until this call is answered
    // (grpc-budget.ts).
    const result: IngestResult = await this.options.ingest.accept(signal, call.request, 'protobuf');
    switch (result.kind) {
      case 'accepted':
        this.options.metrics.countRequest('grpc', signal.name, 'OK');
        return callback(null, exportResponse(result.rejected, result.rejectedMessage));
      case 'invalid':
        return fail(grpc.status.INVALID_ARGUMENT, result.message);
      case 'full':
      case 'unavailable': {
        // RetryInfo in the status details is how OTLP/gRPC tells a client when to come back.
        const code =
          result.kind === 'full' ? grpc.status.RESOURCE_EXHAUSTED : grpc.status.UNAVAILABLE;
        const message =
          result.kind === 'full'
            ? 'the queue is full while Elasticsearch catches up; retry later'
            : result.message;
        return fail(code, message, retryMetadata(code, message, result.retryAfterSeconds));
      }
    }
  }
}
