import type { EcsDocument } from '@elkhound/ecs';
import type { KafkaConfig } from './kafka-config';
import { RecordDecoder } from './record-decoder';
import type { RecordDeadLetter, RecordDeadLetters } from './record-dead-letters';

export interface RecordReplayResult {
  replayed: number;
  /** Records whose every item was mapped and whose documents Elasticsearch settled. */
  written: number;
  documents: number;
  /** Records that still cannot be read (or only partly), kept with the new reason. */
  kept: number;
}

/**
 * `elkhound dlq replay --kafka`: the Kafka records in the dead-letter path are mapped straight to
 * ECS with the consumer's decoder — not produced to their topic again, where every consumer
 * group would read them a second time and a record Kafka refused as too large would be refused
 * again — and written with `write` (create with deterministic ids: a record replayed twice, or
 * one whose documents were partly written, writes nothing twice). A record that still cannot be
 * read stays, with the new reason; a partly read one stays too after its readable items are
 * written. `write` throws when Elasticsearch did not settle every document: then nothing is
 * removed.
 */
export async function replayRecordDeadLetters(
  letters: RecordDeadLetters,
  kafka: KafkaConfig,
  namespace: string,
  write: (documents: EcsDocument[]) => Promise<void>,
): Promise<RecordReplayResult> {
  const decoder = new RecordDecoder(kafka, namespace);
  let written = 0;
  let documentCount = 0;
  const { replayed, kept } = await letters.replay(async (all) => {
    const documents: EcsDocument[] = [];
    const keep: RecordDeadLetter[] = [];
    const time = new Date().toISOString();
    for (const letter of all) {
      const decoded = decoder.decode({
        topic: letter.topic,
        headers: new Map(Object.entries(letter.headers)),
        value: Buffer.from(letter.value, 'base64'),
      });
      if (decoded.kind === 'poison') {
        keep.push({ ...letter, time, errorType: decoded.errorType, reason: decoded.reason });
        continue;
      }
      documents.push(...decoded.documents);
      if (decoded.rejected > 0) {
        keep.push({ ...letter, time, errorType: 'otlp_partial', reason: decoded.reason });
      } else written++;
    }
    if (documents.length > 0) await write(documents);
    documentCount = documents.length;
    return keep;
  });
  return { replayed, written, documents: documentCount, kept };
}
