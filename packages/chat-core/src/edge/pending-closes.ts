import type { Clock } from '../ports/clock';

/**
 * The closes a transport was asked for that its library has not reported
 * done yet, so a stop waits for them instead of a blind timer: a process
 * that exits while a close is under way loses what the peer had not read,
 * and the peer sees 1006 instead of 1001 (issue #10).
 */
export interface PendingCloses {
  /** The close of `socket` started; `terminate` drops it if it is still pending at a deadline. */
  add(socket: object, terminate: () => void): void;
  /** `socket` reported its close (any close; one never added is ignored). */
  done(socket: object): void;
  readonly size: number;
  /**
   * Resolves once no close is pending, or after `withinMs`: then every
   * socket still closing is terminated first, so a peer that stopped
   * reading cannot hold a stop past its deadline. Resolves on a later
   * timer turn than the last close, never inside it: uWS writes what a
   * callback queued (the close frame) only once the callback returns, and
   * an exit reacting in the callback's microtasks would lose it.
   */
  settled(withinMs: number): Promise<void>;
}

export function createPendingCloses(schedule: Clock['schedule']): PendingCloses {
  const pending = new Map<object, () => void>();
  let waiters: Array<() => void> = [];
  const wakeIfNone = (): void => {
    if (pending.size === 0) for (const wake of waiters.splice(0)) wake();
  };
  return {
    add(socket, terminate) {
      pending.set(socket, terminate);
    },
    done(socket) {
      if (pending.delete(socket) && pending.size === 0 && waiters.length > 0) schedule(0, wakeIfNone);
    },
    get size() {
      return pending.size;
    },
    settled(withinMs) {
      return new Promise((resolve) => {
        if (pending.size === 0) return void schedule(0, resolve);
        const wake = (): void => {
          cancel();
          resolve();
        };
        const cancel = schedule(withinMs, () => {
          waiters = waiters.filter((w) => w !== wake);
          for (const terminate of [...pending.values()]) terminate();
          resolve();
        });
        waiters.push(wake);
      });
    },
  };
}
