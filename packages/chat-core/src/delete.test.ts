import { createFakeClock, createFakeConnection, createMemoryStore, type MemoryStore } from '@rgchat/testkit';
import { createChatServer } from './chat-server';
import { createMemoryBus } from './memory-bus';
import type { Bus, BusEvent } from './ports/bus';
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

async function server(store: ChatStore, bus: Bus = createMemoryBus(), prefix = '') {
  const clock = createFakeClock();
  const chat = createChatServer({ store, clock, ids: counterIds(prefix), bus }, { limits: { gapFillMs: 100 } });
  await chat.start();
  /** A greeted client, in lobby unless `room` is null. */
  const member = async (name: string, extra: Record<string, unknown> = {}, room: string | null = 'lobby') => {
    const c = createFakeConnection();
    const events = chat.open(c);
    const send = (frame: unknown) => events.message(JSON.stringify(frame), false);
    send({ type: 'hello', profile: { name, avatarId: 1 }, ...extra });
    if (room !== null) send({ type: 'join_room', roomId: room });
    await flush();
    return { c, send };
  };
  return { chat, clock, member };
}

async function setup(bus?: Bus) {
  const store = createMemoryStore();
  await store.createRoom({ id: 'lobby', name: 'lobby', createdAt: 1 });
  await store.createRoom({ id: 'other', name: 'other', createdAt: 1 });
  return { store, ...(await server(store, bus)) };
}

const say = (text: string) => ({ type: 'send_message', roomId: 'lobby', message: { type: 'message', text } });
const del = (messageId: unknown, roomId = 'lobby') => ({ type: 'delete_message', roomId, messageId });
const errorsOf = (c: { framesOf(t: string): Array<Record<string, any>> }) => c.framesOf('error').map((f) => f['code']);

describe('delete (delete_message)', () => {
  test('the author deletes: message_deleted {roomId, messageId, seq} to every member with delete (requester included), nothing to others', async () => {
    const { member, store } = await setup();
    const author = await member('alice', { sessionId: 's-alice', features: ['delete'] });
    const watcher = await member('bob', { features: ['delete', 'history'] });
    const plus = await member('carol', { features: ['history'] });
    const v1 = await member('dave');
    author.send(say('oops'));
    author.send(say('keep'));
    await flush();
    const [oops] = author.c.framesOf('message');
    author.send(del(oops!['message'].id));
    await flush();
    const expected = { type: 'message_deleted', roomId: 'lobby', messageId: oops!['message'].id, seq: 1 };
    expect(author.c.framesOf('message_deleted')).toEqual([expected]);
    expect(Object.keys(author.c.framesOf('message_deleted')[0]!)).toEqual(['type', 'roomId', 'messageId', 'seq']);
    expect(watcher.c.framesOf('message_deleted')).toEqual([expected]);
    expect(plus.c.framesOf('message_deleted')).toEqual([]);
    expect(v1.c.sent.some((f) => f.includes('message_deleted'))).toBe(false);
    expect(errorsOf(author.c)).toEqual([]);
    // Gone from storage reads: the next join, and the room's count.
    expect((await store.recentMessages('lobby', 10)).map((m) => m.text)).toEqual(['keep']);
    expect(await store.getRoom('lobby')).toMatchObject({ messageCount: 1 });
    v1.send({ type: 'join_room', roomId: 'lobby' });
    await flush();
    expect(v1.c.framesOf('joined_room').at(-1)!['messages'].map((m: { text: string }) => m.text)).toEqual(['keep']);
  });

  test('room lists follow: messageCount drops by one for everyone', async () => {
    const { member, clock } = await setup();
    const author = await member('alice', { features: ['delete'] });
    const watcher = await member('bob', {}, null);
    author.send(say('one'));
    author.send(say('two'));
    await flush();
    clock.advance(1000);
    author.send(del(author.c.framesOf('message')[0]!['message'].id));
    await flush();
    clock.advance(1000);
    await flush();
    const last = watcher.c.framesOf('room_list').at(-1)!;
    expect(last['rooms'].find((r: { id: string }) => r.id === 'lobby')).toMatchObject({ messageCount: 1 });
  });

  test('another connection of the same sessionId may delete; another sessionId is FORBIDDEN, and so is another connection without one', async () => {
    const { member, store } = await setup();
    const a1 = await member('alice', { sessionId: 's-alice', features: ['delete'] });
    const a2 = await member('alice', { sessionId: 's-alice', features: ['delete'] });
    const mallory = await member('mallory', { sessionId: 's-mallory', features: ['delete'] });
    const anon = await member('anon', { features: ['delete'] });
    const anon2 = await member('anon2', { features: ['delete'] });
    a1.send(say('by alice'));
    anon.send(say('by anon'));
    await flush();
    const [byAlice, byAnon] = a1.c.framesOf('message').map((f) => f['message'].id as string);
    mallory.send(del(byAlice));
    anon2.send(del(byAnon));
    await flush();
    expect(errorsOf(mallory.c)).toEqual(['FORBIDDEN']);
    expect(errorsOf(anon2.c)).toEqual(['FORBIDDEN']);
    expect(await store.recentMessages('lobby', 10)).toHaveLength(2);
    a2.send(del(byAlice));
    anon.send(del(byAnon));
    await flush();
    expect(errorsOf(a2.c)).toEqual([]);
    expect(errorsOf(anon.c)).toEqual([]);
    expect(a1.c.framesOf('message_deleted').map((f) => f['messageId'])).toEqual([byAlice, byAnon]);
    expect(await store.recentMessages('lobby', 10)).toEqual([]);
  });

  test('NOT_IN_ROOM, MESSAGE_NOT_FOUND (unknown, of another room, already deleted), INVALID_REQUEST', async () => {
    const { member } = await setup();
    const a = await member('alice', { features: ['delete'] });
    const elsewhere = await member('bob', { features: ['delete'] }, 'other');
    a.send(say('x'));
    await flush();
    const id = a.c.framesOf('message')[0]!['message'].id as string;
    elsewhere.send(del(id));
    a.send(del(id, 'other'));
    a.send(del('nope'));
    elsewhere.send(del(id, 'other'));
    a.send(del(id));
    a.send(del(id));
    a.send(del(42));
    a.send(del('x'.repeat(129)));
    a.send({ type: 'delete_message', roomId: 'lobby' });
    await flush();
    expect(errorsOf(elsewhere.c)).toEqual(['NOT_IN_ROOM', 'MESSAGE_NOT_FOUND']);
    // Malformed frames are answered as they arrive, before the queued requests are served.
    expect(errorsOf(a.c)).toEqual(['INVALID_REQUEST', 'INVALID_REQUEST', 'INVALID_REQUEST', 'NOT_IN_ROOM', 'MESSAGE_NOT_FOUND', 'MESSAGE_NOT_FOUND']);
    expect(a.c.framesOf('error').every((f) => f['requestType'] === 'delete_message')).toBe(true);
    expect(a.c.framesOf('message_deleted')).toHaveLength(1);
  });

  test('without delete negotiated, delete_message is UNKNOWN_TYPE and deletes nothing', async () => {
    const { member, store } = await setup();
    const a = await member('alice', { features: ['history', 'acks'] });
    const v1 = await member('v1');
    a.send(say('x'));
    await flush();
    const id = a.c.framesOf('message')[0]!['message'].id as string;
    a.send(del(id));
    v1.send(del(id));
    await flush();
    expect(errorsOf(a.c)).toEqual(['UNKNOWN_TYPE']);
    expect(errorsOf(v1.c)).toEqual(['UNKNOWN_TYPE']);
    expect(await store.recentMessages('lobby', 10)).toHaveLength(1);
  });

  test('a storage failure is STORE_UNAVAILABLE and announces nothing', async () => {
    const { member, store } = await setup();
    const a = await member('alice', { features: ['delete'] });
    a.send(say('x'));
    await flush();
    store.failing = true;
    a.send(del(a.c.framesOf('message')[0]!['message'].id));
    await flush();
    expect(errorsOf(a.c)).toEqual(['STORE_UNAVAILABLE']);
    expect(a.c.framesOf('message_deleted')).toEqual([]);
  });

  test('a later hello that drops delete stops message_deleted; one that adds it starts them', async () => {
    const { member } = await setup();
    const author = await member('alice', { sessionId: 's', features: ['delete'] });
    const switcher = await member('bob', { features: ['delete'] });
    for (const t of ['a', 'b', 'c']) author.send(say(t));
    await flush();
    const ids = author.c.framesOf('message').map((f) => f['message'].id as string);
    author.send(del(ids[0]));
    await flush();
    switcher.send({ type: 'hello', profile: { name: 'bob', avatarId: 1 } });
    author.send(del(ids[1]));
    await flush();
    switcher.send({ type: 'hello', profile: { name: 'bob', avatarId: 1 }, features: ['delete'] });
    author.send(del(ids[2]));
    await flush();
    expect(switcher.c.framesOf('message_deleted').map((f) => f['messageId'])).toEqual([ids[0], ids[2]]);
  });

  test('across instances: the deletion reaches members on the other instance, and its room count', async () => {
    const store = createMemoryStore();
    await store.createRoom({ id: 'lobby', name: 'lobby', createdAt: 1 });
    const bus = createMemoryBus();
    const one = await server(store, bus, 'a_');
    const two = await server(store, bus, 'b_');
    const author = await one.member('alice', { sessionId: 's-alice', features: ['delete'] });
    const there = await two.member('bob', { features: ['delete'] });
    const authorThere = await two.member('alice', { sessionId: 's-alice', features: ['delete'] });
    author.send(say('one'));
    author.send(say('two'));
    await flush();
    const [first, second] = there.c.framesOf('message').map((f) => f['message'] as { id: string; seq: number });
    author.send(del(first!.id));
    // The same person on the other instance deletes the second.
    authorThere.send(del(second!.id));
    await flush();
    expect(there.c.framesOf('message_deleted').map((f) => f['seq'])).toEqual([1, 2]);
    expect(author.c.framesOf('message_deleted').map((f) => f['seq'])).toEqual([1, 2]);
    expect(two.chat.rooms().find((r) => r.id === 'lobby')).toMatchObject({ messageCount: 0 });
    expect(one.chat.rooms().find((r) => r.id === 'lobby')).toMatchObject({ messageCount: 0 });
  });

  test('a deletion published while a join reads history reaches the joiner right after joined_room', async () => {
    const inner = createMemoryStore();
    await inner.createRoom({ id: 'lobby', name: 'lobby', createdAt: 1 });
    const gate: { hold?: Promise<void> } = {};
    const store: MemoryStore = Object.assign(Object.create(inner) as MemoryStore, {
      async recentMessages(roomId: string, limit: number) {
        const rows = await inner.recentMessages(roomId, limit);
        await gate.hold;
        return rows;
      },
    });
    const { member } = await server(store);
    const author = await member('alice', { sessionId: 's', features: ['delete'] });
    author.send(say('doomed'));
    await flush();
    let release!: () => void;
    gate.hold = new Promise<void>((r) => (release = r));
    const joiner = await member('late', { features: ['delete'] });
    author.send(del(author.c.framesOf('message')[0]!['message'].id));
    await flush();
    release();
    await flush();
    const types = joiner.c.frames().map((f) => f['type']);
    expect(types.slice(types.indexOf('joined_room'))).toEqual(['joined_room', 'message_deleted']);
    expect(joiner.c.framesOf('joined_room')[0]!['messages'].map((m: { text: string }) => m.text)).toEqual(['doomed']);
  });

  test('a message deleted before this instance delivered it is stepped over, not waited for', async () => {
    const store = createMemoryStore();
    await store.createRoom({ id: 'lobby', name: 'lobby', createdAt: 1 });
    const handlers: Array<(e: BusEvent) => void> = [];
    const bus: Bus = { publish: (e) => handlers.forEach((h) => h(e)), subscribe: (h) => (handlers.push(h), () => {}) };
    const { member, clock } = await server(store, bus);
    const watcher = await member('bob', { features: ['delete'] });
    // Another instance stores #1 and #2, deletes #1; this instance hears only of #2 and the deletion.
    const stored: MessageRecord[] = [];
    for (const t of ['one', 'two']) {
      const r = await store.appendMessage({ roomId: 'lobby', id: t, ts: 1, authorId: 'x', name: 'x', avatarId: 0, type: 'message', text: t, authorKey: 'usr_x' });
      stored.push(r.message);
    }
    const gone = await store.deleteMessage('lobby', 'one', 'usr_x');
    if (gone.kind !== 'deleted') throw new Error('not deleted');
    bus.publish({ kind: 'message', message: stored[1]!, room: gone.room });
    expect(watcher.c.framesOf('message')).toEqual([]);
    bus.publish({ kind: 'message_deleted', roomId: 'lobby', messageId: 'one', seq: 1, room: gone.room, lastSeq: gone.lastSeq });
    expect(watcher.c.framesOf('message').map((f) => f['message'].id)).toEqual(['two']);
    // Lost notices: #3 deleted unheard of, #4 arrives; the gap fill finds #3 gone and delivers #4.
    for (const t of ['three', 'four']) await store.appendMessage({ roomId: 'lobby', id: t, ts: 1, authorId: 'x', name: 'x', avatarId: 0, type: 'message', text: t, authorKey: 'usr_x' });
    await store.deleteMessage('lobby', 'three', 'usr_x');
    const four = (await store.messagesAfter('lobby', 3, 1))[0]!;
    bus.publish({ kind: 'message', message: four, room: (await store.getRoom('lobby'))! });
    expect(watcher.c.framesOf('message').map((f) => f['message'].id)).toEqual(['two']);
    clock.advance(100);
    await flush();
    expect(watcher.c.framesOf('message').map((f) => f['message'].id)).toEqual(['two', 'four']);
  });
});
