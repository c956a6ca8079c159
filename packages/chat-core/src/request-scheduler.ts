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
  /** Stops reading the connection; a no-op where the transport cannot (then `overflow` is the bound). */
  pause(): void;
  resume(): void;
  /**
   * Called once when pending passes `OVERFLOW_FACTOR * maxPending`: the
   * transport cannot pause, or kept delivering after it paused.
   */
  overflow(): void;
}

/** Past `maxPending` times this, a connection is closed instead of queued further. */
export const OVERFLOW_FACTOR = 4;

/**
 * A class with its methods on one shared prototype: every connection has a
 * queue, and the closure version cost a context, ten functions and a
 * dictionary-mode object each (~1.3 KB per idle connection,
 * docs/benchmarks.md). The arrays are made when first needed.
 */
class RequestQueue<J> implements RequestScheduler<J> {
  // A plain array with a moving head: shift() would make a long queue quadratic.
  private waiting: J[] | undefined;
  private head = 0;
  /** A non-overlapping job is in flight: nothing else starts. */
  private busy = false;
  /** Overlapping jobs in flight. */
  private overlapping = 0;
  private paused = false;
  private overflowed = false;
  private closed = false;
  private draining = false;
  private idleWaiters: (() => void)[] | undefined;

  constructor(
    private readonly hooks: SchedulerHooks<J>,
    private readonly flow: SchedulerFlow,
  ) {}

  get pending(): number {
    return this.waitingCount() + this.overlapping + (this.busy ? 1 : 0);
  }

  push(job: J): void {
    if (this.closed) return;
    if (this.waitingCount() === 0 && this.canStart(job)) this.start(job);
    else (this.waiting ??= []).push(job);
    const n = this.pending;
    if (!this.paused && n >= this.flow.maxPending) {
      this.paused = true;
      this.flow.pause();
    }
    if (!this.overflowed && n > OVERFLOW_FACTOR * this.flow.maxPending) {
      this.overflowed = true;
      this.flow.overflow();
    }
  }

  close(): void {
    this.closed = true;
    this.waiting = undefined;
    this.head = 0;
    this.wakeIdle();
  }

  drain(): Promise<void> {
    this.draining = true;
    if (!this.paused) {
      this.paused = true;
      this.flow.pause();
    }
    return new Promise<void>((resolve) => {
      (this.idleWaiters ??= []).push(resolve);
      this.wakeIdle();
    });
  }

  private waitingCount(): number {
    return this.waiting === undefined ? 0 : this.waiting.length - this.head;
  }

  private canStart(job: J): boolean {
    return !this.busy && (this.overlapping === 0 || this.hooks.overlaps(job));
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    if (this.pending > 0 || waiters === undefined) return;
    this.idleWaiters = undefined;
    for (const w of waiters) w();
  }

  private settle(job: J, error: unknown, failed: boolean, wasOverlapping: boolean): void {
    if (wasOverlapping) this.overlapping--;
    else this.busy = false;
    if (failed) this.hooks.failed(job, error);
    this.pump();
    if (this.paused && !this.closed && !this.draining && this.pending <= Math.floor(this.flow.maxPending / 2)) {
      this.paused = false;
      this.flow.resume();
    }
    this.wakeIdle();
  }

  private start(job: J): void {
    let result: void | Promise<void>;
    try {
      result = this.hooks.run(job);
    } catch (e) {
      this.hooks.failed(job, e);
      return;
    }
    if (!result) return;
    const wasOverlapping = this.hooks.overlaps(job);
    if (wasOverlapping) this.overlapping++;
    else this.busy = true;
    result.then(
      () => this.settle(job, undefined, false, wasOverlapping),
      (e: unknown) => this.settle(job, e, true, wasOverlapping),
    );
  }

  private pump(): void {
    while (!this.closed) {
      const waiting = this.waiting;
      const job = waiting?.[this.head];
      if (waiting === undefined || job === undefined || !this.canStart(job)) return;
      waiting[this.head++] = undefined as J;
      if (this.head === waiting.length) {
        // Empty: dropped, so an idle connection holds no array.
        this.waiting = undefined;
        this.head = 0;
      } else if (this.head >= 1024 && this.head * 2 >= waiting.length) {
        this.waiting = waiting.slice(this.head);
        this.head = 0;
      }
      this.start(job);
    }
  }
}

export function createRequestScheduler<J>(hooks: SchedulerHooks<J>, flow: SchedulerFlow): RequestScheduler<J> {
  return new RequestQueue(hooks, flow);
}
