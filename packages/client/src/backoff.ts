/** Reconnect delays: exponential, capped, with full jitter so a restart's clients do not return in step. */
export interface BackoffOptions {
  /** First delay's ceiling (default 500 ms). */
  readonly minDelayMs?: number;
  /** Cap on every delay (default 30,000 ms). */
  readonly maxDelayMs?: number;
}

export interface Backoff {
  /** The delay before attempt number `attempt` (0 for the first retry), at least `floorMs`. */
  delayMs(attempt: number, floorMs?: number): number;
}

export function createBackoff(options: BackoffOptions = {}, random: () => number = Math.random): Backoff {
  const min = options.minDelayMs ?? 500;
  const max = Math.max(min, options.maxDelayMs ?? 30_000);
  return {
    delayMs(attempt, floorMs = 0) {
      const ceiling = Math.min(max, min * 2 ** Math.min(attempt, 30));
      // Full jitter (uniform in [ceiling/2, ceiling]) keeps the expected delay
      // growing while spreading a crowd over half the window.
      const jittered = ceiling / 2 + random() * (ceiling / 2);
      return Math.round(Math.max(floorMs, jittered));
    },
  };
}
