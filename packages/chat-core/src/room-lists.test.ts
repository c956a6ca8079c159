import { createFakeClock, createFakeConnection, createMemoryStore, type FakeConnection } from '@rgchat/testkit';
import { createChatServer, type ChatServerOptions } from './chat-server';
import { createMemoryBus } from './memory-bus';
import type { BusEvent } from './ports/bus';
import type { Ids } from './ports/ids';
import type { ChatStore } from './ports/store';

const flush = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

function counterIds(): Ids {
  let c = 0;
  let m = 0;
  return { connectionId: () => `conn_${++c}`, messageId: () => `msg_${++m}`, randomInt: (n) => 42 % n };
}

async function setup(options: ChatServerOptions = {}, store: ChatStore = createMemoryStore()) {
  const clock = createFakeClock();
  const bus = createMemoryBus();
  const events: BusEvent[] = [];
  bus.subscribe((e) => void events.push(e));
  const chat = createChatServer({ store, clock, ids: counterIds(), bus }, options);
  await chat.start();
  const connect = (remoteAddress = '10.0.0.1') => {
    const c = createFakeConnection({ remoteAddress });
    const ev = chat.open(c);
    const send = (frame: unknown) => ev.message(JSON.stringify(frame), false);
    return { c, ev, send };
  };
  const greeted = async (remoteAddress?: string) => {
    const m = connect(remoteAddress);
    m.send({ type: 'hello', profile: { name: 'x', avatarId: 1 } });
    await flush();
    return m;
  };
  return { clock, chat, store, bus, events, connect, greeted };
}

const ids = (frame: Record<string, any> | undefined): string[] => (frame?.rooms as Array<{ id: string }>).map((r) => r.id);
const pushes = (c: FakeConnection) => c.framesOf('room_list').length;

describe('ROOM_LIST_LIMIT', () => {
  test('welcome and room_list carry the most recently active rooms first, at most the limit', async () => {
    const { greeted, clock, store } = await setup({ limits: { roomListLimit: 3, rateLimitBurst: 100 } });
    const a = await greeted();
    for (const name of ['r1', 'r2', 'r3', 'r4', 'r5']) {
      a.send({ type: 'create_room', name });
      await flush();
      clock.advance(10);
    }
    a.send({ type: 'join_room', roomId: 'r1' });
    a.send({ type: 'send_message', roomId: 'r1', message: { text: 'wake up' } });
    await flush(20);
    expect((await store.getRoom('r1'))!.messageCount).toBe(1);
    const b = await greeted();
    expect(ids(b.c.framesOf('welcome')[0])).toEqual(['r1', 'r5', 'r4']);
    clock.advance(1000);
    expect(ids(a.c.framesOf('room_list').at(-1))).toEqual(['r1', 'r5', 'r4']);
  });

  test('create_room of a room outside the limit answers the list plus that room, so the client finds it', async () => {
    const { greeted, clock } = await setup({ limits: { roomListLimit: 2, rateLimitBurst: 100 } });
    const a = await greeted();
    for (const name of ['old', 'mid', 'new']) {
      a.send({ type: 'create_room', name });
      await flush();
      clock.advance(10);
    }
    a.send({ type: 'create_room', name: 'Old' });
    await flush();
    expect(ids(a.c.framesOf('room_list').at(-1))).toEqual(['new', 'mid', 'old']);
    a.send({ type: 'create_room', name: 'mid' });
    await flush();
    expect(ids(a.c.framesOf('room_list').at(-1))).toEqual(['new', 'mid']);
  });
});

describe('ROOM_CREATES_PER_IP_PER_HOUR', () => {
  test('new rooms cost one each from the address quota; beyond it RATE_LIMITED; other addresses and time refill', async () => {
    // No heartbeat inside the test's hour: fake connections do not answer pings.
    const { greeted, clock } = await setup({ limits: { roomCreatesPerIpPerHour: 3, rateLimitBurst: 100, heartbeatMs: 3_600_000 } });
    const a = await greeted('10.0.0.1');
    const sameAddress = await greeted('10.0.0.1');
    for (const name of ['q1', 'q2']) a.send({ type: 'create_room', name });
    sameAddress.send({ type: 'create_room', name: 'q3' });
    await flush(10);
    a.send({ type: 'create_room', name: 'q4' });
    await flush();
    expect(a.c.framesOf('error')).toEqual([
      { type: 'error', code: 'RATE_LIMITED', message: expect.stringMatching(/at most 3 per hour from one address/), requestType: 'create_room' },
    ]);
    // Re-creating an existing room is free.
    a.send({ type: 'create_room', name: 'Q1' });
    await flush();
    expect(a.c.framesOf('error')).toHaveLength(1);
    expect(ids(a.c.framesOf('room_list').at(-1))).toContain('q1');
    // Another address has its own quota.
    const b = await greeted('10.0.0.2');
    b.send({ type: 'create_room', name: 'q4' });
    await flush();
    expect(b.c.framesOf('error')).toEqual([]);
    // 3 per hour refill one every 20 minutes.
    clock.advance(20 * 60_000);
    a.send({ type: 'create_room', name: 'q5' });
    a.send({ type: 'create_room', name: 'q6' });
    await flush(10);
    expect(a.c.framesOf('error')).toHaveLength(2);
    expect(ids(a.c.framesOf('room_list').at(-1))).toContain('q5');
  });

  test('a room the directory knows is answered without a store write; an unknown one still goes to the store', async () => {
    const store = createMemoryStore();
    const { greeted } = await setup({}, store);
    let creates = 0;
    const createRoom = store.createRoom.bind(store);
    store.createRoom = (room) => {
      creates++;
      return createRoom(room);
    };
    const a = await greeted();
    a.send({ type: 'create_room', name: 'known' });
    await flush();
    for (let i = 0; i < 5; i++) a.send({ type: 'create_room', name: 'Known' });
    await flush(10);
    expect(creates).toBe(1);
    expect(a.c.framesOf('room_list')).toHaveLength(6);
    // Created behind this instance's back (another instance, bus event not here yet).
    await createRoom({ id: 'elsewhere', name: 'Elsewhere', createdAt: 1 });
    a.send({ type: 'create_room', name: 'elsewhere' });
    await flush();
    expect(creates).toBe(2);
    expect(ids(a.c.framesOf('room_list').at(-1))).toContain('elsewhere');
  });
});

describe('EMPTY_ROOM_TTL_MS', () => {
  test('empty rooms past the TTL leave the store, the bus and the lists; occupied and busy rooms stay', async () => {
    const { greeted, clock, store, events } = await setup({ limits: { emptyRoomTtlMs: 10_000, rateLimitBurst: 100 } });
    const a = await greeted();
    const member = await greeted();
    for (const name of ['empty', 'occupied', 'busy']) a.send({ type: 'create_room', name });
    await flush();
    member.send({ type: 'join_room', roomId: 'occupied' });
    a.send({ type: 'join_room', roomId: 'busy' });
    a.send({ type: 'send_message', roomId: 'busy', message: { text: 'hi' } });
    a.send({ type: 'join_room', roomId: 'empty' });
    a.send({ type: 'join_room', roomId: 'busy' });
    await flush(20);
    // A sweep every second (a 24th of the TTL, at least 1 s); each one's store call settles before the next.
    const seconds = async (n: number) => {
      for (let i = 0; i < n; i++) {
        clock.advance(1000);
        await flush();
      }
    };
    await seconds(10);
    expect((await store.listRooms()).map((r) => r.id).sort()).toEqual(['busy', 'empty', 'occupied']);
    await seconds(1);
    expect((await store.listRooms()).map((r) => r.id).sort()).toEqual(['busy', 'occupied']);
    expect(events.filter((e) => e.kind === 'room_removed')).toEqual([{ kind: 'room_removed', roomId: 'empty' }]);
    await seconds(1);
    expect(ids(a.c.framesOf('room_list').at(-1)).sort()).toEqual(['busy', 'occupied']);
    // Once its member leaves, the occupied room goes at the next sweep.
    member.ev.closed(1000, '');
    await seconds(1);
    expect((await store.listRooms()).map((r) => r.id)).toEqual(['busy']);
  });

  test('a room_removed event from another instance drops the room from this one', async () => {
    const { greeted, bus, chat } = await setup();
    const a = await greeted();
    a.send({ type: 'create_room', name: 'theirs' });
    await flush();
    expect(chat.rooms().map((r) => r.id)).toEqual(['theirs']);
    bus.publish({ kind: 'room_removed', roomId: 'theirs' });
    expect(chat.rooms()).toEqual([]);
  });
});

describe('room-list pushes', () => {
  test('an up-to-date client gets no push; a change pushes once', async () => {
    const { greeted, clock } = await setup({ limits: { rateLimitBurst: 100 } });
    const a = await greeted();
    const watcher = await greeted();
    clock.advance(10_000);
    expect(pushes(watcher.c)).toBe(0);
    a.send({ type: 'create_room', name: 'news' });
    await flush();
    expect(pushes(watcher.c)).toBe(0);
    clock.advance(1000);
    expect(pushes(watcher.c)).toBe(1);
    expect(ids(watcher.c.framesOf('room_list')[0])).toEqual(['news']);
    // The creator already holds this version (its create_room answer): nothing more.
    expect(pushes(a.c)).toBe(1);
    clock.advance(10_000);
    expect(pushes(watcher.c)).toBe(1);
    expect(pushes(a.c)).toBe(1);
  });

  test('one timer callback serves one phase: a tenth of the clients, and all within the interval', async () => {
    const { greeted, clock } = await setup();
    const clients: Array<{ c: FakeConnection }> = [];
    for (let i = 0; i < 40; i++) clients.push(await greeted(`10.0.1.${i}`));
    const creator = await greeted();
    creator.send({ type: 'create_room', name: 'phased' });
    await flush();
    const served = () => clients.filter((c) => pushes(c.c) > 0).length;
    const seen: number[] = [];
    for (let phase = 1; phase <= 10; phase++) {
      clock.advance(100);
      seen.push(served());
    }
    expect(seen).toEqual([4, 8, 12, 16, 20, 24, 28, 32, 36, 40]);
    // Every recipient got the very same string.
    expect(new Set(clients.map((c) => c.c.sent.at(-1))).size).toBe(1);
  });

  test('room-list bytes per client are bounded: after N bytes the next push waits N / rate', async () => {
    const { greeted, clock } = await setup({ limits: { roomListBytesPerSec: 1024, roomCreatesPerIpPerHour: 1000, rateLimitBurst: 1000, maxPendingRequests: 1000 } });
    const a = await greeted();
    for (let i = 0; i < 40; i++) a.send({ type: 'create_room', name: `a-rather-long-room-name-number-${i}` });
    await flush(50);
    const watcher = await greeted();
    const listBytes = watcher.c.sent[0]!.length;
    expect(listBytes).toBeGreaterThan(3 * 1024);
    // A change every interval for 20 s.
    let n = 0;
    for (let t = 0; t < 20; t++) {
      a.send({ type: 'create_room', name: `tick-${n++}` });
      await flush();
      clock.advance(1000);
    }
    const sentBytes = watcher.c.sent.slice(1).reduce((sum, f) => sum + f.length, 0);
    // Welcome plus pushes stay within the rate (one list of slack for the first push).
    expect(sentBytes).toBeLessThanOrEqual(20 * 1024 + listBytes * 2);
    expect(pushes(watcher.c)).toBeGreaterThan(0);
    expect(pushes(watcher.c)).toBeLessThan(10);
  });

  test('a closed client is forgotten', async () => {
    const { greeted, clock } = await setup();
    const a = await greeted();
    const gone = await greeted();
    gone.ev.closed(1000, '');
    a.send({ type: 'create_room', name: 'after' });
    await flush();
    clock.advance(1000);
    expect(pushes(gone.c)).toBe(0);
  });
});
