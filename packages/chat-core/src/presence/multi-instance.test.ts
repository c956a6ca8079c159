import { createFakeClock, createFakeConnection, createLinkedBuses, createMemoryStore, type FakeClock, type FakeConnection, type LinkedBus } from '@rgchat/testkit';
import { createChatServer, type ChatServer } from '../chat-server';
import type { Ids } from '../ports/ids';
import type { ChatStore } from '../ports/store';

const flush = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

function counterIds(prefix: string): Ids {
  let c = 0;
  let m = 0;
  return { connectionId: () => `${prefix}_conn_${++c}`, messageId: () => `${prefix}_msg_${++m}`, randomInt: (n) => 42 % n };
}

interface Client {
  readonly c: FakeConnection;
  readonly id: string;
  send(frame: unknown): void;
  closed(): void;
}

interface Instance {
  readonly chat: ChatServer;
  readonly bus: LinkedBus;
  connect(name: string, features?: string[], roomId?: string): Promise<Client>;
}

const TTL_MS = 3000;

/**
 * Instances of core on one fake clock and one shared memory store, whose
 * buses reach each other through core's codec (testkit's linked buses), as
 * instances on one Postgres do.
 */
async function cluster(maxEventBytes?: number) {
  const clock: FakeClock = createFakeClock();
  const store: ChatStore = createMemoryStore();
  await store.createRoom({ id: 'lobby', name: 'Lobby', createdAt: 1 });
  const link = createLinkedBuses({ clock, delayMs: 5, ...(maxEventBytes === undefined ? {} : { maxEventBytes }) });
  /** Lets the store answer and the buses deliver. */
  const settle = async () => {
    for (let i = 0; i < 4; i++) {
      await flush();
      clock.advance(10);
    }
    await flush();
  };
  let started = 0;
  const start = async (): Promise<Instance> => {
    const name = `i${++started}`;
    const bus = link.open(name);
    const chat = createChatServer({ store, clock, ids: counterIds(name), bus, instanceId: name }, { limits: { presenceTtlMs: TTL_MS } });
    await chat.start();
    await settle();
    return {
      chat,
      bus,
      async connect(who, features = ['presence', 'typing'], roomId = 'lobby') {
        const c = createFakeConnection();
        const events = chat.open(c);
        const send = (frame: unknown) => events.message(JSON.stringify(frame), false);
        send({ type: 'hello', profile: { name: who, avatarId: 1 }, features });
        if (roomId) send({ type: 'join_room', roomId });
        await settle();
        return { c, id: String(c.framesOf('welcome')[0]?.['self']?.clientId), send, closed: () => events.closed(1000, '') };
      },
    };
  };
  return { clock, store, settle, start };
}

const ids = (members: unknown): string[] => (members as Array<{ clientId: string }>).map((m) => m.clientId).sort();
const onlineOf = (chat: ChatServer) => (chat.searchRooms({ limit: 10 }).rooms.find((r) => r.id === 'lobby') as { online?: number } | undefined)?.online;
/** What a watcher's presence frames say the room holds, applied in order on top of its joined_room members. */
function viewOf(client: Client): string[] {
  const joined = client.c.framesOf('joined_room').at(-1)!;
  const view = new Set(ids(joined['members']));
  for (const f of client.c.framesOf('presence')) {
    for (const m of f['joined'] as Array<{ clientId: string }>) view.add(m.clientId);
    for (const id of f['left'] as string[]) view.delete(id);
  }
  return [...view].sort();
}

describe('presence across instances (over the bus, nothing stored)', () => {
  test('members are complete on both instances; joins, leaves and typing cross; online agrees', async () => {
    const { start, settle, clock } = await cluster();
    const a = await start();
    const b = await start();
    const a1 = await a.connect('a1');
    const b1 = await b.connect('b1');
    const a2 = await a.connect('a2', undefined);
    const v1 = await b.connect('v1', []);
    const everyone = [a1.id, a2.id, b1.id, v1.id].sort();
    expect(ids(a2.c.framesOf('joined_room')[0]!['members'])).toEqual([a1.id, a2.id, b1.id].sort());
    await settle();
    const b2 = await b.connect('b2');
    expect(ids(b2.c.framesOf('joined_room')[0]!['members'])).toEqual([...everyone, b2.id].sort());
    expect(onlineOf(a.chat)).toBe(5);
    expect(onlineOf(b.chat)).toBe(5);
    // Diffs from the other instance reach watchers here, at the next presence tick.
    clock.advance(250);
    expect(viewOf(a1)).toEqual([...everyone, b2.id].sort());
    b2.closed();
    await settle();
    clock.advance(250);
    expect(viewOf(a1)).toEqual(everyone);
    expect(onlineOf(a.chat)).toBe(4);
    // Typing crosses too, to typing members only.
    b1.send({ type: 'typing', roomId: 'lobby', active: true });
    await settle();
    expect(a1.c.framesOf('typing')).toEqual([{ type: 'typing', roomId: 'lobby', clientId: b1.id, name: 'b1', active: true }]);
    expect(v1.c.framesOf('typing')).toEqual([]);
    expect(v1.c.framesOf('presence')).toEqual([]);
  });

  test('an instance killed without a goodbye: its members leave the others within the TTL', async () => {
    const { start, settle, clock } = await cluster();
    const a = await start();
    const b = await start();
    const watcher = await a.connect('watcher');
    const doomed = [await b.connect('d1'), await b.connect('d2', [])];
    await settle();
    expect(onlineOf(a.chat)).toBe(3);
    b.bus.cut();
    const killedAt = clock.now();
    // Just before the TTL they are still there (a live instance beats every TTL/3)...
    clock.advance(TTL_MS - 300);
    expect(onlineOf(a.chat)).toBe(3);
    // ...and by TTL + PRESENCE_INTERVAL_MS the watcher has their `left`.
    clock.advance(300 + 250);
    expect(onlineOf(a.chat)).toBe(1);
    const leftFrame = watcher.c.framesOf('presence').find((f) => (f['left'] as string[]).length > 0)!;
    expect([...(leftFrame['left'] as string[])].sort()).toEqual(doomed.map((d) => d.id).sort());
    expect(clock.now() - killedAt).toBeLessThanOrEqual(TTL_MS + 250);
  });

  test('a live instance is never dropped however long it runs', async () => {
    const { start, clock } = await cluster();
    const a = await start();
    const b = await start();
    await a.connect('a1');
    await b.connect('b1');
    clock.advance(TTL_MS * 10);
    expect(onlineOf(a.chat)).toBe(2);
    expect(onlineOf(b.chat)).toBe(2);
  });

  test('a closing instance says goodbye: its members leave the others at once', async () => {
    const { start, settle } = await cluster();
    const a = await start();
    const b = await start();
    await a.connect('a1');
    await b.connect('b1');
    await b.connect('b2');
    b.chat.close();
    await settle();
    expect(onlineOf(a.chat)).toBe(1);
  });

  test('an instance that starts later learns the members of every instance, in parts that fit the bus', async () => {
    // Small events: each instance's 20 members (about 40 bytes each) take several parts.
    const { start, settle } = await cluster(600);
    const a = await start();
    const b = await start();
    const members: Client[] = [];
    for (let i = 0; i < 20; i++) members.push(await a.connect(`a${i}`), await b.connect(`b${i}`));
    const c = await start();
    await settle();
    const late = await c.connect('late');
    expect(ids(late.c.framesOf('joined_room')[0]!['members'])).toEqual([...members.map((m) => m.id), late.id].sort());
    const parts = [a, b].flatMap((i) => i.bus.sent.filter((e) => e.kind === 'presence_state'));
    // Two answers to B's and C's start-up requests of A (the first empty), one of B: at least 2 parts each for 20 members.
    expect(parts.length).toBeGreaterThanOrEqual(5);
    for (const p of parts) if (p.kind === 'presence_state') expect(p.members.length).toBeLessThan(20);
  });

  test('lost presence events are repaired: a beat whose count disagrees asks for the state again', async () => {
    const { start, settle, clock } = await cluster();
    const a = await start();
    const b = await start();
    await a.connect('a1');
    // B misses A's next join, as if its NOTIFY was lost.
    const bLink = b.bus;
    const origPublish = a.bus.publish.bind(a.bus);
    let dropped = 0;
    a.bus.publish = (event) => {
      // Local delivery still happens; only the cross-instance part is lost.
      if (event.kind === 'presence') {
        dropped++;
        return;
      }
      origPublish(event);
    };
    await a.connect('a2');
    a.bus.publish = origPublish;
    expect(dropped).toBe(1);
    expect(onlineOf(b.chat)).toBe(1);
    // A's next beat (every TTL/3) says 2: B asks, A answers, B is right again.
    clock.advance(TTL_MS / 3 + 10);
    await settle();
    expect(onlineOf(b.chat)).toBe(2);
    expect(bLink.sent.some((e) => e.kind === 'presence_sync' && e.target === 'i1')).toBe(true);
  });

  test('a bus that may have missed events (resync) asks every instance for its state and tells its own', async () => {
    const { start, settle } = await cluster();
    const a = await start();
    const b = await start();
    await a.connect('a1');
    await b.connect('b1');
    const before = b.bus.sent.length;
    b.bus.publish({ kind: 'resync' });
    await settle();
    const after = b.bus.sent.slice(before);
    expect(after.some((e) => e.kind === 'presence_sync' && e.target === null)).toBe(true);
    expect(after.some((e) => e.kind === 'presence_state' && e.last && e.members.length === 1)).toBe(true);
    expect(a.bus.sent.some((e) => e.kind === 'presence_state' && e.members.length === 1)).toBe(true);
    expect(onlineOf(a.chat)).toBe(2);
    expect(onlineOf(b.chat)).toBe(2);
  });
});
