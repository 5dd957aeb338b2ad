/**
 * Calls whose response is in the app's hands (a stream, or a body nobody parsed yet), watched for
 * idleness with one timer for all of them rather than one per call. Every non-streaming call is
 * watched between its response's arrival and its parse — microseconds, most of the time — and a
 * timer of its own (created, unref'd, cleared) cost more than the rest of that bookkeeping. The
 * timer is armed for the earliest deadline and never keeps the process alive.
 */
export interface IdleWatched {
  /** When to look at the call again (performance.now() time). */
  idleDeadline: number;
  /** The deadline passed: end the call if it is idle, or move `idleDeadline` on. */
  checkIdle(now: number): void;
}

const watched = new Set<IdleWatched>();
let timer: NodeJS.Timeout | undefined;
let armedFor = Infinity;

export function watchIdle(call: IdleWatched): void {
  watched.add(call);
  if (call.idleDeadline < armedFor) arm(call.idleDeadline);
}

/** An ended call leaves the watch at once (the timer is left as it is: it finds nothing due). */
export function unwatchIdle(call: IdleWatched): void {
  watched.delete(call);
}

function arm(deadline: number): void {
  if (timer) clearTimeout(timer);
  armedFor = deadline;
  timer = setTimeout(fire, Math.max(0, deadline - performance.now()));
  timer.unref();
}

function fire(): void {
  timer = undefined;
  armedFor = Infinity;
  const now = performance.now();
  let next = Infinity;
  for (const call of watched) {
    if (call.idleDeadline <= now) call.checkIdle(now);
    // checkIdle either ended the call (it left the set) or moved its deadline on.
    if (watched.has(call) && call.idleDeadline < next) next = call.idleDeadline;
  }
  if (next < Infinity && next < armedFor) arm(next);
}
