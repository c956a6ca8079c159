import { createFakeClock, createFakeConnection, createMemoryStore } from '@rgchat/testkit';
import { createChatServer, type ChatServerOptions } from './chat-server';
import type { Ids } from './ports/ids';
import { createRoomDirectory } from './room-directory';

const flush = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

function counterIds(): Ids {
  let c = 0;
  let m = 0;
  return { connectionId: () => `conn_${++c}`, messageId: () => `msg_${++m}`, randomInt: (n) => 42 % n };
}

async function setup(options: ChatServerOptions = {}) {
  const clock = createFakeClock();
  const store = createMemoryStore();
  const chat = createChatServer({ store, clock, ids: counterIds() }, { ...options, limits: { rateLimitBurst: 1000, ...options.limits } });
  await chat.start();
  const greeted = async (features?: string[]) => {
    const c = createFakeConnection();
    const ev = chat.open(c);
    const send = (frame: unknown) => ev.message(JSON.stringify(frame), false);
    send({ type: 'hello', profile: { name: 'x', avatarId: 1 }, ...(features ? { features } : {}) });
    await flush();
    return { c, send };
  };
  return { clock, chat, store, greeted };
}

const ids = (rooms: Array<{ id: string }>) => rooms.map((r) => r.id);

describe('rooms: room_update diffs and list_rooms', () => {
  test('welcome.rooms is the v1 list; pushes are room_update with only what changed since the last push, never a room_list', async () => {
    const { greeted, clock, store } = await setup({ limits: { roomListLimit: 3 } });
    // Created in the store after start: this server's directory does not know them, so they are in no list.
    for (const id of ['a', 'b', 'c', 'd']) await store.createRoom({ id, name: id, createdAt: id.charCodeAt(0) });
    const maker = await greeted();
    const v2 = await greeted(['rooms']);
    const v1 = await greeted();
    expect(v2.c.framesOf('welcome')[0]!['rooms']).toEqual(v1.c.framesOf('welcome')[0]!['rooms']);
    maker.send({ type: 'create_room', name: 'e' });
    maker.send({ type: 'join_room', roomId: 'e' });
    maker.send({ type: 'send_message', roomId: 'e', message: { text: 'hi' } });
    await flush();
    clock.advance(1000);
    await flush();
    expect(v2.c.framesOf('room_list')).toEqual([]);
    const [first] = v2.c.framesOf('room_update');
    expect(first).toEqual({ type: 'room_update', rooms: [expect.objectContaining({ id: 'e', messageCount: 1 })], removed: [] });
    expect(Object.keys(first!)).toEqual(['type', 'rooms', 'removed']);
    // Nothing changed: nothing pushed.
    clock.advance(3000);
    await flush();
    expect(v2.c.framesOf('room_update')).toHaveLength(1);
    // v1 still gets whole lists.
    expect(v1.c.framesOf('room_list').at(-1)!['rooms'][0]).toMatchObject({ id: 'e' });
  });

  test('changes between two pushes are coalesced into one room_update; removed rooms are listed by id', async () => {
    // Fake connections never answer pings: a heartbeat longer than the test keeps them.
    const { greeted, clock, chat, store } = await setup({ limits: { emptyRoomTtlMs: 60_000, heartbeatMs: 3_600_000 } });
    const maker = await greeted();
    const watcher = await greeted(['rooms', 'history']);
    maker.send({ type: 'create_room', name: 'one' });
    maker.send({ type: 'create_room', name: 'two' });
    maker.send({ type: 'create_room', name: 'three' });
    await flush();
    clock.advance(1000);
    await flush();
    expect(watcher.c.framesOf('room_update').map((f) => [ids(f['rooms']), f['removed']])).toEqual([[['one', 'three', 'two'], []]]);
    maker.send({ type: 'join_room', roomId: 'two' });
    maker.send({ type: 'send_message', roomId: 'two', message: { text: 'a' } });
    maker.send({ type: 'send_message', roomId: 'two', message: { text: 'b' } });
    await flush();
    // The empty ones are swept once their TTL passes.
    clock.advance(70_000);
    await flush(20);
    // A sweep every 2.5 s (a 24th of the TTL): the next one sees them past their TTL.
    clock.advance(2500);
    await flush(20);
    clock.advance(1000);
    await flush();
    expect(await store.getRoom('one')).toBeUndefined();
    const updates = watcher.c.framesOf('room_update');
    // The two messages: one update for room two, at the next push.
    expect(updates[1]).toEqual({ type: 'room_update', rooms: [expect.objectContaining({ id: 'two', messageCount: 2 })], removed: [] });
    // The sweep: the removed ids, and nothing else.
    expect(updates.at(-1)).toEqual({ type: 'room_update', rooms: [], removed: ['one', 'three'] });
    expect(updates).toHaveLength(3);
    expect(chat.rooms().map((r) => r.id)).toEqual(['two']);
  });

  test('create_room answers room_update {rooms: [that room], removed: []}', async () => {
    const { greeted } = await setup();
    const a = await greeted(['rooms']);
    a.send({ type: 'create_room', name: 'Fresh Room' });
    a.send({ type: 'create_room', name: 'fresh room' });
    await flush();
    const room = { id: 'fresh-room', name: 'Fresh Room', createdAt: expect.any(Number), messageCount: 0, lastMessageTs: null };
    expect(a.c.framesOf('room_update')).toEqual([
      { type: 'room_update', rooms: [room], removed: [] },
      { type: 'room_update', rooms: [room], removed: [] },
    ]);
    expect(a.c.framesOf('room_list')).toEqual([]);
  });
});

describe('list_rooms', () => {
  async function withRooms() {
    const store = createMemoryStore();
    for (let i = 0; i < 60; i++) await store.createRoom({ id: `room-${i}`, name: `Room ${i}`, createdAt: 1000 + i });
    await store.createRoom({ id: 'cafe', name: 'Café Crème', createdAt: 5 });
    const chat = createChatServer({ store, clock: createFakeClock(), ids: counterIds() }, { limits: { rateLimitBurst: 1000 } });
    await chat.start();
    const greeted = async (features?: string[]) => {
      const c = createFakeConnection();
      const ev = chat.open(c);
      const send = (frame: unknown) => ev.message(JSON.stringify(frame), false);
      send({ type: 'hello', profile: { name: 'x', avatarId: 1 }, ...(features ? { features } : {}) });
      await flush();
      return { c, send };
    };
    return greeted;
  }

  test('q matches id or display name case-insensitively; limit 1..200, default 50; most recently active first', async () => {
    const greeted = await withRooms();
    const a = await greeted(['rooms']);
    a.send({ type: 'list_rooms' });
    a.send({ type: 'list_rooms', q: 'ROOM-5', limit: 3 });
    a.send({ type: 'list_rooms', q: 'crème' });
    a.send({ type: 'list_rooms', q: '', limit: 200 });
    a.send({ type: 'list_rooms', q: 'nothing-like-it' });
    await flush();
    const answers = a.c.framesOf('room_list').map((f) => ids(f['rooms']));
    expect(answers[0]).toHaveLength(50);
    expect(answers[0]!.slice(0, 2)).toEqual(['room-59', 'room-58']);
    expect(answers[1]).toEqual(['room-59', 'room-58', 'room-57']);
    expect(answers[2]).toEqual(['cafe']);
    expect(answers[3]).toHaveLength(61);
    expect(answers[4]).toEqual([]);
    expect(Object.keys(a.c.framesOf('room_list')[0]!)).toEqual(['type', 'rooms']);
  });

  test('INVALID_REQUEST for a bad q or limit; UNKNOWN_TYPE without rooms', async () => {
    const greeted = await withRooms();
    const a = await greeted(['rooms']);
    for (const bad of [{ q: 7 }, { q: 'x'.repeat(101) }, { limit: 0 }, { limit: 201 }, { limit: 2.5 }, { limit: '10' }]) a.send({ type: 'list_rooms', ...bad });
    await flush();
    expect(a.c.framesOf('error').map((f) => [f['code'], f['requestType']])).toEqual(Array(6).fill(['INVALID_REQUEST', 'list_rooms']));
    const v1 = await greeted();
    const other = await greeted(['history']);
    v1.send({ type: 'list_rooms' });
    other.send({ type: 'list_rooms' });
    await flush();
    expect(v1.c.framesOf('error').map((f) => f['code'])).toEqual(['UNKNOWN_TYPE']);
    expect(other.c.framesOf('error').map((f) => f['code'])).toEqual(['UNKNOWN_TYPE']);
  });
});

describe('room directory: updateFrame', () => {
  test('diffs from any older version, serialised once per version; a version older than the log gets the whole list', () => {
    const d = createRoomDirectory(2);
    const room = (id: string, ts: number) => ({ id, name: id, createdAt: 1, messageCount: 0, lastMessageTs: ts });
    d.upsert(room('a', 10));
    const v1 = d.version;
    d.upsert(room('b', 20));
    d.upsert(room('c', 30));
    d.remove('a');
    expect(JSON.parse(d.updateFrame(v1).text)).toEqual({ type: 'room_update', rooms: [room('c', 30), room('b', 20)], removed: ['a'] });
    expect(d.updateFrame(v1)).toBe(d.updateFrame(v1));
    expect(JSON.parse(d.updateFrame(d.version).text)).toEqual({ type: 'room_update', rooms: [], removed: [] });
    // A long history of changes to few rooms is compacted; what changed since any version is still exact.
    for (let i = 0; i < 5000; i++) d.upsert(room(i % 2 ? 'b' : 'c', 100 + i));
    const recent = d.version;
    d.upsert(room('d', 99_999));
    expect(JSON.parse(d.updateFrame(recent).text)).toEqual({ type: 'room_update', rooms: [room('d', 99_999)], removed: [] });
    expect(JSON.parse(d.updateFrame(v1).text)['removed']).toEqual(['a']);
  });
});
