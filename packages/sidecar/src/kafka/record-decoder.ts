import type { EcsDocument } from '@elkhound/ecs';
import { SIGNALS, type SignalHandler, type SignalName } from '../receiver/signals';
import type { KafkaConfig } from './kafka-config';

export interface IncomingRecord {
  topic: string;
  headers: Map<string, string>;
  value: Buffer | undefined;
}

export type DecodedRecord =
  | { kind: 'documents'; documents: EcsDocument[]; items: number; rejected: number; reason: string }
  | { kind: 'poison'; errorType: string; reason: string };

const CONTENT_TYPES: Record<string, 'protobuf' | 'json'> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
};

/**
 * A Kafka record → ECS documents: the signal from the topic, the encoding from the record's
 * content-type header (Elkhound's producer sets it) or else the configured one (the Collector's
 * exporter sets none; its receiver is configured the same way), then the receiver's decoders and
 * mapping. What cannot be read is poison, never an exception.
 */
export class RecordDecoder {
  private readonly signals = new Map<string, SignalHandler>();

  constructor(
    kafka: KafkaConfig,
    private readonly namespace: string,
  ) {
    for (const signal of SIGNALS) this.signals.set(kafka.topics[signal.name as SignalName], signal);
    this.defaultFormat = kafka.encoding === 'otlp_json' ? 'json' : 'protobuf';
  }

  private readonly defaultFormat: 'protobuf' | 'json';

  decode(record: IncomingRecord): DecodedRecord {
    const signal = this.signals.get(record.topic);
    if (!signal) {
      return {
        kind: 'poison',
        errorType: 'unknown_topic',
        reason: `no signal reads topic ${record.topic}`,
      };
    }
    const contentType = record.headers.get('content-type');
    let format = this.defaultFormat;
    if (contentType !== undefined) {
      const named = CONTENT_TYPES[contentType.split(';')[0]?.trim().toLowerCase() ?? ''];
      if (named === undefined) {
        return {
          kind: 'poison',
          errorType: 'unsupported_content_type',
          reason: `content-type "${contentType}" is neither application/x-protobuf nor application/json`,
        };
      }
      format = named;
    }
    if (record.value === undefined || record.value.length === 0) {
      return { kind: 'poison', errorType: 'empty_record', reason: 'the record has no value' };
    }
    try {
      const mapped = signal.documents(record.value, format, this.namespace);
      if (mapped.items === 0 && mapped.rejections.count > 0) {
        return { kind: 'poison', errorType: 'otlp_decode', reason: mapped.rejections.message };
      }
      return {
        kind: 'documents',
        documents: mapped.documents,
        items: mapped.items,
        rejected: mapped.rejections.count,
        reason: mapped.rejections.message,
      };
    } catch (error) {
      return {
        kind: 'poison',
        errorType: 'otlp_decode',
        reason: `${signal.name} ${format === 'json' ? 'OTLP/JSON' : 'OTLP/protobuf'}: ${(error as Error)?.message ?? String(error)}`,
      };
    }
  }
}
