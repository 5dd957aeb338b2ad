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
