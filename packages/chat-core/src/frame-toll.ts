import type { AddressEntry } from './address-book';
import type { Limits } from './limits';
import type { Clock } from './ports/clock';
import { createTokenBucket, type TokenBucket } from './rate-limit';

/** At most one `RATE_LIMITED` error frame per connection per this many ms; other refused frames are dropped silently. */
export const RATE_LIMITED_NOTICE_INTERVAL_MS = 1000;
/** Error frames answering invalid frames a connection gets at once: a client that makes a few mistakes sees each one. */
export const ERROR_REPLY_BURST = 20;
/** ...and then per second; beyond, invalid frames are dropped without an answer (still a strike). */
export const ERROR_REPLIES_PER_SEC = 2;

/** What a strike was for: a frame refused by a bucket, or the error code an invalid frame got. */
export type StrikeKind = string;

/**
 * What one connection pays for its inbound frames, and what it owes for its
 * abuse (issue #10): every frame takes a token from the connection's bucket
 * and its address's bucket before it is parsed; refused and invalid frames
 * are strikes on a leaky counter that drains `abuseStrikes` per
 * `abuseWindowMs`, so a burst of `abuseStrikes` strikes (or a sustained rate
 * above `abuseStrikes / abuseWindowMs`) reaches the limit, while a client
 * making a mistake now and then never does.
 */
export interface FrameToll {
  /** The connection's own bucket (`rateLimitPerSec` / `rateLimitBurst`). */
  readonly bucket: TokenBucket;
  /**
   * Pays one token for an inbound frame: from the connection's bucket, then
   * from the address's. False: refused (drop the frame). A frame the
   * connection's bucket refuses costs the address nothing, so one flooding
   * connection cannot drain its neighbours' shared bucket beyond its own rate.
   */
  pay(): boolean;
  /** Gives back the token `pay` took, to both buckets: the frame turned out free (a `typing` repeat, extensions.md). */
  refund(): void;
  /** Counts a strike; true once the counter has reached `abuseStrikes` (close the connection). */
  strike(kind: StrikeKind): boolean;
  /** Whether a `RATE_LIMITED` notice may go out now (then it is counted as sent). */
  mayNoticeRateLimit(): boolean;
  /** Whether an error frame answering an invalid frame may go out now (then it is counted as sent). */
  mayAnswerError(): boolean;
  /** Charges `floor(bytes / costBytesPerToken)` tokens to both buckets for an answer of `bytes` (may go into debt). */
  chargeAnswer(bytes: number): void;
  /** Strikes so far by kind, for the log line (counts only, never content). */
  strikeKinds(): Readonly<Record<StrikeKind, number>>;
}

type TollLimits = Pick<Limits, 'rateLimitPerSec' | 'rateLimitBurst' | 'abuseStrikes' | 'abuseWindowMs' | 'costBytesPerToken'>;

/**
 * A class with its methods on one shared prototype: every connection holds
 * a toll, and the closure version cost a context and seven functions each
 * (~500 B per idle connection, docs/benchmarks.md). The error-reply bucket
 * and the strike counts are made on first use: most connections never send
 * an invalid frame.
 */
class ConnectionToll implements FrameToll {
  readonly bucket: TokenBucket;
  private errors: TokenBucket | undefined;
  private kinds: Record<StrikeKind, number> | undefined;
  private level = 0;
  private levelAt: number;
  private lastNotice = -Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly limits: TollLimits,
    private readonly address: AddressEntry,
  ) {
    const opened = clock.now();
    this.bucket = createTokenBucket(limits.rateLimitPerSec, limits.rateLimitBurst, opened);
    this.levelAt = opened;
  }

  pay(): boolean {
    const now = this.clock.now();
    return this.bucket.take(now) && this.address.bucket.take(now);
  }

  refund(): void {
    const now = this.clock.now();
    this.bucket.refund(now);
    this.address.bucket.refund(now);
  }

  strike(kind: StrikeKind): boolean {
    const kinds = (this.kinds ??= {});
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    const now = this.clock.now();
    const drainPerMs = this.limits.abuseStrikes / this.limits.abuseWindowMs;
    this.level = Math.max(0, this.level - (now - this.levelAt) * drainPerMs) + 1;
    this.levelAt = now;
    return this.level >= this.limits.abuseStrikes;
  }

  mayNoticeRateLimit(): boolean {
    const now = this.clock.now();
    if (now - this.lastNotice < RATE_LIMITED_NOTICE_INTERVAL_MS) return false;
    this.lastNotice = now;
    return true;
  }

  mayAnswerError(): boolean {
    const now = this.clock.now();
    // Full until first used, exactly as if it had been made at the open.
    this.errors ??= createTokenBucket(ERROR_REPLIES_PER_SEC, ERROR_REPLY_BURST, now);
    return this.errors.take(now);
  }

  chargeAnswer(bytes: number): void {
    const tokens = Math.floor(bytes / this.limits.costBytesPerToken);
    if (tokens < 1) return;
    const now = this.clock.now();
    this.bucket.charge(tokens, now);
    this.address.bucket.charge(tokens, now);
  }

  strikeKinds(): Readonly<Record<StrikeKind, number>> {
    return { ...this.kinds };
  }
}

export function createFrameToll(clock: Clock, limits: TollLimits, address: AddressEntry): FrameToll {
  return new ConnectionToll(clock, limits, address);
}
