import { createFakeClock, createFakeConnection, createMemoryStore, type FakeConnection, httpRequest } from '@rgchat/testkit';
import { createChatServer, type ChatServerOptions } from './chat-server';
import { createTransportEdge } from './edge/transport-edge';
import type { Ids } from './ports/ids';

// The two halves of issue #11 (history and recovery; acks, delete, reactions,
// rooms) and issue #12 (presence, typing) were built apart: these are the
// places where one feature's output is another's input.

const flush = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

function counterIds(): Ids {
  let c = 0;
  let m = 0;
  return { connectionId: () => `conn_${++c}`, messageId: () => `msg_${++m}`, randomInt: (n) => 42 % n };
}

interface Client {
  readonly c: FakeConnection;
  readonly id: string;
  send(frame: unknown): void;
  closed(): void;
}

/** Who wrote the messages of `setup` (as stored: may delete them). */
const ANN = 'usr_ann';

/** Room `lobby` with `messages` messages by ANN (ids old_<seq>), rooms `den` and `attic`, and clients. */
async function setup(messages = 0, options: ChatServerOptions = {}) {
  const store = createMemoryStore();
  await store.createRoom({ id: 'lobby', name: 'Lobby', createdAt: 3 });
  await store.createRoom({ id: 'den', name: 'Den', createdAt: 2 });
  await store.createRoom({ id: 'attic', name: 'Attic', createdAt: 1 });
  for (let i = 1; i <= messages; i++) {
    await store.appendMessage({ roomId: 'lobby', id: `old_${i}`, ts: 1000 + i, authorId: 'conn_0', name: 'ann', avatarId: 2, type: 'message', text: `m${i}`, authorKey: ANN });
  }
  const clock = createFakeClock();
  // Fake connections never answer pings: a heartbeat longer than any test keeps them.
  const limits = { rateLimitBurst: 1000, heartbeatMs: 3_600_000, ...options.limits };
  const chat = createChatServer({ store, clock, ids: counterIds() }, { ...options, limits });
  await chat.start();
  const connect = async (hello: Record<string, unknown> = {}, roomId?: string): Promise<Client> => {
    const c = createFakeConnection();
    const events = chat.open(c);
    const send = (frame: unknown) => events.message(JSON.stringify(frame), false);
    send({ type: 'hello', profile: { name: 'x', avatarId: 1 }, ...hello });
    if (roomId) send({ type: 'join_room', roomId });
    await flush();
    return { c, id: String(c.framesOf('welcome')[0]?.['self']?.clientId), send, closed: () => events.closed(1000, '') };
  };
  const react = (client: Client, messageId: string, emoji: string) => client.send({ type: 'react', roomId: 'lobby', messageId, emoji, on: true });
  return { chat, store, clock, connect, react };
}

const say = (text: string, clientMsgId?: string) => ({
  type: 'send_message',
  roomId: 'lobby',
  message: { type: 'message', text },
  ...(clientMsgId === undefined ? {} : { clientMsgId }),
});

describe('history and recovery beside delete and reactions', () => {
  test('get_history: deleted messages are absent, hasMore counts visible ones, reactions only where negotiated', async () => {
    const { store, connect, react } = await setup(6);
    const reactor = await connect({ sessionId: 's-r', features: ['reactions'] }, 'lobby');
    react(reactor, 'old_5', '👍');
    react(reactor, 'old_5', '🎉');
    await flush();
    for (const id of ['old_1', 'old_2', 'old_6']) expect((await store.deleteMessage('lobby', id, ANN)).kind).toBe('deleted');

    const both = await connect({ features: ['history', 'reactions'] });
    both.send({ type: 'get_history', roomId: 'lobby', limit: 3 });
    await flush();
    const page = both.c.framesOf('history')[0]!;
    expect(page['messages'].map((m: { seq: number }) => m.seq)).toEqual([3, 4, 5]);
    expect(page['hasMore']).toBe(false);
    expect(page['messages'][2]).toMatchObject({ seq: 5, reactions: { '👍': 1, '🎉': 1 } });
    expect(page['messages'][0]).not.toHaveProperty('reactions');

    const historyOnly = await connect({ features: ['history'] });
    historyOnly.send({ type: 'get_history', roomId: 'lobby', after: 0, limit: 2 });
    await flush();
    const plain = historyOnly.c.framesOf('history')[0]!;
    expect(plain).toMatchObject({ hasMore: true, messages: [{ seq: 3 }, { seq: 4 }] });
    historyOnly.send({ type: 'get_history', roomId: 'lobby', after: 4 });
    await flush();
    expect(historyOnly.c.framesOf('history')[1]!['messages']).toEqual([expect.objectContaining({ seq: 5 })]);
    expect(historyOnly.c.sent.some((f) => f.includes('reactions'))).toBe(false);
  });

  test('GET /api/rooms/{id}/messages: seq and, when non-empty, reactions for every client; deleted messages absent', async () => {
    const { chat, store, connect, react } = await setup(4);
    const reactor = await connect({ features: ['reactions'] }, 'lobby');
    react(reactor, 'old_2', '🔥');
    await flush();
    expect((await store.deleteMessage('lobby', 'old_3', ANN)).kind).toBe('deleted');
    const answer = await createTransportEdge(chat).http(httpRequest('GET', '/api/rooms/lobby/messages?limit=2'));
    const body = JSON.parse(answer.body) as { messages: Array<Record<string, unknown>>; hasMore: boolean };
    expect(body.messages.map((m) => m['seq'])).toEqual([2, 4]);
    expect(body.hasMore).toBe(true);
    expect(body.messages[0]).toMatchObject({ id: 'old_2', reactions: { '🔥': 1 } });
    expect(Object.keys(body.messages[1]!)).toEqual(['id', 'ts', 'authorId', 'name', 'avatarId', 'type', 'text', 'seq']);
  });

  test('a recovering join carries the reactions of the messages it returns', async () => {
    const { connect, react } = await setup(5);
    const reactor = await connect({ features: ['reactions'] }, 'lobby');
    react(reactor, 'old_4', '👍');
    react(reactor, 'old_1', '👍');
    await flush();
    const back = await connect({ features: ['recovery', 'reactions'] });
    back.send({ type: 'join_room', roomId: 'lobby', since: 3 });
    await flush();
    const joined = back.c.framesOf('joined_room')[0]!;
    expect(joined).toMatchObject({ recovered: true, messages: [{ seq: 4, reactions: { '👍': 1 } }, { seq: 5 }] });
    expect(joined['messages'][1]).not.toHaveProperty('reactions');
  });
});

describe('typing beside acks', () => {
  test("an acked send ends its sender's typing; a duplicate resend does not", async () => {
    const { connect } = await setup();
    const typist = await connect({ sessionId: 's-t', features: ['acks', 'typing'] }, 'lobby');
    const watcher = await connect({ features: ['typing'] }, 'lobby');
    const typingSeen = () => watcher.c.framesOf('typing').map((f) => f['active']);
    typist.send({ type: 'typing', roomId: 'lobby', active: true });
    typist.send(say('first', 'k-1'));
    await flush();
    expect(typist.c.framesOf('ack')).toEqual([expect.objectContaining({ clientMsgId: 'k-1', seq: 1 })]);
    expect(typingSeen()).toEqual([true, false]);
    // Typing again, then an automatic resend of the stored message: the user is still typing.
    typist.send({ type: 'typing', roomId: 'lobby', active: true });
    typist.send(say('first', 'k-1'));
    await flush();
    expect(typist.c.framesOf('ack')[1]).toMatchObject({ clientMsgId: 'k-1', duplicate: true });
    expect(typingSeen()).toEqual([true, false, true]);
    typist.send(say('second', 'k-2'));
    await flush();
    expect(typingSeen()).toEqual([true, false, true, false]);
  });
});

describe('rooms beside presence: room_update and list_rooms carry online', () => {
  test('a presence+rooms client gets room_update with online when a room fills or empties; rooms alone has no online', async () => {
    const { connect, clock } = await setup();
    const both = await connect({ features: ['presence', 'rooms'] });
    const roomsOnly = await connect({ features: ['rooms'] });
    const presenceOnly = await connect({ features: ['presence'] });
    expect(both.c.framesOf('welcome')[0]!['rooms']).toEqual(presenceOnly.c.framesOf('welcome')[0]!['rooms']);
    expect(both.c.framesOf('welcome')[0]!['rooms'][0]).toMatchObject({ id: 'lobby', online: 0 });

    const visitor = await connect({}, 'den');
    clock.advance(2000);
    await flush();
    expect(both.c.framesOf('room_update')).toEqual([{ type: 'room_update', rooms: [expect.objectContaining({ id: 'den', online: 1 })], removed: [] }]);
    expect(both.c.framesOf('room_list')).toEqual([]);
    expect(roomsOnly.c.framesOf('room_update')).toEqual([]);
    expect(presenceOnly.c.framesOf('room_list').at(-1)!['rooms'].find((r: { id: string }) => r.id === 'den')).toMatchObject({ online: 1 });

    visitor.closed();
    clock.advance(2000);
    await flush();
    expect(both.c.framesOf('room_update').at(-1)).toEqual({ type: 'room_update', rooms: [expect.objectContaining({ id: 'den', online: 0 })], removed: [] });
    // A room created meanwhile reaches both kinds of diff clients, with online only where presence was negotiated.
    both.send({ type: 'create_room', name: 'Porch' });
    await flush();
    expect(both.c.framesOf('room_update').at(-1)).toEqual({ type: 'room_update', rooms: [expect.objectContaining({ id: 'porch', online: 0 })], removed: [] });
    clock.advance(2000);
    await flush();
    expect(roomsOnly.c.framesOf('room_update').at(-1)!['rooms']).toEqual([expect.not.objectContaining({ online: expect.anything() })]);
    expect(roomsOnly.c.framesOf('room_update').at(-1)!['rooms'][0]).toMatchObject({ id: 'porch' });
  });

  test('an unlisted room whose online changes: a room_update for diff clients, no whole list resent to the others', async () => {
    const { connect, clock } = await setup(0, { limits: { roomListLimit: 2 } });
    const both = await connect({ features: ['presence', 'rooms'] });
    const presenceOnly = await connect({ features: ['presence'] });
    expect(presenceOnly.c.framesOf('welcome')[0]!['rooms'].map((r: { id: string }) => r.id)).toEqual(['lobby', 'den']);
    await connect({}, 'attic');
    clock.advance(2000);
    await flush();
    expect(both.c.framesOf('room_update')).toEqual([{ type: 'room_update', rooms: [expect.objectContaining({ id: 'attic', online: 1 })], removed: [] }]);
    expect(presenceOnly.c.framesOf('room_list')).toEqual([]);
  });

  test('list_rooms rooms carry online with presence negotiated, not without', async () => {
    const { connect } = await setup();
    await connect({}, 'den');
    const both = await connect({ features: ['presence', 'rooms'] });
    const roomsOnly = await connect({ features: ['rooms'] });
    for (const c of [both, roomsOnly]) c.send({ type: 'list_rooms', q: 'de' });
    await flush();
    expect(both.c.framesOf('room_list')).toEqual([{ type: 'room_list', rooms: [expect.objectContaining({ id: 'den', online: 1 })] }]);
    expect(roomsOnly.c.framesOf('room_list')[0]!['rooms'][0]).not.toHaveProperty('online');
  });
});
