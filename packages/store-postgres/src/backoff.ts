export interface Backoff {
  /** The delay before the next attempt, in ms; each call doubles the base up to the cap. */
  next(): number;
  /** Back to the initial delay, after a success. */
  reset(): void;
}

export interface BackoffOptions {
  /** First delay's upper bound, in ms. Default 100. */
  readonly initialMs?: number;
  /** Largest delay, in ms. Default 5000. */
  readonly maxMs?: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  readonly random?: () => number;
}

/**
 * Exponential backoff with "equal jitter": half the current step plus a
 * random part of the other half. The random part spreads the reconnects of
 * many instances after a database restart, so they do not all arrive at
 * once; the fixed half keeps a flapping server from being hammered.
 */
export function createBackoff(options: BackoffOptions = {}): Backoff {
  const initialMs = options.initialMs ?? 100;
  const maxMs = options.maxMs ?? 5000;
  const random = options.random ?? Math.random;
  let attempt = 0;
  return {
    next() {
      const step = Math.min(maxMs, initialMs * 2 ** attempt);
      if (step < maxMs) attempt++;
      return Math.round(step / 2 + random() * (step / 2));
    },
    reset() {
      attempt = 0;
    },
  };
}
