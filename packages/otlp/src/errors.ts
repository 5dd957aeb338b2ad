/** A body that is not a valid OTLP request: the message names what is wrong and where. */
export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
  private readonly location: string[] = [];
  private readonly problem: string;

  constructor(problem: string) {
    super(problem);
    this.problem = problem;
  }

  /** Adds the enclosing field (innermost first) as the error travels up. */
  within(field: string): this {
    this.location.unshift(field);
    this.message = `${this.location.join('.')}: ${this.problem}`;
    return this;
  }
}

export function within(error: unknown, field: string): unknown {
  return error instanceof OtlpDecodeError ? error.within(field) : error;
}

/**
 * Items (spans, log records, metrics) refused one by one — an id of the wrong length, a value of
 * the wrong type — while the rest of the request is kept: the OTLP partial-success answer. A
 * request whose structure itself does not decode is still refused whole.
 */
export class Rejections {
  count = 0;
  private first: string | undefined;

  reject(error: OtlpDecodeError): void {
    this.count++;
    this.first ??= error.message;
  }

  /** The `error_message` of the partial-success answer; empty when nothing was rejected. */
  get message(): string {
    if (this.count === 0) return '';
    return this.count === 1
      ? `1 item rejected: ${this.first}`
      : `${this.count} items rejected; the first: ${this.first}`;
  }
}
