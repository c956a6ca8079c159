/**
 * What a store's health check remembers about its writes (issue #10: /healthz
 * answered 200 while every write failed with "disk is full"). A check that
 * commits its own tiny write is not proof enough alone: on SQLite a one-row
 * probe still fits in the WAL's last allocated bytes while every real append
 * fails. So a store also reports the last time a whole write batch failed,
 * until a write succeeds again or `holdMs` passes. Bounded, so an instance a
 * load balancer took out of rotation (and so gets no writes) is probed afresh
 * and comes back. Pure: the caller passes the time.
 */
export interface WriteHealth {
  /**
   * A write batch failed as a whole (disk full, I/O, lost connection, lock),
   * at `nowMs`. Not for one item's own error (a duplicate id, a missing room):
   * that says nothing about the store.
   */
  failed(error: unknown, nowMs: number): void;
  /** A write committed: earlier failures no longer count. */
  succeeded(): void;
  /**
   * Throws the last whole-batch failure when it is less than `holdMs` old at
   * `nowMs` and no write succeeded since; otherwise returns.
   */
  assertWritable(nowMs: number): void;
}

/** Default `holdMs` of `createWriteHealth`: how long a failed write batch keeps a check failing, in ms. */
export const WRITE_FAILURE_HOLD_MS = 10_000;

/**
 * `nowMs` must come from one monotonic clock (`performance.now()`): a wall
 * clock stepped back would stretch the hold by the step.
 */
export function createWriteHealth(holdMs: number = WRITE_FAILURE_HOLD_MS): WriteHealth {
  let last: { readonly error: unknown; readonly atMs: number } | undefined;
  return {
    failed(error, nowMs) {
      last = { error, atMs: nowMs };
    },
    succeeded() {
      last = undefined;
    },
    assertWritable(nowMs) {
      if (last === undefined) return;
      if (nowMs - last.atMs >= holdMs) {
        last = undefined;
        return;
      }
      throw last.error;
    },
  };
}
