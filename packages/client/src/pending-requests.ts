import { ChatRequestError } from './errors.js';
import { clearTimer, setTimer, type TimerHandle } from './platform.js';

/** A frame as parsed from JSON: an object with a string `type`. */
export type Frame = { readonly type: string } & Readonly<Record<string, unknown>>;

/**
 * A request waiting for its answer. The server serves one connection's
 * requests in order and sends errors and direct answers in that order, so:
 * - a request answered by a frame of its own (`join_room` → `joined_room`)
 *   settles with the first such frame `accepts`;
 * - a request without a frame of its own (`react`: a repeat changes nothing
 *   and sends nothing) is followed by a `ping` whose `pong` (the barrier)
 *   proves it was served without error;
 * - an `error` naming the request type settles the oldest request of that
 *   type still waiting for errors.
 */
export interface PendingSpec<T> {
  /** The request frame, re-sent as is after a reconnect. */
  readonly frame: Frame;
  /** The answer frame's type, if the request has one. */
  readonly answer?: string;
  /** Whether this answer frame is the one (default: any frame of `answer`'s type). */
  readonly accepts?: (f: Frame) => boolean;
  /** Turns the answer frame (or, for barrier requests, undefined) into the promise's value. */
  readonly settle: (f: Frame | undefined) => T;
  /** Whether this error means success after all (`resent`: the request went out again after a reconnect). */
  readonly tolerate?: (error: ChatRequestError, resent: boolean) => boolean;
}

interface Entry {
  readonly spec: PendingSpec<unknown>;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: ChatRequestError) => void;
  barrier: string | undefined;
  timer: TimerHandle | undefined;
  sends: number;
}

export class PendingRequests {
  private entries: Entry[] = [];
  private barrierCount = 0;

  constructor(
    private readonly timeoutMs: number,
    private readonly write: (frame: Frame) => boolean,
  ) {}

  /** Registers a request and sends it now if `connected`, else at the next `resend`. */
  add<T>(spec: PendingSpec<T>, connected: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Entry = { spec, resolve: resolve as (v: unknown) => void, reject, barrier: undefined, timer: undefined, sends: 0 };
      this.entries.push(entry);
      if (connected) this.send(entry);
    });
  }

  /** After a reconnect's `welcome`: sends every request not yet answered again, in order. */
  resend(): void {
    for (const e of this.entries) this.send(e);
  }

  /** The connection dropped: stop the clocks, keep the requests for `resend`. */
  pause(): void {
    for (const e of this.entries) {
      clearTimer(e.timer);
      e.timer = undefined;
      e.barrier = undefined;
    }
  }

  /** Rejects everything (the client was closed). */
  failAll(error: ChatRequestError): void {
    const all = this.entries;
    this.entries = [];
    for (const e of all) {
      clearTimer(e.timer);
      e.reject(error);
    }
  }

  /** Offers an incoming frame; true when it settled a request (an `error` or a barrier `pong`). */
  receive(f: Frame): boolean {
    if (f.type === 'error') return this.error(f);
    if (f.type === 'pong' && typeof f['ts'] === 'string') {
      const e = this.entries.find((x) => x.barrier === f['ts']);
      if (!e) return false;
      this.done(e, () => e.resolve(e.spec.settle(undefined)));
      return true;
    }
    const e = this.entries.find((x) => x.spec.answer === f.type && x.timer !== undefined && (x.spec.accepts?.(f) ?? true));
    if (!e) return false;
    this.done(e, () => e.resolve(e.spec.settle(f)));
    return false;
  }

  private error(f: Frame): boolean {
    const type = typeof f['requestType'] === 'string' ? f['requestType'] : undefined;
    const e = type === undefined ? undefined : this.entries.find((x) => x.spec.frame.type === type && x.timer !== undefined);
    if (!e) return false;
    const err = new ChatRequestError({ code: String(f['code']), message: String(f['message'] ?? ''), requestType: type! });
    const tolerated = e.spec.tolerate?.(err, e.sends > 1) ?? false;
    this.done(e, () => (tolerated ? e.resolve(e.spec.settle(undefined)) : e.reject(err)));
    return true;
  }

  private send(e: Entry): void {
    clearTimer(e.timer);
    if (!this.write(e.spec.frame)) return;
    e.sends++;
    if (e.spec.answer === undefined) {
      e.barrier = `b${++this.barrierCount}`;
      this.write({ type: 'ping', ts: e.barrier });
    }
    e.timer = setTimer(() => {
      this.done(e, () =>
        e.reject(new ChatRequestError({ code: 'TIMEOUT', message: `No answer to ${e.spec.frame.type} in ${this.timeoutMs} ms.`, requestType: e.spec.frame.type })),
      );
    }, this.timeoutMs);
  }

  private done(e: Entry, settle: () => void): void {
    clearTimer(e.timer);
    const i = this.entries.indexOf(e);
    if (i >= 0) this.entries.splice(i, 1);
    settle();
  }
}
