import type { EcsDocument } from '@elkhound/ecs';

/** A record on its way to Kafka, as the sidecar's queue keeps it until Kafka acknowledged it. */
export interface OutgoingRecord {
  topic: string;
  key: string | undefined;
  value: Buffer;
  contentType: OtlpContentType;
}

export type OtlpContentType = 'application/x-protobuf' | 'application/json';

// The durable queue stores documents (an id, a data stream, a one-line source); a Kafka record
// rides in that shape: the topic as the data stream, the key as the id, and the content type
// and value (base64: the source must be one line of text) as the source. Base64 costs a third
// more disk than the raw bytes; a raw record kind in the queue would save it.
const PROTOBUF_MARK = 'p:';
const JSON_MARK = 'j:';

export function toQueueDocument(record: OutgoingRecord): EcsDocument {
  const mark = record.contentType === 'application/json' ? JSON_MARK : PROTOBUF_MARK;
  return {
    id: record.key ?? '',
    dataStream: record.topic,
    source: mark + record.value.toString('base64'),
  };
}

export function fromQueueDocument(document: EcsDocument): OutgoingRecord {
  const source = document.source;
  const contentType: OtlpContentType = source.startsWith(JSON_MARK)
    ? 'application/json'
    : 'application/x-protobuf';
  return {
    topic: document.dataStream,
    key: document.id === '' ? undefined : document.id,
    value: Buffer.from(source.slice(2), 'base64'),
    contentType,
  };
}
