import { addressKey } from './address-key';
import type { Limits } from './limits';
import { createTokenBucket, type TokenBucket } from './rate-limit';

/**
 * Addresses without a connection kept at most, for their buckets' debt. The
 * book's hard bound is the connected addresses (at most `maxConnections`,
 * enforced at upgrade) plus this many: rotating or spoofed addresses push
 * out the oldest idle entry (forgetting what it owed), never grow the map.
 */
export const MAX_IDLE_ADDRESSES = 10_000;

/** One client address (an IPv6 /64, see `addressKey`): its open connections and the frame bucket they share. */
export interface AddressEntry {
  /** The key it is counted under (`addressKey`). */
  readonly address: string;
  /** Open connections from this address. */
  connections: number;
  /** `rateLimitPerIpPerSec` / `rateLimitPerIpBurst`, paid by every frame of every connection. */
  readonly bucket: TokenBucket;
}

/** Whether one more connection fits: `server-full` past `maxConnections`, `address-full` past `maxConnectionsPerIp`. */
export type Admission = 'ok' | 'server-full' | 'address-full' | 'banned';

/** Per-address state (buckets, connection counts), bounded; counted by core on open and close. */
export interface AddressBook {
  /** Whether a new connection from `address` fits under both caps. Changes nothing. */
  admit(address: string): Admission;
  /** The entry of `address`, if tracked. */
  entry(address: string): AddressEntry | undefined;
  /** A connection from `address` opened: counts it and returns its entry. */
  attach(address: string, nowMs: number): AddressEntry;
  /** A connection attached with `entry` closed. Call once per `attach`. */
  detach(entry: AddressEntry, nowMs: number): void;
  /** Forgets idle addresses whose buckets are full again (they owe nothing). */
  sweep(nowMs: number): void;
  /** Open connections over all addresses. */
  readonly connections: number;
  /** Addresses tracked now (connected plus idle). */
  readonly size: number;
}

type BookLimits = Pick<Limits, 'maxConnections' | 'maxConnectionsPerIp' | 'rateLimitPerIpPerSec' | 'rateLimitPerIpBurst'>;

export function createAddressBook(limits: BookLimits, maxIdle = MAX_IDLE_ADDRESSES): AddressBook {
  const entries = new Map<string, AddressEntry>();
  // Entries with no connection, oldest idle first (Map keeps insertion order).
  const idle = new Map<string, AddressEntry>();
  let connections = 0;

  const forget = (entry: AddressEntry): void => {
    entries.delete(entry.address);
    idle.delete(entry.address);
  };

  return {
    admit(address) {
      if (connections >= limits.maxConnections) return 'server-full';
      if ((entries.get(addressKey(address))?.connections ?? 0) >= limits.maxConnectionsPerIp) return 'address-full';
      return 'ok';
    },

    entry: (address) => entries.get(addressKey(address)),

    attach(remoteAddress, now) {
      const address = addressKey(remoteAddress);
      let entry = entries.get(address);
      if (!entry) {
        entry = { address, connections: 0, bucket: createTokenBucket(limits.rateLimitPerIpPerSec, limits.rateLimitPerIpBurst, now) };
        entries.set(address, entry);
      }
      idle.delete(address);
      entry.connections++;
      connections++;
      return entry;
    },

    detach(entry, now) {
      entry.connections--;
      connections--;
      if (entry.connections > 0) return;
      if (entry.bucket.full(now)) return forget(entry);
      idle.set(entry.address, entry);
      if (idle.size > maxIdle) {
        const oldest = idle.values().next().value as AddressEntry;
        forget(oldest);
      }
    },

    sweep(now) {
      for (const entry of [...idle.values()]) if (entry.bucket.full(now)) forget(entry);
    },

    get connections() {
      return connections;
    },
    get size() {
      return entries.size;
    },
  };
}
