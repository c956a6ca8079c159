/**
 * Token bucket: `burst` requests at once, refilled at `perSec`. Pure; the
 * caller passes the time, so tests drive it with a fake clock.
 */
export interface TokenBucket {
  /** Takes one token if there is one. */
  take(nowMs: number): boolean;
}

export function createTokenBucket(perSec: number, burst: number, nowMs: number): TokenBucket {
  let tokens = burst;
  let last = nowMs;
  return {
    take(now) {
      if (now > last) {
        tokens = Math.min(burst, tokens + ((now - last) * perSec) / 1000);
        last = now;
      }
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
