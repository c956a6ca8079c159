import { createFakeClock, createFakeConnection, createMemoryStore } from '@rgchat/testkit';
import { createChatServer } from './chat-server';
import { createMemoryBus } from './memory-bus';
import type { Bus } from './ports/bus';
import type { Ids } from './ports/ids';
import type { ChatStore } from './ports/store';
import { isReactionEmoji } from './requests/react';

const flush = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

function counterIds(prefix = ''): Ids {
  let c = 0;
  let m = 0;
  return { connectionId: () => `${prefix}conn_${++c}`, messageId: () => `${prefix}msg_${++m}`, randomInt: (n) => 42 % n };
}

async function server(store: ChatStore, bus: Bus = createMemoryBus(), prefix = '') {
  const chat = createChatServer({ store, clock: createFakeClock(), ids: counterIds(prefix), bus }, { limits: { rateLimitBurst: 1000 } });
  await chat.start();
  const member = async (name: string, extra: Record<string, unknown> = {}, room: string | null = 'lobby') => {
    const c = createFakeConnection();
    const events = chat.open(c);
    const send = (frame: unknown) => events.message(JSON.stringify(frame), false);
    send({ type: 'hello', profile: { name, avatarId: 1 }, ...extra });
    if (room !== null) send({ type: 'join_room', roomId: room });
    await flush();
    return { c, send };
  };
  return { chat, member };
}

async function setup() {
  const store = createMemoryStore();
  await store.createRoom({ id: 'lobby', name: 'lobby', createdAt: 1 });
  await store.createRoom({ id: 'other', name: 'other', createdAt: 1 });
  const s = await server(store);
  /** A message in lobby, by a v1 author; its id. */
  const posted = async (text = 'react to me') => {
    const author = await s.member(`author${Math.random().toString(36).slice(2, 6)}`);
    author.send({ type: 'send_message', roomId: 'lobby', message: { type: 'message', text } });
    await flush();
    return author.c.framesOf('message').at(-1)!['message'].id as string;
  };
  return { store, posted, ...s };
}

const react = (messageId: unknown, emoji: unknown, on: unknown = true, roomId = 'lobby') => ({ type: 'react', roomId, messageId, emoji, on });
const errorsOf = (c: { framesOf(t: string): Array<Record<string, any>> }) => c.framesOf('error').map((f) => f['code']);

describe('reactions (react)', () => {
  test('the emoji rule: one RGI emoji of at most 32 UTF-8 bytes (Node 20 has the v flag)', () => {
    for (const ok of ['👍', '👍🏽', '🇫🇷', '❤️', '#️⃣', '👨‍👩‍👧‍👦', '🏴󠁧󠁢󠁳󠁣󠁴󠁿']) expect([ok, isReactionEmoji(ok)]).toEqual([ok, true]);
    // Two emoji, text, a heart without its emoji presentation selector, padding, 35 bytes.
    for (const bad of ['👍👍', 'a', ':)', '❤', '', ' 👍', '🧑🏻‍❤️‍💋‍🧑🏼']) expect([bad, isReactionEmoji(bad)]).toEqual([bad, false]);
  });

  test('reaction {roomId, messageId, emoji, count, clientId, on} to members with reactions, the requester included; nothing to others', async () => {
    const { member, posted } = await setup();
    const id = await posted();
    const alice = await member('alice', { sessionId: 's-alice', features: ['reactions'] });
    const bob = await member('bob', { features: ['reactions', 'delete'] });
    const plus = await member('carol', { features: ['delete'] });
    const v1 = await member('dave');
    alice.send(react(id, '👍'));
    await flush();
    const frame = { type: 'reaction', roomId: 'lobby', messageId: id, emoji: '👍', count: 1, clientId: expect.any(String), on: true };
    expect(alice.c.framesOf('reaction')).toEqual([frame]);
    expect(Object.keys(alice.c.framesOf('reaction')[0]!)).toEqual(['type', 'roomId', 'messageId', 'emoji', 'count', 'clientId', 'on']);
    expect(alice.c.framesOf('reaction')[0]!['clientId']).toBe(alice.c.framesOf('welcome')[0]!['self'].clientId);
    expect(bob.c.framesOf('reaction')).toEqual([frame]);
    expect(plus.c.framesOf('reaction')).toEqual([]);
    expect(v1.c.sent.some((f) => f.includes('"reaction"'))).toBe(false);
    bob.send(react(id, '👍'));
    await flush();
    bob.send(react(id, '👍', false));
    alice.send(react(id, '👍', false));
    await flush();
    expect(bob.c.framesOf('reaction').map((f) => [f['count'], f['on']])).toEqual([
      [1, true],
      [2, true],
      [1, false],
      [0, false],
    ]);
  });

  test('one per person: a repeat, or the same sessionId on another connection, changes and sends nothing', async () => {
    const { member, posted, store } = await setup();
    const id = await posted();
    const tab1 = await member('alice', { sessionId: 's-alice', features: ['reactions'] });
    const tab2 = await member('alice', { sessionId: 's-alice', features: ['reactions'] });
    tab1.send(react(id, '🎉'));
    await flush();
    tab1.send(react(id, '🎉'));
    tab2.send(react(id, '🎉'));
    tab2.send(react(id, '😀', false));
    await flush();
    expect(tab1.c.framesOf('reaction')).toHaveLength(1);
    expect(tab2.c.framesOf('reaction')).toHaveLength(1);
    expect(errorsOf(tab1.c)).toEqual([]);
    expect(errorsOf(tab2.c)).toEqual([]);
    expect((await store.reactionCounts('lobby', [id])).get(id)).toEqual([['🎉', 1]]);
  });

  test('errors: INVALID_REACTION (not one emoji, over 32 bytes, a 21st emoji), INVALID_REQUEST (not a string, on not boolean), NOT_IN_ROOM, MESSAGE_NOT_FOUND', async () => {
    const { member, posted } = await setup();
    const id = await posted();
    const a = await member('alice', { features: ['reactions'] });
    a.send(react(id, 'ok'));
    a.send(react(id, '🧑🏻‍❤️‍💋‍🧑🏼'));
    a.send(react(id, 7));
    a.send(react(id, '👍', 'yes'));
    a.send(react(42, '👍'));
    await flush();
    expect(errorsOf(a.c)).toEqual(['INVALID_REACTION', 'INVALID_REACTION', 'INVALID_REQUEST', 'INVALID_REQUEST', 'INVALID_REQUEST']);
    a.send(react(id, '👍', true, 'other'));
    a.send(react('nope', '👍'));
    await flush();
    expect(errorsOf(a.c).slice(5)).toEqual(['NOT_IN_ROOM', 'MESSAGE_NOT_FOUND']);
    const twenty = [...'😀😃😄😁😆😅😂🙂🙃😉😊😇😍😘😗😙😚😋😛😜'];
    expect(twenty).toHaveLength(20);
    for (const e of twenty) a.send(react(id, e));
    await flush();
    a.send(react(id, '🤪'));
    await flush();
    expect(a.c.framesOf('reaction')).toHaveLength(20);
    expect(errorsOf(a.c).slice(7)).toEqual(['INVALID_REACTION']);
    expect(a.c.framesOf('error').every((f) => f['requestType'] === 'react')).toBe(true);
  });

  test('without reactions negotiated, react is UNKNOWN_TYPE', async () => {
    const { member, posted } = await setup();
    const id = await posted();
    const a = await member('alice', { features: ['delete'] });
    a.send(react(id, '👍'));
    await flush();
    expect(errorsOf(a.c)).toEqual(['UNKNOWN_TYPE']);
  });

  test('joined_room: Message+ carries reactions (only when non-empty) for connections with reactions; others see none', async () => {
    const { member, posted } = await setup();
    const liked = await posted('liked');
    await posted('plain');
    const a = await member('alice', { features: ['reactions'] });
    const b = await member('bob', { features: ['reactions'] });
    a.send(react(liked, '👍'));
    b.send(react(liked, '👍'));
    b.send(react(liked, '🔥'));
    await flush();
    const viewer = await member('viewer', { features: ['reactions'] });
    const plus = await member('plus', { features: ['history'] });
    const v1 = await member('v1');
    const [first, second] = viewer.c.framesOf('joined_room')[0]!['messages'];
    expect(first).toMatchObject({ text: 'liked', seq: 1, reactions: { '👍': 2, '🔥': 1 } });
    expect(Object.keys(first)).toEqual(['id', 'ts', 'authorId', 'name', 'avatarId', 'type', 'text', 'seq', 'reactions']);
    expect(second).not.toHaveProperty('reactions');
    expect(plus.c.framesOf('joined_room')[0]!['messages'][0]).not.toHaveProperty('reactions');
    expect(v1.c.sent.some((f) => f.includes('reactions'))).toBe(false);
  });

  test('across instances: a reaction on one reaches members of the other, and a joiner there sees the count', async () => {
    const store = createMemoryStore();
    await store.createRoom({ id: 'lobby', name: 'lobby', createdAt: 1 });
    const bus = createMemoryBus();
    const one = await server(store, bus, 'a_');
    const two = await server(store, bus, 'b_');
    const author = await one.member('author');
    author.send({ type: 'send_message', roomId: 'lobby', message: { type: 'message', text: 'hi' } });
    await flush();
    const id = author.c.framesOf('message')[0]!['message'].id as string;
    const here = await one.member('here', { features: ['reactions'] });
    const there = await two.member('there', { features: ['reactions'] });
    here.send(react(id, '🚀'));
    await flush();
    const hereId = here.c.framesOf('welcome')[0]!['self'].clientId as string;
    expect(hereId).toMatch(/^a_conn_/);
    expect(there.c.framesOf('reaction')).toEqual([expect.objectContaining({ messageId: id, emoji: '🚀', count: 1, clientId: hereId })]);
    const joiner = await two.member('joiner', { features: ['reactions'] });
    expect(joiner.c.framesOf('joined_room')[0]!['messages'][0]).toMatchObject({ reactions: { '🚀': 1 } });
  });
});
