import { randomBytes } from 'node:crypto';
import { busChannelFor, openPostgresBus, type PostgresBus } from '@rgchat/store-postgres';

/** Events heard on the servers' bus, by kind, since the counter opened. */
export interface BusCounter {
  snapshot(): Record<string, number>;
  close(): Promise<void>;
}

/**
 * Listens on the NOTIFY channel of servers sharing a Postgres schema, as one
 * more instance that never publishes, and counts what they send each other
 * (presence, typing, messages...). Its own instance id is unique, so it
 * hears every server.
 */
export async function openBusCounter(url: string, schema: string): Promise<BusCounter> {
  const bus: PostgresBus = await openPostgresBus({ url, schema, instanceId: `bench_${randomBytes(6).toString('hex')}`, channel: busChannelFor(schema) });
  const counts: Record<string, number> = {};
  bus.subscribe((e) => {
    counts[e.kind] = (counts[e.kind] ?? 0) + 1;
  });
  return { snapshot: () => ({ ...counts }), close: () => bus.close() };
}

/** What was counted between two snapshots. */
export function countsBetween(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [kind, n] of Object.entries(b)) if (n - (a[kind] ?? 0) > 0) out[kind] = n - (a[kind] ?? 0);
  return out;
}
