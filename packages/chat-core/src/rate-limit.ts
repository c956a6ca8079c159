/**
 * Token bucket: `burst` requests at once, refilled at `perSec`. Pure; the
 * caller passes the time, so tests drive it with a fake clock.
 */
export interface TokenBucket {
  /** Takes one token if there is one. */
  take(nowMs: number): boolean;
  /**
   * Takes `tokens` more after the fact (a heavy answer's cost), going into
   * debt down to `-burst` at most, so the next requests wait for the refill.
   */
  charge(tokens: number, nowMs: number): void;
  /** Gives back one token taken for a request that turned out free (never above `burst`). */
  refund(nowMs: number): void;
  /** True when the bucket has refilled to `burst` (nothing owed, nothing to remember). */
  full(nowMs: number): boolean;
}

export function createTokenBucket(perSec: number, burst: number, nowMs: number): TokenBucket {
  let tokens = burst;
  let last = nowMs;
  const refill = (now: number): void => {
    if (now > last) {
      tokens = Math.min(burst, tokens + ((now - last) * perSec) / 1000);
      last = now;
    }
  };
  return {
    take(now) {
      refill(now);
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    charge(n, now) {
      refill(now);
      tokens = Math.max(-burst, tokens - n);
    },
    refund(now) {
      refill(now);
      tokens = Math.min(burst, tokens + 1);
    },
    full(now) {
      refill(now);
      return tokens >= burst;
    },
  };
}
