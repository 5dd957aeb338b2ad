/**
 * The request bytes the receivers may hold at once, shared by OTLP/HTTP and OTLP/gRPC: a request
 * takes its bytes from it while it is read, inflated and ingested, and gives them back when it is
 * answered. A request that does not fit is refused as busy (HTTP 503 / gRPC UNAVAILABLE, both
 * with a retry delay), so no mix of clients can grow the sidecar's memory beyond the budget.
 */
/** What a client refused for the budget is told (HTTP and gRPC alike). */
export const BUDGET_FULL_MESSAGE =
  'the receiver holds as many request bytes as it may at once; retry shortly';

export class InFlightBudget {
  private held = 0;

  constructor(readonly limit: number) {}

  /** The bytes not held by any request now. */
  get left(): number {
    return this.limit - this.held;
  }

  /** Takes `bytes`, or nothing and false when they do not fit. */
  take(bytes: number): boolean {
    if (this.held + bytes > this.limit) return false;
    this.held += bytes;
    return true;
  }

  give(bytes: number): void {
    this.held -= bytes;
  }

  /** An empty share of the budget for one request, grown as its bytes arrive. */
  reservation(): Reservation {
    return new Reservation(this);
  }
}

/** The bytes one request holds; given back once, when it is answered (or cancelled). */
export class Reservation {
  private held = 0;

  constructor(private readonly budget: InFlightBudget) {}

  get bytes(): number {
    return this.held;
  }

  /** Takes `bytes` more, or nothing and false when the budget has not got them. */
  grow(bytes: number): boolean {
    if (!this.budget.take(bytes)) return false;
    this.held += bytes;
    return true;
  }

  /** Gives back `bytes` of what this request holds (memory it no longer references). */
  shrink(bytes: number): void {
    const given = Math.min(bytes, this.held);
    this.held -= given;
    this.budget.give(given);
  }

  release(): void {
    this.shrink(this.held);
  }
}
