/**
 * One connection's admitted requests, served in arrival order. A job that
 * `overlaps` (send_message) may start while earlier overlapping jobs are
 * still in flight, because the store keeps call order and a burst then
 * shares one group commit; any other job waits until everything before it
 * has settled, so e.g. a join after a send still sees the sender in the room
 * when its message is broadcast.
 *
 * The queue is never refused for its length (the token bucket already
 * admitted every job); memory is bounded by backpressure on the reader.
 */
export interface RequestScheduler<J> {
  /** Serves `job` now if nothing holds it up, else queues it behind the others. */
  push(job: J): void;
  /** Jobs waiting plus jobs in flight. */
  readonly pending: number;
  /** Drops the waiting jobs and starts no more; jobs in flight still settle. Idempotent. */
  close(): void;
  /**
   * Shutdown: pauses reading for good (where the transport can) and
   * resolves once nothing is waiting or in flight. Admitted jobs still run
   * in order. Idempotent.
   */
  drain(): Promise<void>;
}

export interface SchedulerHooks<J> {
  /** Starts a job: returns nothing when it finished synchronously, or a promise. May throw. */
  run(job: J): void | Promise<void>;
  /** Whether `job` may start while other overlapping jobs are in flight. */
  overlaps(job: J): boolean;
  /** `run` threw or its promise rejected. */
  failed(job: J, error: unknown): void;
}

export interface SchedulerFlow {
  /** Pending count at which reading pauses; it resumes at half. `Limits.maxPendingRequests`. */
  readonly maxPending: number;
  /** Stops reading the connection; absent when the transport cannot. */
  readonly pause?: (() => void) | undefined;
  readonly resume?: (() => void) | undefined;
  /**
   * Called once when pending passes `OVERFLOW_FACTOR * maxPending`: the
   * transport cannot pause, or kept delivering after it paused.
   */
  readonly overflow: () => void;
}

/** Past `maxPending` times this, a connection is closed instead of queued further. */
export const OVERFLOW_FACTOR = 4;

export function createRequestScheduler<J>(hooks: SchedulerHooks<J>, flow: SchedulerFlow): RequestScheduler<J> {
  // A plain array with a moving head: shift() would make a long queue quadratic.
  let waiting: J[] = [];
  let head = 0;
  /** A non-overlapping job is in flight: nothing else starts. */
  let busy = false;
  /** Overlapping jobs in flight. */
  let overlapping = 0;
  let paused = false;
  let overflowed = false;
  let closed = false;
  let draining = false;
  let idleWaiters: (() => void)[] = [];

  const waitingCount = () => waiting.length - head;
  const pending = () => waitingCount() + overlapping + (busy ? 1 : 0);
  const canStart = (job: J) => !busy && (overlapping === 0 || hooks.overlaps(job));

  function wakeIdle(): void {
    if (pending() > 0 || idleWaiters.length === 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  }

  function settle(job: J, error: unknown, failed: boolean, wasOverlapping: boolean): void {
    if (wasOverlapping) overlapping--;
    else busy = false;
    if (failed) hooks.failed(job, error);
    pump();
    if (paused && !closed && !draining && pending() <= Math.floor(flow.maxPending / 2)) {
      paused = false;
      flow.resume?.();
    }
    wakeIdle();
  }

  function start(job: J): void {
    let result: void | Promise<void>;
    try {
      result = hooks.run(job);
    } catch (e) {
      hooks.failed(job, e);
      return;
    }
    if (!result) return;
    const wasOverlapping = hooks.overlaps(job);
    if (wasOverlapping) overlapping++;
    else busy = true;
    result.then(
      () => settle(job, undefined, false, wasOverlapping),
      (e: unknown) => settle(job, e, true, wasOverlapping),
    );
  }

  function pump(): void {
    while (!closed) {
      const job = waiting[head];
      if (job === undefined || !canStart(job)) return;
      waiting[head++] = undefined as J;
      if (head === waiting.length || (head >= 1024 && head * 2 >= waiting.length)) {
        waiting = waiting.slice(head);
        head = 0;
      }
      start(job);
    }
  }

  return {
    push(job) {
      if (closed) return;
      if (waitingCount() === 0 && canStart(job)) start(job);
      else waiting.push(job);
      const n = pending();
      if (!paused && flow.pause && n >= flow.maxPending) {
        paused = true;
        flow.pause();
      }
      if (!overflowed && n > OVERFLOW_FACTOR * flow.maxPending) {
        overflowed = true;
        flow.overflow();
      }
    },
    get pending() {
      return pending();
    },
    close() {
      closed = true;
      waiting = [];
      head = 0;
      wakeIdle();
    },
    drain() {
      draining = true;
      if (!paused && flow.pause) {
        paused = true;
        flow.pause();
      }
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        wakeIdle();
      });
    },
  };
}
