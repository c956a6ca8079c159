import { addressKey } from './address-key';
import { createTokenBucket, type TokenBucket } from './rate-limit';

const HOUR_MS = 3_600_000;

/**
 * Most addresses tracked at once. Past it, addresses whose bucket is full
 * again are dropped, then the oldest: a flood of addresses costs a bounded
 * map, at worst handing an old address a fresh quota.
 */
export const MAX_QUOTA_ADDRESSES = 100_000;

/** New rooms per client address (an IPv6 /64) per hour: a token bucket per address. */
export interface RoomCreateQuota {
  /** Takes one room creation from `address`'s hourly quota; false when it is used up. */
  take(address: string, nowMs: number): boolean;
  /** Drops every address whose bucket is full again (it would behave exactly like a new one). */
  prune(nowMs: number): void;
  /** Addresses tracked (for tests). */
  readonly size: number;
}

interface Entry {
  readonly bucket: TokenBucket;
  /** When the bucket is full again if nothing more is taken. */
  fullAtMs: number;
}

/**
 * `perHour` creations at once, refilled evenly over the hour (so 30/hour is
 * one more every two minutes). `maxAddresses` bounds the map.
 */
export function createRoomCreateQuota(perHour: number, maxAddresses = MAX_QUOTA_ADDRESSES): RoomCreateQuota {
  const perSec = (perHour * 1000) / HOUR_MS;
  const refillMsPerToken = HOUR_MS / perHour;
  const entries = new Map<string, Entry>();

  const prune = (nowMs: number) => {
    for (const [address, e] of entries) if (e.fullAtMs <= nowMs) entries.delete(address);
  };

  return {
    take(remoteAddress, nowMs) {
      // An IPv6 subscriber's whole /64 shares one quota (see addressKey).
      const address = addressKey(remoteAddress);
      let e = entries.get(address);
      if (!e) {
        if (entries.size >= maxAddresses) {
          prune(nowMs);
          // Still full: the oldest entry goes (Map keeps insertion order).
          if (entries.size >= maxAddresses) entries.delete(entries.keys().next().value as string);
        }
        e = { bucket: createTokenBucket(perSec, perHour, nowMs), fullAtMs: nowMs };
        entries.set(address, e);
      }
      if (!e.bucket.take(nowMs)) return false;
      e.fullAtMs = Math.max(e.fullAtMs, nowMs) + refillMsPerToken;
      return true;
    },
    prune,
    get size() {
      return entries.size;
    },
  };
}
