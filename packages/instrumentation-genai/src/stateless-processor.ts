/**
 * forceFlush and shutdown of a span or log-record processor that holds nothing between calls (it
 * only writes attributes on what passes through): nothing to flush, nothing to release.
 */
export abstract class StatelessProcessor {
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
