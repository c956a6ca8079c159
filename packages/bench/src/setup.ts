import { openClient, type BenchClient, type ClientOptions, type Frame } from './client';
import { createHistogram, summarizeMicros, type LatencySummaryMs } from './histogram';
import { round } from './proc-stats';

export interface ConnectResult {
  readonly clients: BenchClient[];
  readonly failures: string[];
  readonly stats: ConnectStats;
}

export interface ConnectStats {
  attempted: number;
  connected: number;
  failed: number;
  seconds: number;
  /** Connections completed (socket open + hello → welcome) per second. */
  perSec: number;
  /** Per connection: open + hello → welcome. */
  latencyMs: LatencySummaryMs;
}

/** Opens `count` connections (indices from `firstIndex`) with at most `concurrency` in flight. */
export async function connectMany(count: number, firstIndex: number, options: ClientOptions, concurrency: number): Promise<ConnectResult> {
  const clients: BenchClient[] = [];
  const failures: string[] = [];
  const hist = createHistogram();
  const t0 = performance.now();
  let next = 0;
  async function worker(): Promise<void> {
    while (next < count) {
      const index = firstIndex + next++;
      const started = performance.now();
      try {
        clients.push(await openClient(index, options));
        hist.record((performance.now() - started) * 1000);
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const seconds = (performance.now() - t0) / 1000;
  clients.sort((a, b) => a.index - b.index);
  return {
    clients,
    failures,
    stats: {
      attempted: count,
      connected: clients.length,
      failed: failures.length,
      seconds: round(seconds, 3),
      perSec: seconds > 0 ? Math.round(clients.length / seconds) : 0,
      latencyMs: summarizeMicros(hist),
    },
  };
}

export interface RoomPlan {
  readonly id: string;
  readonly name: string;
  readonly members: BenchClient[];
  /** The first `senders` members. */
  readonly senders: BenchClient[];
}

const roomsOf = (f: Frame): Array<{ id?: unknown; name?: unknown }> => (Array.isArray(f['rooms']) ? (f['rooms'] as Array<{ id?: unknown; name?: unknown }>) : []);

/** Creates the room (idempotent in rg-chat-v1) and returns its id as the server's answer (room_list, or room_update with `rooms`) shows it. */
export async function createRoom(creator: BenchClient, name: string): Promise<string> {
  const { frame } = await creator.request({ type: 'create_room', name }, creator.roomListType, (f) => roomsOf(f).some((r) => r.name === name || r.id === name));
  const room = roomsOf(frame).find((r) => r.name === name) ?? roomsOf(frame).find((r) => r.id === name);
  return typeof room?.id === 'string' ? room.id : name;
}

/** Joins `roomId` and resolves with the joined_room reply (timed at arrival). */
export async function joinRoom(client: BenchClient, roomId: string) {
  const reply = await client.request({ type: 'join_room', roomId }, 'joined_room', (f) => (f['room'] as { id?: unknown } | undefined)?.id === roomId);
  client.roomId = roomId;
  return reply;
}

/** Runs `fn` over `items` with at most `concurrency` at once. */
export async function forEachLimited<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) await fn(items[next++]!);
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/**
 * Puts clients round-robin into `roomCount` rooms named `<prefix>-<r>`,
 * creating each room from its first member, then joins every member.
 */
export async function setupRooms(
  clients: readonly BenchClient[],
  roomCount: number,
  prefix: string,
  sendersPerRoom: number,
  concurrency: number,
): Promise<RoomPlan[]> {
  const groups: BenchClient[][] = Array.from({ length: roomCount }, () => []);
  clients.forEach((c, i) => groups[i % roomCount]!.push(c));
  const rooms: RoomPlan[] = [];
  await forEachLimited(
    groups.map((members, r) => ({ members, r })),
    concurrency,
    async ({ members, r }) => {
      const name = `${prefix}-${r}`;
      const id = await createRoom(members[0]!, name);
      rooms[r] = { id, name, members, senders: members.slice(0, sendersPerRoom) };
    },
  );
  const joins = rooms.flatMap((room) => room.members.map((c) => ({ c, id: room.id })));
  await forEachLimited(joins, concurrency, async ({ c, id }) => {
    await joinRoom(c, id);
  });
  return rooms;
}

/** Closes every client, in parallel; never throws. */
export async function closeAll(clients: readonly BenchClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
}
