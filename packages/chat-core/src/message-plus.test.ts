import { createFakeClock, createFakeConnection, createMemoryStore } from '@rgchat/testkit';
import { createChatServer } from './chat-server';
import { createMemoryFanout } from './memory-fanout';
import type { Fanout } from './ports/fanout';
import type { Ids } from './ports/ids';

const flush = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

function counterIds(): Ids {
  let c = 0;
  let m = 0;
  return { connectionId: () => `conn_${++c}`, messageId: () => `msg_${++m}`, randomInt: (n) => 42 % n };
}

/** The default fan-out, recording every publish (topic and the exact string). */
function recordingFanout() {
  const inner = createMemoryFanout();
  const published: Array<{ topic: string; frame: string }> = [];
  const fanout: Fanout = {
    subscribe: (c, t) => inner.subscribe(c, t),
    unsubscribe: (c, t) => inner.unsubscribe(c, t),
    publish(topic, frame) {
      published.push({ topic, frame });
      inner.publish(topic, frame);
    },
  };
  return { fanout, published };
}

async function setup() {
  const store = createMemoryStore();
  const { fanout, published } = recordingFanout();
  const chat = createChatServer({ store, clock: createFakeClock(), ids: counterIds(), fanout });
  await chat.start();
  const connect = (name: string, features?: string[]) => {
    const c = createFakeConnection();
    const events = chat.open(c);
    const send = (frame: unknown) => events.message(JSON.stringify(frame), false);
    send({ type: 'hello', profile: { name, avatarId: 1 }, ...(features ? { features } : {}) });
    return { c, send };
  };
  return { store, connect, published };
}

const say = (text: string) => ({ type: 'send_message', roomId: 'lobby', message: { type: 'message', text } });

describe('Message+ (seq for connections that negotiated a feature)', () => {
  test('a v1 client and a featured client in one room: only the featured one sees seq, in joined_room and live', async () => {
    const { connect } = await setup();
    const v1 = connect('plain');
    const plus = connect('fancy', ['history']);
    v1.send({ type: 'create_room', name: 'lobby' });
    v1.send({ type: 'join_room', roomId: 'lobby' });
    v1.send(say('first'));
    await flush();
    plus.send({ type: 'join_room', roomId: 'lobby' });
    await flush();
    v1.send(say('second'));
    await flush();

    const base = { id: 'msg_1', ts: expect.any(Number), authorId: 'conn_1', name: 'plain', avatarId: 1, type: 'message', text: 'first' };
    expect(plus.c.framesOf('joined_room')[0]!['messages']).toEqual([{ ...base, seq: 1 }]);
    const second = { id: 'msg_2', ts: expect.any(Number), authorId: 'conn_1', name: 'plain', avatarId: 1, type: 'message', text: 'second' };
    expect(plus.c.framesOf('message')).toEqual([{ type: 'message', roomId: 'lobby', message: { ...second, seq: 2 } }]);
    // The v1 client's frames are rg-chat-v1's exactly: no seq anywhere, no recovered, no features.
    expect(v1.c.framesOf('joined_room')).toEqual([{ type: 'joined_room', room: { id: 'lobby', name: 'lobby', createdAt: expect.any(Number) }, messages: [] }]);
    expect(v1.c.framesOf('message')).toEqual([
      { type: 'message', roomId: 'lobby', message: base },
      { type: 'message', roomId: 'lobby', message: second },
    ]);
    expect(v1.c.sent.some((f) => f.includes('"seq"'))).toBe(false);
  });

  test('a broadcast is serialised once per variant: one publish per topic, whatever the number of members', async () => {
    const { connect, published } = await setup();
    const clients = [connect('a'), connect('b'), connect('c', ['recovery']), connect('d', ['history', 'recovery'])];
    clients[0]!.send({ type: 'create_room', name: 'lobby' });
    for (const c of clients) c.send({ type: 'join_room', roomId: 'lobby' });
    await flush();
    published.length = 0;
    clients[1]!.send(say('hi'));
    await flush();
    expect(published.map((p) => p.topic)).toEqual(['room:lobby', 'room+:lobby']);
    // Every member of a variant got the very string published for it.
    expect(clients[0]!.c.sent.at(-1)).toBe(published[0]!.frame);
    expect(clients[1]!.c.sent.at(-1)).toBe(published[0]!.frame);
    expect(clients[2]!.c.sent.at(-1)).toBe(published[1]!.frame);
    expect(clients[3]!.c.sent.at(-1)).toBe(published[1]!.frame);
  });

  test('a room without featured members publishes the v1 frame only (no second serialisation)', async () => {
    const { connect, published } = await setup();
    const a = connect('a');
    const b = connect('b');
    a.send({ type: 'create_room', name: 'lobby' });
    a.send({ type: 'join_room', roomId: 'lobby' });
    b.send({ type: 'join_room', roomId: 'lobby' });
    await flush();
    a.send(say('hi'));
    await flush();
    expect(published.map((p) => p.topic)).toEqual(['room:lobby']);
  });

  test('a later hello switches the live variant of a connection already in a room, both ways', async () => {
    const { connect } = await setup();
    const talker = connect('talker');
    const switcher = connect('switcher');
    talker.send({ type: 'create_room', name: 'lobby' });
    talker.send({ type: 'join_room', roomId: 'lobby' });
    switcher.send({ type: 'join_room', roomId: 'lobby' });
    talker.send(say('one'));
    await flush();
    switcher.send({ type: 'hello', profile: { name: 'switcher', avatarId: 1 }, features: ['history'] });
    await flush();
    talker.send(say('two'));
    await flush();
    switcher.send({ type: 'hello', profile: { name: 'switcher', avatarId: 1 } });
    await flush();
    talker.send(say('three'));
    await flush();
    expect(switcher.c.framesOf('message').map((f) => [f['message'].text, f['message'].seq])).toEqual([
      ['one', undefined],
      ['two', 2],
      ['three', undefined],
    ]);
  });

  test('leaving a room takes a featured connection off the Message+ topic', async () => {
    const { connect, published } = await setup();
    const talker = connect('talker');
    const leaver = connect('leaver', ['history']);
    talker.send({ type: 'create_room', name: 'lobby' });
    talker.send({ type: 'create_room', name: 'other' });
    talker.send({ type: 'join_room', roomId: 'lobby' });
    leaver.send({ type: 'join_room', roomId: 'lobby' });
    await flush();
    leaver.send({ type: 'join_room', roomId: 'other' });
    await flush();
    published.length = 0;
    talker.send(say('after'));
    await flush();
    expect(leaver.c.framesOf('message')).toEqual([]);
    expect(published.map((p) => p.topic)).toEqual(['room:lobby']);
  });
});
