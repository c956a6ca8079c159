import { ChatError, ErrorCode, isChatError } from './error-codes';
import type { Clock } from './ports/clock';
import type { Log } from './ports/log';

/**
 * Runs a store call with a deadline. Any failure other than a ChatError the
 * store raised on purpose becomes STORE_UNAVAILABLE, so a slow or broken
 * store costs the request an error frame, never the connection.
 */
export function createStoreGuard(clock: Clock, timeoutMs: number, log: Log) {
  return function guard<T>(what: string, call: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const cancel = clock.schedule(timeoutMs, () => {
        if (settled) return;
        settled = true;
        log('warn', 'store call timed out', { op: what, timeoutMs });
        reject(new ChatError(ErrorCode.STORE_UNAVAILABLE, 'Storage is not answering; try again.'));
      });
      let p: Promise<T>;
      try {
        p = call();
      } catch (e) {
        p = Promise.reject(e);
      }
      p.then(
        (value) => {
          if (settled) return;
          settled = true;
          cancel();
          resolve(value);
        },
        (err: unknown) => {
          if (settled) return;
          settled = true;
          cancel();
          if (isChatError(err)) return reject(err);
          log('error', 'store call failed', { op: what, err: String(err) });
          reject(new ChatError(ErrorCode.STORE_UNAVAILABLE, 'Storage is unavailable; try again.'));
        },
      );
    });
  };
}

export type StoreGuard = ReturnType<typeof createStoreGuard>;
