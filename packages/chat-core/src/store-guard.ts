import type { Outcome } from './batch-outcome';
import { ChatError, ErrorCode, isChatError } from './error-codes';
import type { Clock } from './ports/clock';
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

export function createStoreGuard(clock: Clock, timeoutMs: number, log: Log): StoreGuard {
  /** Gives up on each call in flight. */
  const inFlight = new Set<(why: string) => void>();
  let expired = false;

  function guard<T>(what: string, call: () => Promise<T>, late?: (outcome: Outcome<T>) => void): Promise<T> {
    if (expired) return Promise.reject(new ChatError(ErrorCode.STORE_UNAVAILABLE, 'The server is shutting down; nothing was done.'));
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const giveUp = (why: string) => {
        if (settled) return;
        settled = true;
        cancel();
        inFlight.delete(giveUp);
        log('warn', why, { op: what, timeoutMs });
        reject(
          late
            ? new ChatError(ErrorCode.STORE_TIMEOUT, 'The store did not confirm in time; the message may still appear. Do not resend it blindly.')
            : new ChatError(ErrorCode.STORE_UNAVAILABLE, 'Storage is not answering; try again.'),
        );
      };
      const cancel = clock.schedule(timeoutMs, () => giveUp('store call timed out'));
      inFlight.add(giveUp);
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
          cancel();
          inFlight.delete(giveUp);
          resolve(value);
        },
        (err: unknown) => {
          if (settled) {
            log('warn', 'store call failed after its deadline', { op: what, err: String(err) });
            return late?.({ ok: false, error: err });
          }
          settled = true;
          cancel();
          inFlight.delete(giveUp);
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
      for (const giveUp of [...inFlight]) giveUp('store call abandoned at the shutdown deadline');
    },
  });
}
