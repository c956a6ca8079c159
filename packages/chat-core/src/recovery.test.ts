import { createFakeClock, createFakeConnection, createMemoryStore, type FakeConnection, type MemoryStore } from '@rgchat/testkit';
import { createChatServer } from './chat-server';
import { createMemoryFanout } from './memory-fanout';
import type { Ids } from './ports/ids';
import type { ChatStore, MessageRecord } from './ports/store';
import { createRoomFeed } from './room-feed';
import { silentLog } from './ports/log';
import { createStoreGuard } from './store-guard';

const flush = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

function counterIds(): Ids {
  let c = 0;
  let m = 0;
  return { connectionId: () => `conn_${++c}`, messageId: () => `msg_${++m}`, randomInt: (n) => 42 % n };
}

const HISTORY_LIMIT = 5;

/** Who wrote the messages of `storeWith` (as stored: may delete them). */
const ANN = 'usr_ann';

/** A store whose room `lobby` holds `count` messages, seq 1..count, ids `old_<seq>`. */
async function storeWith(count: number): Promise<MemoryStore> {
  const store = createMemoryStore();
  await store.createRoom({ id: 'lobby', name: 'Lobby', createdAt: 1 });
  for (let i = 1; i <= count; i++) {
    await store.appendMessage({ roomId: 'lobby', id: `old_${i}`, ts: i, authorId: 'conn_0', name: 'ann', avatarId: 2, type: 'message', text: `m${i}`, authorKey: ANN });
  }
  return store;
}

/** Deletes messages of `store` by id, as their author would (extensions: delete); their seqs become holes. */
async function deleteAll(store: Pick<ChatStore, 'deleteMessage'>, ids: readonly string[]): Promise<void> {
  for (const id of ids) expect((await store.deleteMessage('lobby', id, ANN)).kind).toBe('deleted');
}

describe('recovery: since on join_room and hello', () => {
  async function setup(count: number) {
    const store = await storeWith(count);
    const chat = createChatServer({ store, clock: createFakeClock(), ids: counterIds() }, { limits: { historyLimit: HISTORY_LIMIT } });
    await chat.start();
    const connect = (hello: Record<string, unknown> = {}) => {
      const c = createFakeConnection();
      const events = chat.open(c);
      const send = (frame: unknown) => events.message(JSON.stringify(frame), false);
      send({ type: 'hello', profile: { name: 'rejoiner', avatarId: 1 }, ...hello });
      return { c, send };
    };
    const joined = async (client: { c: FakeConnection; send: (f: unknown) => void }, fields: Record<string, unknown>) => {
      client.send({ type: 'join_room', roomId: 'lobby', ...fields });
      await flush();
      return client.c.frames().at(-1)!;
    };
    return { store, connect, joined };
  }
  const seqs = (frame: Record<string, any>) => (frame['messages'] as Array<{ seq: number }>).map((m) => m.seq);

  test('at most HISTORY_LIMIT missed: recovered true and exactly the messages after since (possibly none)', async () => {
    const { connect, joined } = await setup(12);
    const a = connect({ features: ['recovery'] });
    const frame = await joined(a, { since: 9 });
    expect(frame).toMatchObject({ type: 'joined_room', recovered: true });
    expect(seqs(frame)).toEqual([10, 11, 12]);
    expect(Object.keys(frame)).toEqual(['type', 'room', 'messages', 'recovered']);
    expect(seqs(await joined(a, { since: 7 }))).toEqual([8, 9, 10, 11, 12]);
    expect(await joined(a, { since: 12 })).toMatchObject({ recovered: true, messages: [] });
  });

  test('more than HISTORY_LIMIT missed, or since beyond every seq ever assigned: recovered false and the newest HISTORY_LIMIT', async () => {
    const { connect, joined } = await setup(12);
    const a = connect({ features: ['recovery'] });
    for (const since of [6, 0, 13, 500]) {
      const frame = await joined(a, { since });
      expect(frame).toMatchObject({ type: 'joined_room', recovered: false });
      expect(seqs(frame)).toEqual([8, 9, 10, 11, 12]);
    }
  });

  test('an empty room: since 0 recovers nothing, anything higher is a replaced database', async () => {
    const { connect, joined } = await setup(0);
    const a = connect({ features: ['recovery'] });
    expect(await joined(a, { since: 0 })).toMatchObject({ recovered: true, messages: [] });
    expect(await joined(a, { since: 1 })).toMatchObject({ recovered: false, messages: [] });
  });

  test('no recovered key without since, or without recovery negotiated (since is then ignored, as v1 ignores unknown fields)', async () => {
    const { connect, joined } = await setup(12);
    const plain = await joined(connect({ features: ['recovery'] }), {});
    expect(Object.keys(plain)).toEqual(['type', 'room', 'messages']);
    expect(seqs(plain)).toEqual([8, 9, 10, 11, 12]);
    const history = await joined(connect({ features: ['history'] }), { since: 10 });
    expect(Object.keys(history)).toEqual(['type', 'room', 'messages']);
    expect(seqs(history)).toEqual([8, 9, 10, 11, 12]);
    const v1 = await joined(connect(), { since: 'not even a number' });
    expect(v1).toEqual({
      type: 'joined_room',
      room: { id: 'lobby', name: 'Lobby', createdAt: 1 },
      messages: [8, 9, 10, 11, 12].map((i) => ({ id: `old_${i}`, ts: i, authorId: 'conn_0', name: 'ann', avatarId: 2, type: 'message', text: `m${i}` })),
    });
  });

  test('with recovery negotiated, a since that is not a seq is INVALID_REQUEST; null is no since', async () => {
    const { connect, joined } = await setup(3);
    const a = connect({ features: ['recovery'] });
    for (const since of [-1, 1.5, '2', true, [1]]) {
      expect(await joined(a, { since })).toMatchObject({ type: 'error', code: 'INVALID_REQUEST', requestType: 'join_room' });
    }
    expect(Object.keys(await joined(a, { since: null }))).toEqual(['type', 'room', 'messages']);
  });

  test('hello with resumeRoomId and since recovers on the join it makes; a bad since there is ignored', async () => {
    const { connect } = await setup(12);
    const a = connect({ features: ['recovery'], resumeRoomId: 'lobby', since: 10 });
    await flush();
    expect(a.c.frames().map((f) => f['type'])).toEqual(['welcome', 'joined_room']);
    expect(a.c.frames()[0]).toMatchObject({ activeRoomId: 'lobby', features: ['recovery'] });
    expect(a.c.frames()[1]).toMatchObject({ recovered: true, messages: [{ seq: 11 }, { seq: 12 }] });
    const b = connect({ features: ['recovery'], resumeRoomId: 'lobby', since: -3 });
    await flush();
    expect(Object.keys(b.c.framesOf('joined_room')[0]!)).toEqual(['type', 'room', 'messages']);
    // since without recovery negotiated: ignored.
    const c = connect({ features: ['history'], resumeRoomId: 'lobby', since: 10 });
    await flush();
    expect(Object.keys(c.c.framesOf('joined_room')[0]!)).toEqual(['type', 'room', 'messages']);
  });

  test('live messages follow a recovered join once each, in seq order', async () => {
    const { connect, joined } = await setup(3);
    const talker = connect();
    await joined(talker, {});
    const a = connect({ features: ['recovery'] });
    expect(seqs(await joined(a, { since: 2 }))).toEqual([3]);
    for (const text of ['x', 'y']) talker.send({ type: 'send_message', roomId: 'lobby', message: { type: 'message', text } });
    await flush();
    expect(a.c.framesOf('message').map((f) => f['message'].seq)).toEqual([4, 5]);
  });

  // Issue #11, recovery beside delete: deleted seqs are holes, simply absent from what a joiner gets.
  test('recovering across deleted seqs: exactly the visible messages after since, then live ones at once (no gap wait), nothing twice', async () => {
    const { store, connect, joined } = await setup(6);
    const talker = connect();
    await joined(talker, {});
    // Deleted in the middle and at the tail, with this instance's feed already past them.
    await deleteAll(store, ['old_4', 'old_6']);
    const a = connect({ features: ['recovery'] });
    const frame = await joined(a, { since: 3 });
    expect(frame).toMatchObject({ type: 'joined_room', recovered: true });
    expect(seqs(frame)).toEqual([5]);
    // The fake clock never moves: a live message that waited for a gap fill would not arrive.
    talker.send({ type: 'send_message', roomId: 'lobby', message: { type: 'message', text: 'x' } });
    await flush();
    expect(a.c.framesOf('message').map((f) => f['message'].seq)).toEqual([7]);
    // Since a deleted seq, or the deleted tail: still exact.
    expect(seqs(await joined(a, { since: 4 }))).toEqual([5, 7]);
    expect(await joined(a, { since: 6 })).toMatchObject({ recovered: true });
    expect(seqs(await joined(a, { since: 6 }))).toEqual([7]);
    // Beyond every seq ever assigned (deleted ones count as assigned): a replaced database.
    expect(await joined(a, { since: 8 })).toMatchObject({ recovered: false });
    expect(a.c.framesOf('message').map((f) => f['message'].seq)).toEqual([7]);
  });

  test('recovering into a room nobody here is in, whose newest messages were deleted: live messages follow at once', async () => {
    const { store, connect, joined } = await setup(6);
    await deleteAll(store, ['old_5', 'old_6']);
    const a = connect({ features: ['recovery'] });
    const frame = await joined(a, { since: 3 });
    expect(frame).toMatchObject({ recovered: true });
    expect(seqs(frame)).toEqual([4]);
    const talker = connect();
    await joined(talker, {});
    talker.send({ type: 'send_message', roomId: 'lobby', message: { type: 'message', text: 'x' } });
    await flush();
    expect(a.c.framesOf('message').map((f) => f['message'].seq)).toEqual([7]);
    expect(talker.c.framesOf('message').map((f) => f['message'].text)).toEqual(['x']);
  });
});

/**
 * The feed on its own: a store whose page reads can be held, so messages
 * are appended and delivered while a recovering join's read is in flight,
 * as they are when others keep sending (or another instance's bus is ahead).
 */
describe('recovery in the room feed (interleaved appends)', () => {
  async function feedSetup(count: number) {
    const inner = await storeWith(count);
    let holding = false;
    const held: Array<() => void> = [];
    const hold = <T>(value: T): Promise<T> => (holding ? new Promise((resolve) => held.push(() => resolve(value))) : Promise.resolve(value));
    const store: Pick<ChatStore, 'appendMessage' | 'recentMessages' | 'messagesAfter' | 'messagesPage' | 'deleteMessage' | 'react' | 'reactionCounts'> = {
      appendMessage: (m) => inner.appendMessage(m),
      deleteMessage: (roomId, messageId, authorKey) => inner.deleteMessage(roomId, messageId, authorKey),
      react: (change) => inner.react(change),
      reactionCounts: (roomId, messageIds) => inner.reactionCounts(roomId, messageIds),
      recentMessages: async (roomId, limit) => hold(await inner.recentMessages(roomId, limit)),
      messagesAfter: (roomId, after, limit) => inner.messagesAfter(roomId, after, limit),
      messagesPage: async (roomId, query) => hold(await inner.messagesPage(roomId, query)),
    };
    const clock = createFakeClock();
    const feed = createRoomFeed({
      store,
      guard: createStoreGuard(clock, 10_000, silentLog),
      fanout: createMemoryFanout(),
      clock,
      log: silentLog,
      historyLimit: HISTORY_LIMIT,
      gapFillMs: 100,
    });
    let n = count;
    /** Stores a message as any instance would, returning the record (delivered only when the test says). */
    const append = async () => {
      n++;
      const m = { roomId: 'lobby', id: `new_${n}`, ts: n, authorId: 'b', name: 'bob', avatarId: 0, type: 'message' as const, text: `t${n}`, authorKey: ANN };
      return (await inner.appendMessage(m)).message;
    };
    const join = (since: number | undefined) => {
      const c = createFakeConnection();
      let snapshot: { seqs: number[]; recovered: boolean | undefined } | undefined;
      const joined = feed.join(c, 'lobby', () => true, (history, recovered) => (snapshot = { seqs: history.map((m) => m.seq), recovered }), { plus: true, since });
      return { c, joined, snapshot: () => snapshot, live: () => c.frames().map((f) => f['message'].seq as number) };
    };
    return { feed, append, join, inner, holdReads: () => void (holding = true), release: () => ((holding = false), held.splice(0).forEach((r) => r())), clock };
  }

  test('messages stored and delivered while the recovery read is in flight: no gap, no duplicate', async () => {
    const t = await feedSetup(10);
    const member = t.join(undefined);
    await member.joined;
    t.holdReads();
    const rejoiner = t.join(8);
    await flush();
    // Others keep sending: stored after the read's snapshot and delivered before its answer.
    const during: MessageRecord[] = [];
    for (let i = 0; i < 2; i++) during.push(await t.append());
    for (const m of during) t.feed.deliver(m);
    t.release();
    expect(await rejoiner.joined).toBe(true);
    // The read saw 9..10; 11..12 were delivered meanwhile and join the snapshot.
    expect(rejoiner.snapshot()).toEqual({ seqs: [9, 10, 11, 12], recovered: true });
    const after = await t.append();
    t.feed.deliver(after);
    t.feed.deliver(during[0]!); // a late duplicate from the bus
    expect(rejoiner.live()).toEqual([13]);
    expect(member.live()).toEqual([11, 12, 13]);
  });

  test('more messages during the read than HISTORY_LIMIT: recovered false with the newest, live ones follow without a gap', async () => {
    const t = await feedSetup(10);
    await t.join(undefined).joined;
    t.holdReads();
    const rejoiner = t.join(9);
    await flush();
    for (let i = 0; i < 7; i++) t.feed.deliver(await t.append());
    t.release();
    await rejoiner.joined;
    expect(rejoiner.snapshot()).toEqual({ seqs: [13, 14, 15, 16, 17], recovered: false });
    t.feed.deliver(await t.append());
    expect(rejoiner.live()).toEqual([18]);
  });

  test("this instance's feed behind the client's since (it came from an instance whose bus was ahead): caught up first, nothing twice", async () => {
    const t = await feedSetup(4);
    const member = t.join(undefined);
    await member.joined;
    // Stored by another instance; this instance's bus has not delivered them yet.
    const late: MessageRecord[] = [];
    for (let i = 0; i < 4; i++) late.push(await t.append());
    // The client saw up to 7 over there.
    const rejoiner = t.join(7);
    await flush();
    expect(await rejoiner.joined).toBe(true);
    expect(rejoiner.snapshot()).toEqual({ seqs: [8], recovered: true });
    // The bus finally brings them: nothing reaches the rejoiner twice; the member got them from the catch-up read.
    for (const m of late) t.feed.deliver(m);
    t.feed.deliver(await t.append());
    expect(rejoiner.live()).toEqual([9]);
    expect(member.live()).toEqual([5, 6, 7, 8, 9]);
  });

  test("this instance's feed behind since, and the seqs up to since deleted meanwhile: recovered at once, no gap wait, nothing twice", async () => {
    const t = await feedSetup(4);
    const member = t.join(undefined);
    await member.joined;
    // Another instance stores 5..7 and deletes 6 and 7; this instance's bus has told it nothing yet.
    const late: MessageRecord[] = [];
    for (let i = 0; i < 3; i++) late.push(await t.append());
    await deleteAll(t.inner, ['new_6', 'new_7']);
    // The client saw up to 7 over there (before the deletions).
    const rejoiner = t.join(7);
    await flush();
    expect(await rejoiner.joined).toBe(true);
    // Caught up from the store: 6 and 7 are holes, not messages to wait for, so the join stays exact.
    expect(rejoiner.snapshot()).toEqual({ seqs: [], recovered: true });
    expect(member.live()).toEqual([5]);
    // The bus finally brings the late ones and the deletions; then a new message, with the clock never moving.
    for (const m of late) t.feed.deliver(m);
    t.feed.deleted('lobby', 6);
    t.feed.deleted('lobby', 7);
    t.feed.deliver(await t.append());
    expect(rejoiner.live()).toEqual([8]);
    expect(member.live()).toEqual([5, 8]);
  });

  test('a plain join into a room whose newest messages were deleted: the next live message is read at once, not after gapFillMs', async () => {
    const t = await feedSetup(4);
    await deleteAll(t.inner, ['old_3', 'old_4']);
    const joiner = t.join(undefined);
    await joiner.joined;
    expect(joiner.snapshot()).toEqual({ seqs: [1, 2], recovered: undefined });
    // Nothing announces the deleted tail: seq 5 looks like it follows a gap.
    t.feed.deliver(await t.append());
    await flush();
    expect(joiner.live()).toEqual([5]);
    // That settled the tail: the next real gap waits for the bus as before.
    const six = await t.append();
    t.feed.deliver(await t.append());
    await flush();
    expect(joiner.live()).toEqual([5]);
    t.feed.deliver(six);
    expect(joiner.live()).toEqual([5, 6, 7]);
  });
});
