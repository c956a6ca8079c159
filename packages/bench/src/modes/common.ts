import type { ClientOptions } from '../client';
import type { RunContext } from '../phase';
import { closeAll, connectMany, setupRooms, type ConnectResult, type RoomPlan } from '../setup';

export const clientOptions = (ctx: RunContext): ClientOptions => ({
  url: ctx.options.url,
  alsoUrl: ctx.options.alsoUrl,
  origin: ctx.options.origin,
  timeoutMs: ctx.options.requestTimeoutS * 1000,
  tally: ctx.tally,
  features: ctx.options.features,
});

/** Connects `count` clients and puts them in the option's rooms; any failure aborts (membership would be off). */
export async function connectFleet(ctx: RunContext, count: number, sendersPerRoom: number): Promise<{ conn: ConnectResult; rooms: RoomPlan[] }> {
  const o = ctx.options;
  ctx.log(`connecting ${count} clients to ${o.url} ...`);
  const conn = await connectMany(count, 0, clientOptions(ctx), o.connectConcurrency);
  if (conn.failures.length > 0) {
    await closeAll(conn.clients);
    throw new Error(`${conn.failures.length} of ${count} connections failed; first: ${conn.failures[0]}`);
  }
  ctx.log(`connected ${count} in ${conn.stats.seconds} s; creating and joining ${o.rooms} rooms ...`);
  const rooms = await setupRooms(conn.clients, o.rooms, o.roomPrefix, sendersPerRoom, o.connectConcurrency);
  return { conn, rooms };
}

/** Offered load of these rooms at `ratePerSec` per sender. */
export function offeredOf(rooms: readonly RoomPlan[], ratePerSec: number, excludeReceivers = 0) {
  let messagesPerSec = 0;
  let deliveriesPerSec = 0;
  let members = 0;
  for (const r of rooms) {
    const m = r.senders.length * ratePerSec;
    messagesPerSec += m;
    deliveriesPerSec += m * r.members.length;
    members += r.members.length;
  }
  // The slow-reader phase does not count the slow one's deliveries as offered to "others".
  if (excludeReceivers > 0 && rooms[0]) deliveriesPerSec -= rooms[0].senders.length * ratePerSec * excludeReceivers;
  return { messagesPerSec, deliveriesPerSec, membersPerRoom: rooms.length ? members / rooms.length : 0 };
}
