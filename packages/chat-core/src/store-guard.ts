import type { Outcome } from './batch-outcome';
import { ChatError, ErrorCode, isChatError } from './error-codes';
import type { Cancel, Clock } from './ports/clock';
import type { Log } from './ports/log';

/**
 * Every store call goes through the guard: a deadline, and an honest error.
 * A store signals "the write may or may not have happened" with a
 * `ChatError(STORE_TIMEOUT)`; the guard passes ChatErrors through and turns
 * any other failure into STORE_UNAVAILABLE (the stores promise that such a
 * failure left nothing written).
 */
export interface StoreGuard {
  /**
   * Runs `call` with the store deadline. A read (no `late`) that times out
   * is STORE_UNAVAILABLE: nothing to be unsure about. A write passes `late`:
   * its timeout is STORE_TIMEOUT (it may still commit), and the outcome that
   * arrives after the deadline is handed to `late`, so the caller can
   * publish a message that was stored after all.
   */
  <T>(what: string, call: () => Promise<T>, late?: (outcome: Outcome<T>) => void): Promise<T>;
  /**
   * Shutdown's deadline came: every call in flight gives up now as if its
   * deadline had passed (its late outcome still arrives), and every later
   * call fails at once with STORE_UNAVAILABLE without reaching the store.
   * Idempotent.
   */
  expire(): void;
}

/** Whether a failure leaves the write's outcome unknown (it may still have been stored). */
export const outcomeUnknown = (e: unknown): boolean => isChatError(e) && e.code === ErrorCode.STORE_TIMEOUT;

/** A call in flight, in the guard's deadline-ordered list. */
interface InFlight {
  readonly deadlineMs: number;
  readonly giveUp: (why: string) => void;
  prev: InFlight | undefined;
  next: InFlight | undefined;
}

/**
 * One timer for every call in flight, not one per call: every call has the
 * same timeout, so calls ordered by start are ordered by deadline, and a
 * linked list gives O(1) add and remove. A timer and a Set entry per call
 * cost the send path about 24 MB of objects promoted out of the young
 * generation per 10 s at 2,500 sends/s and 15 % CPU per delivery (issue #9,
 * measured with --trace-gc-nvp). The timer stays armed for the head's
 * deadline while calls keep coming; it fires at most once per timeout.
 */
export function createStoreGuard(clock: Clock, timeoutMs: number, log: Log): StoreGuard {
  let head: InFlight | undefined;
  let tail: InFlight | undefined;
  let timer: Cancel | undefined;
  let expired = false;

  function unlink(call: InFlight): void {
    if (call.prev) call.prev.next = call.next;
    else head = call.next;
    if (call.next) call.next.prev = call.prev;
    else tail = call.prev;
    call.prev = call.next = undefined;
  }

  function arm(): void {
    if (timer || !head) return;
    timer = clock.schedule(Math.max(0, head.deadlineMs - clock.now()), sweep);
  }

  function sweep(): void {
    timer = undefined;
    const now = clock.now();
    while (head && head.deadlineMs <= now) head.giveUp('store call timed out');
    arm();
  }

  function guard<T>(what: string, call: () => Promise<T>, late?: (outcome: Outcome<T>) => void): Promise<T> {
    if (expired) return Promise.reject(new ChatError(ErrorCode.STORE_UNAVAILABLE, 'The server is shutting down; nothing was done.'));
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const entry: InFlight = {
        deadlineMs: clock.now() + timeoutMs,
        giveUp: (why) => {
          if (settled) return;
          settled = true;
          unlink(entry);
          log('warn', why, { op: what, timeoutMs });
          reject(
            late
              ? new ChatError(ErrorCode.STORE_TIMEOUT, 'The store did not confirm in time; the message may still appear. Do not resend it blindly.')
              : new ChatError(ErrorCode.STORE_UNAVAILABLE, 'Storage is not answering; try again.'),
          );
        },
        prev: tail,
        next: undefined,
      };
      if (tail) tail.next = entry;
      else head = entry;
      tail = entry;
      arm();
      let p: Promise<T>;
      try {
        p = call();
      } catch (e) {
        p = Promise.reject(e);
      }
      p.then(
        (value) => {
          if (settled) return late?.({ ok: true, value });
          settled = true;
          unlink(entry);
          resolve(value);
        },
        (err: unknown) => {
          if (settled) {
            log('warn', 'store call failed after its deadline', { op: what, err: String(err) });
            return late?.({ ok: false, error: err });
          }
          settled = true;
          unlink(entry);
          if (isChatError(err)) return reject(err);
          log('error', 'store call failed', { op: what, err: String(err) });
          reject(new ChatError(ErrorCode.STORE_UNAVAILABLE, 'Storage is unavailable; try again.'));
        },
      );
    });
  }

  return Object.assign(guard, {
    expire() {
      expired = true;
      timer?.();
      timer = undefined;
      while (head) head.giveUp('store call abandoned at the shutdown deadline');
    },
  });
}
