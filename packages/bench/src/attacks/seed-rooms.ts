import { openClient, type BenchClient, type ClientOptions } from '../client';
import { closeAll, createRoom, joinRoom } from '../setup';

/**
 * Messages one seeding connection sends: with hello and join_room it stays
 * inside rgchat's default per-connection burst (30 requests), so seeding
 * works against a server with its real limits, which the abuse mode wants.
 */
const MESSAGES_PER_SEEDER = 20;
/**
 * Pause after each seeder: its ~22 frames, plus the tokens its join's
 * history costs (COST_BYTES_PER_TOKEN), stay under rgchat's default
 * per-address rate (RATE_LIMIT_PER_IP_PER_SEC 40), which every seeder
 * shares; faster, the address runs dry and the refusals count as strikes.
 */
const SEEDER_PAUSE_MS = 1000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Creates room `name` and adds `count` messages to it from several short-lived
 * connections; resolves with the room id once a watcher in the room has seen
 * them all. Rejects with a hint when the server rate-limits the seeding.
 */
export async function seedRoom(name: string, count: number, options: ClientOptions, firstIndex: number): Promise<string> {
  const watcher = await openClient(firstIndex, options);
  const clients: BenchClient[] = [watcher];
  try {
    const roomId = await createRoom(watcher, name);
    await joinRoom(watcher, roomId);
    const seen0 = watcher.unstampedMessages;
    const limited0 = options.tally.errorsByCode['RATE_LIMITED'] ?? 0;
    for (let sent = 0, i = 1; sent < count; i++) {
      const seeder = await openClient(firstIndex + i, options);
      clients.push(seeder);
      await joinRoom(seeder, roomId);
      const n = Math.min(MESSAGES_PER_SEEDER, count - sent);
      for (let k = 0; k < n; k++) seeder.send(JSON.stringify({ type: 'send_message', roomId, message: { text: `seed ${sent + k} ${'s'.repeat(100)}` } }));
      sent += n;
      if (sent < count) await sleep(SEEDER_PAUSE_MS);
    }
    const deadline = performance.now() + options.timeoutMs;
    while (watcher.unstampedMessages - seen0 < count) {
      if ((options.tally.errorsByCode['RATE_LIMITED'] ?? 0) > limited0) throw new Error(`the server rate-limited seeding ${roomId}; is RATE_LIMIT_BURST below ${MESSAGES_PER_SEEDER + 2}?`);
      if (performance.now() > deadline) throw new Error(`seeding ${roomId} stalled at ${watcher.unstampedMessages - seen0} of ${count} messages`);
      await sleep(10);
    }
    return roomId;
  } finally {
    await closeAll(clients);
  }
}
