/** Cancels a scheduled callback; calling it twice is harmless. */
export type Cancel = () => void;

/**
 * Time and timers. Core never reads the wall clock or starts a timer itself,
 * so its tests drive time with a fake and stay deterministic.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `fn` once after `delayMs`. */
  schedule(delayMs: number, fn: () => void): Cancel;
  /** Runs `fn` every `intervalMs` until cancelled. */
  every(intervalMs: number, fn: () => void): Cancel;
}
