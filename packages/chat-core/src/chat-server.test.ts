import { createFakeClock, createFakeConnection, createMemoryStore, type FakeConnection } from '@rgchat/testkit';
import { createChatServer, type ChatServerOptions } from './chat-server';
import { createMemoryBus } from './memory-bus';
import type { Bus } from './ports/bus';
import type { Ids } from './ports/ids';
import type { ChatStore, MessageRecord } from './ports/store';

const flush = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

function counterIds(prefix = ''): Ids {
  let c = 0;
  let m = 0;
  return { connectionId: () => `${prefix}conn_${++c}`, messageId: () => `${prefix}msg_${++m}`, randomInt: (n) => 42 % n };
}

async function setup(options: ChatServerOptions = {}, store: ChatStore = createMemoryStore(), bus?: Bus) {
  const clock = createFakeClock();
  const chat = createChatServer({ store, clock, ids: counterIds(), ...(bus ? { bus } : {}) }, options);
  await chat.start();
  const connect = () => {
    const c = createFakeConnection();
    const events = chat.open(c);
    const send = (frame: unknown) => events.message(JSON.stringify(frame), false);
    return { c, events, send };
  };
  /** A greeted client in `room` (created if needed). */
  const member = async (name: string, room?: string) => {
    const m = connect();
    m.send({ type: 'hello', profile: { name, avatarId: 1 } });
    if (room) {
      m.send({ type: 'create_room', name: room });
      m.send({ type: 'join_room', roomId: room });
    }
    await flush();
    return m;
  };
  return { clock, chat, store, connect, member };
}

const last = (c: FakeConnection) => c.frames().at(-1)!;

describe('hello and profiles', () => {
  test('hello answers welcome with self and rooms', async () => {
    const { connect, store } = await setup();
    await store.createRoom({ id: 'lobby', name: 'lobby', createdAt: 5 });
    const { chat } = await setup({}, store);
    void chat;
    const fresh = await setup({}, store);
    const a = fresh.connect();
    a.send({ type: 'hello', protocol: 'rg-chat-v1', profile: { name: 'alice', avatarId: 9 } });
    await flush();
    expect(a.c.frames()).toEqual([
      {
        type: 'welcome',
        protocol: 'rg-chat-v1',
        self: { clientId: 'conn_1', name: 'alice', avatarId: 9 },
        rooms: [{ id: 'lobby', name: 'lobby', createdAt: 5, messageCount: 0, lastMessageTs: null }],
      },
    ]);
    void connect;
  });

  test('an invalid name on hello falls back to a guest name', async () => {
    const { connect } = await setup();
    const a = connect();
    a.send({ type: 'hello', profile: { name: 'has space', avatarId: 'x' } });
    await flush();
    expect(last(a.c)).toMatchObject({ type: 'welcome', self: { name: 'guest1042', avatarId: 0 } });
  });

  test('resumeRoomId joins an existing room: welcome with activeRoomId, then joined_room', async () => {
    const { member, connect } = await setup();
    const a = await member('alice', 'lobby');
    a.send({ type: 'send_message', roomId: 'lobby', message: { type: 'message', text: 'earlier' } });
    await flush();
    const b = connect();
    b.send({ type: 'hello', profile: { name: 'bob', avatarId: 2 }, resumeRoomId: 'lobby' });
    await flush();
    const [welcome, joined] = b.c.frames();
    expect(welcome).toMatchObject({ type: 'welcome', activeRoomId: 'lobby' });
    expect(joined).toMatchObject({ type: 'joined_room', room: { id: 'lobby' }, messages: [{ text: 'earlier' }] });
    a.send({ type: 'send_message', roomId: 'lobby', message: { text: 'now' } });
    await flush();
    expect(last(b.c)).toMatchObject({ type: 'message', message: { text: 'now' } });
  });

  test('resumeRoomId of a missing room is ignored safely', async () => {
    const { connect } = await setup();
    const a = connect();
    a.send({ type: 'hello', resumeRoomId: 'nowhere' });
    await flush();
    expect(a.c.frames()).toHaveLength(1);
    expect(a.c.frames()[0]).toMatchObject({ type: 'welcome' });
    expect(a.c.frames()[0]).not.toHaveProperty('activeRoomId');
  });

  test('requests before hello are refused, ping is not', async () => {
    const { connect } = await setup();
    const a = connect();
    a.send({ type: 'create_room', name: 'x' });
    a.send({ type: 'ping', ts: 7 });
    await flush();
    expect(a.c.frames()).toEqual([
      { type: 'error', code: 'HELLO_REQUIRED', message: 'Send hello first.', requestType: 'create_room' },
      { type: 'pong', ts: 7 },
    ]);
  });

  test('set_profile acks and later messages carry the new profile', async () => {
    const { member } = await setup();
    const a = await member('alice', 'lobby');
    a.send({ type: 'set_profile', name: 'alicia', avatarId: 77 });
    a.send({ type: 'send_message', roomId: 'lobby', message: { text: 'hi' } });
    await flush();
    const frames = a.c.frames();
    expect(frames).toContainEqual({ type: 'profile_ack', self: { clientId: 'conn_1', name: 'alicia', avatarId: 77 } });
    expect(last(a.c)).toMatchObject({ type: 'message', message: { name: 'alicia', avatarId: 77, authorId: 'conn_1' } });
  });

  test('an invalid set_profile changes nothing and the connection stays usable', async () => {
    const { member } = await setup();
    const a = await member('alice');
    a.send({ type: 'set_profile', name: 'a b', avatarId: 5 });
    a.send({ type: 'set_profile', avatarId: 5 });
    await flush();
    expect(a.c.frames().slice(-2)).toEqual([
      { type: 'error', code: 'INVALID_NAME', message: 'Names cannot contain spaces.', requestType: 'set_profile' },
      { type: 'profile_ack', self: { clientId: 'conn_1', name: 'alice', avatarId: 5 } },
    ]);
    expect(a.c.closedWith).toBeUndefined();
  });
});

describe('rooms and messages', () => {
  test('create_room answers room_list, idempotent by normalised id', async () => {
    const { member } = await setup();
    const a = await member('alice');
    a.send({ type: 'create_room', name: 'My Room' });
    a.send({ type: 'create_room', name: '  my   ROOM ' });
    await flush();
    const lists = a.c.framesOf('room_list');
    expect(lists).toHaveLength(2);
    expect(lists[1]!.rooms).toEqual([{ id: 'my-room', name: 'My Room', createdAt: expect.any(Number), messageCount: 0, lastMessageTs: null }]);
  });

  test('join returns at most historyLimit messages, oldest first', async () => {
    const { member, store } = await setup({ limits: { historyLimit: 5, rateLimitBurst: 1000 } });
    const a = await member('alice', 'r');
    for (let i = 1; i <= 8; i++) a.send({ type: 'send_message', roomId: 'r', message: { text: `m${i}` } });
    await flush(20);
    expect((await store.getRoom('r'))!.messageCount).toBe(8);
    const b = await member('bob');
    b.send({ type: 'join_room', roomId: 'R' });
    await flush();
    const joined = b.c.framesOf('joined_room')[0]!;
    expect(joined.room).toEqual({ id: 'r', name: 'r', createdAt: expect.any(Number) });
    expect(joined.messages.map((m: { text: string }) => m.text)).toEqual(['m4', 'm5', 'm6', 'm7', 'm8']);
    expect(Object.keys(joined.messages[0]).sort()).toEqual(['authorId', 'avatarId', 'id', 'name', 'text', 'ts', 'type']);
  });

  test('a message goes to every member, sender included, as the same string; not to other rooms', async () => {
    const { member } = await setup();
    const a = await member('alice', 'lobby');
    const b = await member('bob', 'lobby');
    const c = await member('carol', 'other');
    a.send({ type: 'send_message', roomId: 'lobby', message: { type: 'emote', text: 'waves' } });
    await flush();
    const fa = a.c.sent.filter((s) => s.includes('"type":"message"'));
    const fb = b.c.sent.filter((s) => s.includes('"type":"message"'));
    expect(fa).toHaveLength(1);
    expect(fb).toEqual(fa);
    expect(JSON.parse(fa[0]!)).toEqual({
      type: 'message',
      roomId: 'lobby',
      message: { id: 'msg_1', ts: expect.any(Number), authorId: 'conn_1', name: 'alice', avatarId: 1, type: 'emote', text: 'waves' },
    });
    expect(c.c.framesOf('message')).toHaveLength(0);
  });

  test('sending to a room not joined is NOT_IN_ROOM; joining another room leaves the first', async () => {
    const { member } = await setup();
    const a = await member('alice', 'one');
    const b = await member('bob', 'one');
    b.send({ type: 'create_room', name: 'two' });
    b.send({ type: 'join_room', roomId: 'two' });
    await flush();
    b.send({ type: 'send_message', roomId: 'one', message: { text: 'x' } });
    a.send({ type: 'send_message', roomId: 'one', message: { text: 'for one' } });
    await flush();
    expect(last(b.c)).toMatchObject({ type: 'error', code: 'NOT_IN_ROOM', requestType: 'send_message' });
    expect(b.c.framesOf('message')).toHaveLength(0);
  });

  test('join of a missing room is ROOM_NOT_FOUND', async () => {
    const { member } = await setup();
    const a = await member('alice');
    a.send({ type: 'join_room', roomId: 'ghost' });
    await flush();
    expect(last(a.c)).toMatchObject({ type: 'error', code: 'ROOM_NOT_FOUND', requestType: 'join_room' });
  });

  test('requests of one connection run in order: a send right after a join sees the join', async () => {
    const store = createMemoryStore();
    const { connect } = await setup({}, store);
    await store.createRoom({ id: 'r', name: 'r', createdAt: 1 });
    store.delayMs = 5;
    const a = connect();
    a.send({ type: 'hello' });
    a.send({ type: 'join_room', roomId: 'r' });
    a.send({ type: 'send_message', roomId: 'r', message: { text: 'first' } });
    await new Promise((r) => setTimeout(r, 100));
    expect(a.c.frames().map((f) => f.type)).toEqual(['welcome', 'joined_room', 'message']);
  });
});

describe('room list coalescing', () => {
  test('message activity pushes at most one room_list per interval, only when changed', async () => {
    const { member, clock } = await setup({ limits: { rateLimitBurst: 1000, maxPendingRequests: 100 } });
    const a = await member('alice', 'lobby');
    const watcher = await member('watcher');
    const before = watcher.c.framesOf('room_list').length;
    for (let i = 0; i < 50; i++) a.send({ type: 'send_message', roomId: 'lobby', message: { text: `m${i}` } });
    await flush(200);
    expect(watcher.c.framesOf('room_list')).toHaveLength(before);
    clock.advance(1000);
    const lists = watcher.c.framesOf('room_list');
    expect(lists).toHaveLength(before + 1);
    expect(lists.at(-1)!.rooms[0]).toMatchObject({ id: 'lobby', messageCount: 50, lastMessageTs: clock.now() - 1000 });
    clock.advance(5000);
    expect(watcher.c.framesOf('room_list')).toHaveLength(before + 1);
  });

  test('a client that has not said hello gets no room_list', async () => {
    const { member, connect, clock } = await setup();
    const silent = connect();
    await member('alice', 'lobby');
    clock.advance(2000);
    expect(silent.c.frames()).toEqual([]);
  });
});

describe('failures', () => {
  test('a failing store gives STORE_UNAVAILABLE and nothing is broadcast', async () => {
    const store = createMemoryStore();
    const { member } = await setup({}, store);
    const a = await member('alice', 'lobby');
    const b = await member('bob', 'lobby');
    store.failing = true;
    a.send({ type: 'send_message', roomId: 'lobby', message: { text: 'lost?' } });
    await flush();
    expect(last(a.c)).toMatchObject({ type: 'error', code: 'STORE_UNAVAILABLE', requestType: 'send_message' });
    expect(b.c.framesOf('message')).toHaveLength(0);
    store.failing = false;
    a.send({ type: 'send_message', roomId: 'lobby', message: { text: 'back' } });
    await flush();
    expect(last(b.c)).toMatchObject({ type: 'message', message: { text: 'back' } });
  });

  test('a hanging store times out into STORE_TIMEOUT: the append may still commit, so "not stored" would be a guess', async () => {
    const store = createMemoryStore();
    const { member, clock } = await setup({ limits: { storeTimeoutMs: 2000 } }, store);
    const a = await member('alice', 'lobby');
    store.appendMessage = () => new Promise(() => {});
    a.send({ type: 'send_message', roomId: 'lobby', message: { text: 'stuck' } });
    await flush();
    expect(a.c.framesOf('error')).toHaveLength(0);
    clock.advance(2000);
    await flush();
    expect(last(a.c)).toMatchObject({ type: 'error', code: 'STORE_TIMEOUT', requestType: 'send_message' });
    a.send({ type: 'ping', ts: 1 });
    await flush();
    expect(last(a.c)).toEqual({ type: 'pong', ts: 1 });
  });

  test('a store that throws instead of rejecting is still STORE_UNAVAILABLE', async () => {
    const store = createMemoryStore();
    const { member } = await setup({}, store);
    const a = await member('alice');
    store.createRoom = () => {
      throw new TypeError('driver bug');
    };
    a.send({ type: 'create_room', name: 'x' });
    await flush();
    expect(last(a.c)).toMatchObject({ type: 'error', code: 'STORE_UNAVAILABLE' });
    expect(a.c.closedWith).toBeUndefined();
  });

  test('an unexpected exception in core answers INTERNAL and closes with 1011', async () => {
    const store = createMemoryStore();
    const ids = counterIds();
    ids.messageId = () => {
      throw new TypeError('bug');
    };
    const chat = createChatServer({ store, clock: createFakeClock(), ids });
    await chat.start();
    const c = createFakeConnection();
    const ev = chat.open(c);
    for (const f of [{ type: 'hello' }, { type: 'create_room', name: 'x' }, { type: 'join_room', roomId: 'x' }, { type: 'send_message', roomId: 'x', message: { text: 'boom' } }]) {
      ev.message(JSON.stringify(f), false);
    }
    await flush();
    const a = { c };
    expect(last(a.c)).toMatchObject({ type: 'error', code: 'INTERNAL', message: 'Internal error.' });
    expect(a.c.closedWith).toEqual({ code: 1011, reason: 'internal error' });
  });

  test('binary frames get an error and the connection stays', async () => {
    const { connect } = await setup();
    const a = connect();
    a.events.message('{"type":"ping"}', true);
    expect(last(a.c)).toMatchObject({ type: 'error', code: 'INVALID_REQUEST', requestType: null });
    expect(a.c.closedWith).toBeUndefined();
  });
});

describe('rate limit', () => {
  test('beyond the burst frames are dropped with one RATE_LIMITED per second (unparsed: requestType null); tokens refill with time', async () => {
    const { member, clock } = await setup({ limits: { rateLimitPerSec: 2, rateLimitBurst: 5 } });
    const a = await member('alice');
    for (let i = 0; i < 10; i++) a.send({ type: 'ping', ts: i });
    const frames = a.c.frames().slice(1);
    expect(frames.filter((f) => f.type === 'pong')).toHaveLength(4);
    // Six refused, one notice (issue #10: refusals are quiet).
    expect(frames.filter((f) => f.code === 'RATE_LIMITED')).toHaveLength(1);
    expect(frames.at(-1)).toMatchObject({ type: 'error', code: 'RATE_LIMITED', requestType: null });
    clock.advance(1000);
    a.send({ type: 'ping', ts: 'again' });
    a.send({ type: 'ping', ts: 'again2' });
    a.send({ type: 'ping', ts: 'no' });
    expect(a.c.frames().slice(-3).map((f) => f.type)).toEqual(['pong', 'pong', 'error']);
    expect(a.c.closedWith).toBeUndefined();
  });

  test('requests outstanding on a slow store beyond maxPendingRequests are queued with reading paused, not refused', async () => {
    const store = createMemoryStore();
    const { member, clock } = await setup({ limits: { maxPendingRequests: 3, rateLimitBurst: 100 } }, store);
    const a = await member('alice', 'r');
    let calls = 0;
    store.appendMessage = () => {
      calls++;
      return new Promise(() => {});
    };
    for (let i = 0; i < 10; i++) a.send({ type: 'send_message', roomId: 'r', message: { text: `${i}` } });
    // All ten admitted by the token bucket reach the store; the reader is paused instead.
    expect(calls).toBe(10);
    expect(a.c.framesOf('error')).toHaveLength(0);
    expect(a.c.paused).toBe(true);
    a.send({ type: 'ping', ts: 1 });
    expect(a.c.framesOf('pong')).toHaveLength(0);
    clock.advance(5_000);
    await flush();
    // The store timeout settled the ten; the ping behind them is answered and reading resumes.
    expect(a.c.framesOf('error').filter((f) => f.code === 'STORE_TIMEOUT')).toHaveLength(10);
    expect(last(a.c)).toEqual({ type: 'pong', ts: 1 });
    expect(a.c.paused).toBe(false);
    a.send({ type: 'ping', ts: 2 });
    expect(last(a.c)).toEqual({ type: 'pong', ts: 2 });
  });
});

describe('pipelined sends', () => {
  /** A store whose appends wait until `release()`; each call is recorded in order. */
  function holdingStore() {
    const store = createMemoryStore();
    const append = store.appendMessage.bind(store);
    const held: Array<() => void> = [];
    const texts: string[] = [];
    store.appendMessage = (m) => {
      texts.push(m.text);
      return new Promise((resolve, reject) => held.push(() => append(m).then(resolve, reject)));
    };
    const release = () => held.splice(0).forEach((go) => go());
    return { store, texts, release };
  }

  test('a burst of sends reaches the store before the first one commits, and is broadcast in order', async () => {
    const { store, texts, release } = holdingStore();
    const { member } = await setup({ limits: { rateLimitBurst: 100 } }, store);
    const a = await member('alice', 'r');
    const b = await member('bob', 'r');
    for (let i = 0; i < 5; i++) a.send({ type: 'send_message', roomId: 'r', message: { text: `m${i}` } });
    // All five handed to the store at once: one group commit can take them all.
    expect(texts).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(b.c.framesOf('message')).toHaveLength(0);
    release();
    await flush();
    for (const c of [a.c, b.c]) expect(c.framesOf('message').map((f) => f.message.text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  test('a request other than a send waits until the sends before it are stored', async () => {
    const { store, texts, release } = holdingStore();
    const { member } = await setup({ limits: { rateLimitBurst: 100 } }, store);
    const a = await member('alice', 'r');
    await store.createRoom({ id: 'elsewhere', name: 'elsewhere', createdAt: 1 });
    a.send({ type: 'send_message', roomId: 'r', message: { text: 'bye' } });
    a.send({ type: 'join_room', roomId: 'elsewhere' });
    a.send({ type: 'send_message', roomId: 'elsewhere', message: { text: 'hi' } });
    await flush();
    // The join (and the send behind it) wait for 'bye': alice is still in r when it is broadcast.
    expect(texts).toEqual(['bye']);
    expect(a.c.framesOf('joined_room').filter((f) => f.room.id === 'elsewhere')).toHaveLength(0);
    release();
    await flush();
    expect(a.c.framesOf('message').map((f) => f.message.text)).toEqual(['bye']);
    expect(a.c.framesOf('joined_room').at(-1)).toMatchObject({ room: { id: 'elsewhere' } });
    expect(texts).toEqual(['bye', 'hi']);
    release();
    await flush();
    expect(a.c.framesOf('message').map((f) => f.message.text)).toEqual(['bye', 'hi']);
  });
});

describe('heartbeat and lifecycle', () => {
  test('peers are pinged each interval; one that missed a pong is terminated', async () => {
    const { connect, clock, chat } = await setup({ limits: { heartbeatMs: 1000 } });
    const good = connect();
    const dead = connect();
    clock.advance(1000);
    expect([good.c.pings, dead.c.pings]).toEqual([1, 1]);
    good.events.pong();
    clock.advance(1000);
    expect(good.c.pings).toBe(2);
    expect(dead.c.terminated).toBe(true);
    expect(chat.connectionCount).toBe(1);
    good.events.pong();
    clock.advance(1000);
    expect(good.c.terminated).toBe(false);
  });

  test('close closes every client with the given code, and is idempotent', async () => {
    const { member, chat } = await setup();
    const a = await member('alice', 'lobby');
    const b = await member('bob');
    chat.close(1012, 'restarting');
    chat.close();
    expect(a.c.closedWith).toEqual({ code: 1012, reason: 'restarting' });
    expect(b.c.closedWith).toEqual({ code: 1012, reason: 'restarting' });
    expect(chat.connectionCount).toBe(0);
  });

  test('origin policy', async () => {
    const { chat } = await setup({ allowedOrigins: ['https://chat.example.org'] });
    expect(chat.acceptsOrigin('https://chat.example.org')).toBe(true);
    expect(chat.acceptsOrigin('HTTPS://CHAT.EXAMPLE.ORG')).toBe(true);
    expect(chat.acceptsOrigin('https://evil.example')).toBe(false);
    expect(chat.acceptsOrigin('null')).toBe(false);
    expect(chat.acceptsOrigin(undefined)).toBe(true);
    const open = await setup();
    expect(open.chat.acceptsOrigin('https://anything')).toBe(true);
  });
});

describe('cross-instance delivery through the bus', () => {
  /** Two chat servers on one store and one bus: what an instance sees from another. */
  async function pair() {
    const store = createMemoryStore();
    const bus = createMemoryBus();
    const clock = createFakeClock();
    const make = async (p: string) => {
      const chat = createChatServer({ store, clock, ids: counterIds(p), bus }, { limits: { rateLimitBurst: 1000 } });
      await chat.start();
      return chat;
    };
    return { store, bus, clock, one: await make('a_'), two: await make('b_') };
  }

  test('out-of-order events are delivered in seq order; a gap is read from the store', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock();
    const handlers: Array<(e: import('./ports/bus').BusEvent) => void> = [];
    const bus: Bus = { publish: (e) => handlers.forEach((h) => h(e)), subscribe: (h) => (handlers.push(h), () => {}) };
    const chat = createChatServer({ store, clock, ids: counterIds(), bus }, { limits: { gapFillMs: 100 } });
    await chat.start();
    await store.createRoom({ id: 'r', name: 'r', createdAt: 1 });
    const c = createFakeConnection();
    const ev = chat.open(c);
    ev.message(JSON.stringify({ type: 'hello' }), false);
    ev.message(JSON.stringify({ type: 'join_room', roomId: 'r' }), false);
    await flush();
    // Another instance stores three messages; the bus brings #3, then #1, and loses #2.
    const stored: MessageRecord[] = [];
    for (let i = 1; i <= 3; i++) {
      const r = await store.appendMessage({ roomId: 'r', id: `x${i}`, ts: i, authorId: 'other', name: 'o', avatarId: 0, type: 'message', text: `t${i}` });
      stored.push(r.message);
    }
    const room = (await store.getRoom('r'))!;
    bus.publish({ kind: 'message', message: stored[2]!, room });
    bus.publish({ kind: 'message', message: stored[0]!, room });
    bus.publish({ kind: 'message', message: stored[0]!, room });
    expect(c.framesOf('message').map((f) => f.message.id)).toEqual(['x1']);
    clock.advance(100);
    await flush();
    expect(c.framesOf('message').map((f) => f.message.id)).toEqual(['x1', 'x2', 'x3']);
  });

  test('live order equals history order for members of both instances', async () => {
    const { one, two } = await pair();
    const open = (chat: typeof one) => {
      const c = createFakeConnection();
      const ev = chat.open(c);
      return { c, send: (f: unknown) => ev.message(JSON.stringify(f), false) };
    };
    const a = open(one);
    const b = open(two);
    a.send({ type: 'hello' });
    b.send({ type: 'hello' });
    a.send({ type: 'create_room', name: 'shared' });
    await flush();
    a.send({ type: 'join_room', roomId: 'shared' });
    b.send({ type: 'join_room', roomId: 'shared' });
    await flush();
    for (let i = 0; i < 10; i++) {
      a.send({ type: 'send_message', roomId: 'shared', message: { text: `a${i}` } });
      b.send({ type: 'send_message', roomId: 'shared', message: { text: `b${i}` } });
    }
    await flush(40);
    const seenA = a.c.framesOf('message').map((f) => f.message.text);
    const seenB = b.c.framesOf('message').map((f) => f.message.text);
    expect(seenA).toHaveLength(20);
    expect(seenB).toEqual(seenA);
    const late = open(two);
    late.send({ type: 'hello' });
    late.send({ type: 'join_room', roomId: 'shared' });
    await flush();
    expect(late.c.framesOf('joined_room')[0]!.messages.map((m: { text: string }) => m.text)).toEqual(seenA);
  });

  test('a join racing with live messages loses and repeats nothing', async () => {
    const store = createMemoryStore();
    const { member, connect } = await setup({ limits: { rateLimitBurst: 1000 } }, store);
    const a = await member('alice', 'busy');
    store.delayMs = 3;
    const b = connect();
    b.send({ type: 'hello' });
    b.send({ type: 'join_room', roomId: 'busy' });
    for (let i = 0; i < 20; i++) a.send({ type: 'send_message', roomId: 'busy', message: { text: `m${i}` } });
    await new Promise((r) => setTimeout(r, 300));
    const history = b.c.framesOf('joined_room')[0]!.messages.map((m: { text: string }) => m.text);
    const live = b.c.framesOf('message').map((f) => f.message.text);
    expect([...history, ...live]).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
  });
});
