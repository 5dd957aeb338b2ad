/**
 * The request bytes the receivers may hold at once, shared by OTLP/HTTP and OTLP/gRPC: a request
 * takes its bytes from it while it is read and ingested, and gives them back when it is answered.
 * A request that does not fit is refused as busy (HTTP 503 / gRPC UNAVAILABLE, both with a retry
 * delay), so no mix of clients can grow the sidecar's memory beyond the budget.
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
}
