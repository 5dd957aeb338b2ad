// The contract between the mapping and everything that writes its output (the bulk writer, the
// sidecar's queue and dead-letter queue, the NDJSON file sink).

/**
 * One ECS document, ready for a bulk request: its deterministic `_id` (so the `create` action
 * turns a retry or a replay into a 409 no-op), the data stream it belongs to
 * (`traces-elkhound-default`, …), and its `_source` already serialised as one line of JSON.
 */
export interface EcsDocument {
  readonly id: string;
  readonly dataStream: string;
  readonly source: string;
  /**
   * `source` cut where the end every document of its group shares begins (`data_stream`, the
   * resource's fields): `source === head + tail` (the encoders' documents join them only when
   * `source` is read), and `tail` is one string object for the whole group, so a writer can
   * encode it once (the bulk body does). Documents made elsewhere (read back from a queue,
   * replayed) need not have them.
   */
  readonly head?: string;
  readonly tail?: string;
}

export interface EncodeOptions {
  /** The data stream namespace; the `data_stream.namespace` resource attribute overrides it. Default `default`. */
  namespace?: string;
  /**
   * Write span and log record attributes from per-shape plans (default true). false takes the
   * generic path for every span and record: the reference the planned text is tested against, and
   * a switch for diagnosis.
   */
  plans?: boolean;
}
