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

/**
 * A class, not a closure: every connection holds two buckets, and closures
 * cost each bucket a context and five function objects (~300 B more per
 * bucket in the idle-memory measurement, docs/benchmarks.md).
 */
class Bucket implements TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSec: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.last = nowMs;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSec) / 1000);
      this.last = now;
    }
  }

  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  charge(n: number, now: number): void {
    this.refill(now);
    this.tokens = Math.max(-this.burst, this.tokens - n);
  }

  refund(now: number): void {
    this.refill(now);
    this.tokens = Math.min(this.burst, this.tokens + 1);
  }

  full(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }
}

export function createTokenBucket(perSec: number, burst: number, nowMs: number): TokenBucket {
  return new Bucket(perSec, burst, nowMs);
}
