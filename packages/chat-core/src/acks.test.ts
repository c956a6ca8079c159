import { createFakeClock, createFakeConnection, createMemoryStore } from '@rgchat/testkit';
import { createChatServer } from './chat-server';
import type { Ids } from './ports/ids';

const flush = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

function counterIds(): Ids {
  let c = 0;
  let m = 0;
  return { connectionId: () => `conn_${++c}`, messageId: () => `msg_${++m}`, randomInt: (n) => 42 % n };
}

async function setup() {
  const store = createMemoryStore();
  const chat = createChatServer({ store, clock: createFakeClock(), ids: counterIds() });
  await chat.start();
  await store.createRoom({ id: 'lobby', name: 'lobby', createdAt: 1 });
  /** A greeted client in lobby. */
  const member = async (name: string, extra: Record<string, unknown> = {}) => {
    const c = createFakeConnection();
    const events = chat.open(c);
    const send = (frame: unknown) => events.message(JSON.stringify(frame), false);
    send({ type: 'hello', profile: { name, avatarId: 1 }, ...extra });
    send({ type: 'join_room', roomId: 'lobby' });
    await flush();
    return { c, send };
  };
  return { store, member };
}

const say = (text: string, clientMsgId?: unknown) => ({
  type: 'send_message',
  roomId: 'lobby',
  message: { type: 'message', text },
  ...(clientMsgId === undefined ? {} : { clientMsgId }),
});

describe('acks (idempotent sends)', () => {
  test('with acks: the sender gets ack {roomId, clientMsgId, id, seq, ts} once stored, and its message as usual', async () => {
    const { member } = await setup();
    const a = await member('alice', { sessionId: 's-alice', features: ['acks'] });
    a.send(say('hi', 'c-1'));
    await flush();
    const [ack] = a.c.framesOf('ack');
    expect(ack).toEqual({ type: 'ack', roomId: 'lobby', clientMsgId: 'c-1', id: 'msg_1', seq: 1, ts: expect.any(Number) });
    expect(Object.keys(ack!)).toEqual(['type', 'roomId', 'clientMsgId', 'id', 'seq', 'ts']);
    const [message] = a.c.framesOf('message');
    expect(message!['message']).toMatchObject({ id: 'msg_1', seq: 1, ts: ack!['ts'], text: 'hi' });
  });

  test('without acks negotiated, clientMsgId is ignored (even a malformed one) and no ack is sent', async () => {
    const { member, store } = await setup();
    const v1 = await member('plain');
    const other = await member('other', { features: ['history'] });
    v1.send(say('one', 'c-1'));
    v1.send(say('two', 'c-1'));
    other.send(say('three', { not: 'a string' }));
    await flush();
    expect(v1.c.framesOf('ack')).toEqual([]);
    expect(other.c.framesOf('ack')).toEqual([]);
    expect(v1.c.framesOf('error')).toEqual([]);
    expect(other.c.framesOf('error')).toEqual([]);
    expect((await store.recentMessages('lobby', 10)).map((m) => m.text)).toEqual(['one', 'two', 'three']);
  });

  test.each([[''], ['x'.repeat(65)], ['has space'], ['emoji😀'], [42], [null]])('a malformed clientMsgId %p is INVALID_REQUEST and nothing is stored', async (bad) => {
    const { member, store } = await setup();
    const a = await member('alice', { features: ['acks'] });
    a.send(say('hi', bad));
    await flush();
    expect(a.c.framesOf('error')).toEqual([
      { type: 'error', code: 'INVALID_REQUEST', message: expect.any(String), requestType: 'send_message' },
    ]);
    expect(await store.recentMessages('lobby', 10)).toEqual([]);
    expect(a.c.framesOf('message')).toEqual([]);
  });

  test('every allowed character and 64 of them are accepted', async () => {
    const { member } = await setup();
    const a = await member('alice', { features: ['acks'] });
    const id = 'AZaz09_.:-'.padEnd(64, 'x');
    a.send(say('hi', id));
    await flush();
    expect(a.c.framesOf('ack')[0]).toMatchObject({ clientMsgId: id });
  });

  test('a resend from another connection of the same sessionId: the original ack plus duplicate:true, nothing stored or broadcast', async () => {
    const { member, store } = await setup();
    const first = await member('alice', { sessionId: 's-alice', features: ['acks'] });
    const watcher = await member('watcher');
    first.send(say('once', 'c-1'));
    await flush();
    const original = first.c.framesOf('ack')[0]!;
    const again = await member('alice', { sessionId: 's-alice', features: ['acks'] });
    again.send(say('once (resent)', 'c-1'));
    await flush();
    expect(again.c.framesOf('ack')).toEqual([{ ...original, duplicate: true }]);
    expect(again.c.framesOf('message')).toEqual([]);
    expect(watcher.c.framesOf('message').map((f) => f['message'].text)).toEqual(['once']);
    expect(await store.recentMessages('lobby', 10)).toHaveLength(1);
    expect(await store.getRoom('lobby')).toMatchObject({ messageCount: 1 });
  });

  test('the key is per author: another sessionId (or no sessionId, another connection) with the same clientMsgId stores a new message', async () => {
    const { member, store } = await setup();
    const alice = await member('alice', { sessionId: 's-alice', features: ['acks'] });
    const bob = await member('bob', { sessionId: 's-bob', features: ['acks'] });
    const anon1 = await member('anon1', { features: ['acks'] });
    const anon2 = await member('anon2', { features: ['acks'] });
    for (const c of [alice, bob, anon1, anon2]) c.send(say('same key', 'k'));
    await flush();
    for (const c of [alice, bob, anon1, anon2]) expect(c.c.framesOf('ack')[0]).not.toHaveProperty('duplicate');
    expect(await store.recentMessages('lobby', 10)).toHaveLength(4);
    // A connection without a sessionId is its own author: its resend is a duplicate.
    anon1.send(say('same key again', 'k'));
    await flush();
    expect(anon1.c.framesOf('ack')[1]).toMatchObject({ duplicate: true, seq: anon1.c.framesOf('ack')[0]!['seq'] });
  });

  test('two sends with one key in flight at once store one message: one acked, the other a duplicate', async () => {
    const { member, store } = await setup();
    const a = await member('alice', { sessionId: 's', features: ['acks'] });
    const b = await member('alice', { sessionId: 's', features: ['acks'] });
    a.send(say('twin a', 'twin'));
    b.send(say('twin b', 'twin'));
    await flush();
    const acks = [...a.c.framesOf('ack'), ...b.c.framesOf('ack')];
    expect(acks).toHaveLength(2);
    expect(acks.filter((f) => f['duplicate'] === true)).toHaveLength(1);
    expect(new Set(acks.map((f) => f['id'])).size).toBe(1);
    expect(await store.recentMessages('lobby', 10)).toHaveLength(1);
  });

  test('an error answering a send with a clientMsgId carries it: a bad field, NOT_IN_ROOM, STORE_UNAVAILABLE', async () => {
    const { member, store } = await setup();
    const a = await member('alice', { features: ['acks'] });
    a.send(say('   ', 'c-empty'));
    a.send({ ...say('elsewhere', 'c-room'), roomId: 'other' });
    await flush();
    store.failing = true;
    a.send(say('down', 'c-down'));
    await flush();
    expect(a.c.framesOf('error').map((f) => [f['code'], f['clientMsgId']])).toEqual([
      ['INVALID_MESSAGE', 'c-empty'],
      ['NOT_IN_ROOM', 'c-room'],
      ['STORE_UNAVAILABLE', 'c-down'],
    ]);
    // Without a clientMsgId the error frame is v1's, without the key.
    a.send(say('down again'));
    await flush();
    expect(Object.keys(a.c.framesOf('error').at(-1)!)).toEqual(['type', 'code', 'message', 'requestType']);
  });

  test('acks are read only where negotiated: a later hello without features makes clientMsgId ignored again', async () => {
    const { member } = await setup();
    const a = await member('alice', { features: ['acks'] });
    a.send({ type: 'hello', profile: { name: 'alice', avatarId: 1 } });
    a.send(say('plain now', 'c-1'));
    await flush();
    expect(a.c.framesOf('ack')).toEqual([]);
    expect(a.c.framesOf('message').at(-1)!['message']).not.toHaveProperty('seq');
  });
});
