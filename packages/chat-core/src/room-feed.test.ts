import { createFakeClock, createFakeConnection, createMemoryStore, type FakeConnection, type MemoryStore } from '@rgchat/testkit';
import { ErrorCode } from './error-codes';
import { createMemoryFanout } from './memory-fanout';
import type { LogLevel } from './ports/log';
import type { MessageRecord, MessageStore } from './ports/store';
import { createRoomFeed } from './room-feed';
import { messageFrame } from './wire';
import { createStoreGuard } from './store-guard';

const GAP_FILL_MS = 100;
const HISTORY_LIMIT = 5;
const STORE_TIMEOUT_MS = 10_000;

const flush = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

/** Marks the place where the caller sends `joined_room` (onReady), among the frames a connection got. */
const JOINED = 'joined';

/**
 * A memory store whose history reads can be held: the read happens at call
 * time (its snapshot is fixed then) but its answer is released by the test,
 * so deliveries can be made while a join is in flight.
 */
function holdableStore(inner: MemoryStore) {
  const held: Array<() => void> = [];
  const calls = { recentMessages: 0, messagesAfter: 0 };
  let holding = false;
  const store: MessageStore = {
    appendMessage: (m) => inner.appendMessage(m),
    deleteMessage: (roomId, messageId, authorKey) => inner.deleteMessage(roomId, messageId, authorKey),
    react: (change) => inner.react(change),
    reactionCounts: (roomId, messageIds) => inner.reactionCounts(roomId, messageIds),
    async recentMessages(roomId, limit) {
      calls.recentMessages++;
      const rows = await inner.recentMessages(roomId, limit);
      if (!holding) return rows;
      return new Promise((resolve) => held.push(() => resolve(rows)));
    },
    messagesAfter(roomId, afterSeq, limit) {
      calls.messagesAfter++;
      return inner.messagesAfter(roomId, afterSeq, limit);
    },
  };
  return {
    store,
    calls,
    hold: () => void (holding = true),
    release: () => {
      holding = false;
      for (const r of held.splice(0)) r();
    },
  };
}

async function setup(inner: MemoryStore = createMemoryStore()) {
  const clock = createFakeClock();
  const logs: Array<{ level: LogLevel; msg: string; fields: Record<string, unknown> | undefined }> = [];
  const log = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void logs.push({ level, msg, fields });
  const h = holdableStore(inner);
  const feed = createRoomFeed({
    store: h.store,
    // The guard keeps one deadline timer armed after its calls return (it
    // fires at most once per timeout); on its own clock it stays out of the
    // feed's timer counts that these tests assert.
    guard: createStoreGuard(createFakeClock(), STORE_TIMEOUT_MS, log),
    fanout: createMemoryFanout(),
    clock,
    log,
    historyLimit: HISTORY_LIMIT,
    gapFillMs: GAP_FILL_MS,
  });
  await inner.createRoom({ id: 'r', name: 'r', createdAt: 1 });
  let n = 0;
  /** Stores a message as another instance would, without delivering it. */
  const append = async (roomId = 'r'): Promise<MessageRecord> => {
    n++;
    const { message } = await inner.appendMessage({ roomId, id: `m${n}`, ts: n, authorId: 'a', name: 'a', avatarId: 0, type: 'message', text: `t${n}` });
    return message;
  };
  const appendMany = async (count: number) => {
    const out: MessageRecord[] = [];
    for (let i = 0; i < count; i++) out.push(await append());
    return out;
  };
  /** Joins like request-handlers does: onReady stands for the `joined_room` frame. */
  const join = (c: FakeConnection, roomId = 'r', stillWanted = () => true) => {
    let history: MessageRecord[] | undefined;
    const joined = feed.join(c, roomId, stillWanted, (hist) => {
      history = hist;
      c.sent.push(JSON.stringify({ type: JOINED }));
    });
    return { joined, history: () => history };
  };
  const member = async (roomId = 'r') => {
    const c = createFakeConnection();
    const j = join(c, roomId);
    await flush();
    expect(await j.joined).toBe(true);
    return c;
  };
  return { clock, logs, feed, inner, ...h, append, appendMany, join, member };
}

/** Message ids a connection received live, with the joined marker where onReady ran. */
const seen = (c: FakeConnection) => c.frames().map((f) => (f.type === JOINED ? JOINED : (f.message.id as string)));
const ids = (ms: readonly MessageRecord[] | undefined) => (ms ?? []).map((m) => m.id);

describe('room feed: live delivery', () => {
  test('in-order messages go out at once, each serialised as the message frame', async () => {
    const t = await setup();
    const a = await t.member();
    const b = await t.member();
    const [m1, m2, m3] = await t.appendMany(3);
    t.feed.deliver(m1!);
    t.feed.deliver(m2!);
    t.feed.deliver(m3!);
    expect(seen(a)).toEqual([JOINED, 'm1', 'm2', 'm3']);
    expect(b.sent.slice(1)).toEqual([m1, m2, m3].map((m) => messageFrame(m!)));
    expect(t.calls.messagesAfter).toBe(0);
    expect(t.clock.pendingTimers).toBe(0);
  });

  test('duplicates are dropped, whether already delivered or still waiting behind a gap', async () => {
    const t = await setup();
    const a = await t.member();
    const [m1, m2, m3] = await t.appendMany(3);
    t.feed.deliver(m1!);
    t.feed.deliver(m1!);
    t.feed.deliver(m3!);
    t.feed.deliver(m3!);
    t.feed.deliver(m2!);
    t.feed.deliver(m1!);
    t.feed.deliver(m2!);
    expect(seen(a)).toEqual([JOINED, 'm1', 'm2', 'm3']);
  });

  test('messages for rooms nobody here watches are ignored', async () => {
    const t = await setup();
    await t.inner.createRoom({ id: 'other', name: 'other', createdAt: 1 });
    const a = await t.member();
    t.feed.deliver(await t.append('other'));
    expect(seen(a)).toEqual([JOINED]);
    expect(t.clock.pendingTimers).toBe(0);
  });
});

describe('room feed: gaps', () => {
  test('a message ahead of a gap waits gapFillMs for the bus, then the gap is read from the store', async () => {
    const t = await setup();
    const a = await t.member();
    const [m1, , m3] = await t.appendMany(3);
    t.feed.deliver(m1!);
    t.feed.deliver(m3!);
    expect(seen(a)).toEqual([JOINED, 'm1']);
    t.clock.advance(GAP_FILL_MS - 1);
    await flush();
    expect(t.calls.messagesAfter).toBe(0);
    expect(seen(a)).toEqual([JOINED, 'm1']);
    t.clock.advance(1);
    await flush();
    expect(t.calls.messagesAfter).toBe(1);
    expect(seen(a)).toEqual([JOINED, 'm1', 'm2', 'm3']);
    expect(t.clock.pendingTimers).toBe(0);
  });

  test('when the bus brings the missing message in time, the store is not read', async () => {
    const t = await setup();
    const a = await t.member();
    const [m1, m2, m3] = await t.appendMany(3);
    t.feed.deliver(m1!);
    t.feed.deliver(m3!);
    t.clock.advance(GAP_FILL_MS / 2);
    t.feed.deliver(m2!);
    expect(seen(a)).toEqual([JOINED, 'm1', 'm2', 'm3']);
    expect(t.clock.pendingTimers).toBe(0);
    t.clock.advance(GAP_FILL_MS * 10);
    await flush();
    expect(t.calls.messagesAfter).toBe(0);
  });

  test('a failing gap fill backs off, doubling on the fake clock, and recovers', async () => {
    const t = await setup();
    const a = await t.member();
    const [m1, , m3, m4] = await t.appendMany(4);
    t.feed.deliver(m1!);
    t.inner.failing = true;
    t.feed.deliver(m3!);
    t.clock.advance(GAP_FILL_MS);
    await flush();
    expect(t.calls.messagesAfter).toBe(1);
    const retries = () => t.logs.filter((l) => l.msg === 'gap fill failed; will retry').map((l) => l.fields?.['retryMs']);
    expect(retries()).toEqual([2 * GAP_FILL_MS]);

    t.clock.advance(2 * GAP_FILL_MS - 1);
    await flush();
    expect(t.calls.messagesAfter).toBe(1);
    t.clock.advance(1);
    await flush();
    expect(t.calls.messagesAfter).toBe(2);
    expect(retries()).toEqual([2 * GAP_FILL_MS, 4 * GAP_FILL_MS]);
    // A delivery meanwhile neither retries early nor skips the gap.
    t.feed.deliver(m4!);
    await flush();
    expect(t.calls.messagesAfter).toBe(2);
    expect(seen(a)).toEqual([JOINED, 'm1']);

    t.inner.failing = false;
    t.clock.advance(4 * GAP_FILL_MS);
    await flush();
    expect(t.calls.messagesAfter).toBe(3);
    expect(seen(a)).toEqual([JOINED, 'm1', 'm2', 'm3', 'm4']);

    // Recovered: the next gap waits gapFillMs again, not the backed-off delay.
    const [, m6] = await t.appendMany(2);
    t.feed.deliver(m6!);
    t.clock.advance(GAP_FILL_MS);
    await flush();
    expect(t.calls.messagesAfter).toBe(4);
    expect(seen(a)).toEqual([JOINED, 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
  });

  test('the back-off holds when more than 2 x historyLimit messages wait behind the gap', async () => {
    const t = await setup();
    const a = await t.member();
    const all = await t.appendMany(2 * HISTORY_LIMIT + 3);
    t.inner.failing = true;
    // Before the fix, every failed fill started the next one at once: a busy
    // loop against a broken store. A cap turns that hang into a failure here.
    const realMessagesAfter = t.store.messagesAfter;
    t.store.messagesAfter = (...args) => (t.calls.messagesAfter >= 50 ? new Promise(() => {}) : realMessagesAfter(...args));
    for (const m of all.slice(1)) t.feed.deliver(m);
    await flush();
    const callsBeforeWaiting = t.calls.messagesAfter;
    expect(callsBeforeWaiting).toBeLessThanOrEqual(1);
    t.clock.advance(GAP_FILL_MS - 1);
    await flush();
    expect(t.calls.messagesAfter).toBe(callsBeforeWaiting);
    t.inner.failing = false;
    t.clock.advance(2 * GAP_FILL_MS);
    await flush();
    expect(seen(a)).toEqual([JOINED, ...ids(all)]);
  });

  test('resync re-reads a watched room from the store and delivers what the bus lost', async () => {
    const t = await setup();
    const a = await t.member();
    await t.appendMany(2);
    t.feed.resync();
    await flush();
    expect(seen(a)).toEqual([JOINED, 'm1', 'm2']);
    // Nothing new: a resync reads but sends nothing.
    t.feed.resync();
    await flush();
    expect(t.calls.messagesAfter).toBe(2);
    expect(seen(a)).toEqual([JOINED, 'm1', 'm2']);
  });
});

describe('room feed: joins', () => {
  test('the joiner gets history, then onReady, then live messages, with nothing lost or repeated', async () => {
    const t = await setup();
    const a = await t.member();
    const early = await t.appendMany(3);
    for (const m of early) t.feed.deliver(m);
    t.hold();
    const b = createFakeConnection();
    const j = t.join(b);
    await flush();
    // Delivered while b's history read is in flight.
    const during = await t.appendMany(2);
    for (const m of during) t.feed.deliver(m);
    t.release();
    expect(await j.joined).toBe(true);
    const after = await t.append();
    t.feed.deliver(after);
    expect(ids(j.history())).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(seen(b)).toEqual([JOINED, 'm6']);
    expect(seen(a)).toEqual([JOINED, 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
  });

  test('a history read newer than the feed: the rest comes through the feed, once, in order', async () => {
    const t = await setup();
    const a = await t.member();
    const [m1, m2, m3] = await t.appendMany(3);
    t.feed.deliver(m1!);
    // b's read sees m1..m3, but members have only had m1 so far.
    const b = createFakeConnection();
    const j = t.join(b);
    expect(await j.joined).toBe(true);
    expect(ids(j.history())).toEqual(['m1']);
    t.feed.deliver(m2!);
    t.feed.deliver(m3!);
    expect(seen(b)).toEqual([JOINED, 'm2', 'm3']);
    expect(seen(a)).toEqual([JOINED, 'm1', 'm2', 'm3']);
  });

  test('messages that only the store has when the join returns are fetched after gapFillMs', async () => {
    const t = await setup();
    await t.member();
    const [m1] = await t.appendMany(3);
    t.feed.deliver(m1!);
    const b = createFakeConnection();
    const j = t.join(b);
    expect(await j.joined).toBe(true);
    t.clock.advance(GAP_FILL_MS);
    await flush();
    expect(seen(b)).toEqual([JOINED, 'm2', 'm3']);
  });

  test('the first joiner of a room holds deliveries made during its read and sends them after onReady', async () => {
    const t = await setup();
    await t.appendMany(2);
    t.hold();
    const b = createFakeConnection();
    const j = t.join(b);
    await flush();
    const [m3, m4] = await t.appendMany(2);
    t.feed.deliver(m4!);
    t.feed.deliver(m3!);
    expect(b.sent).toEqual([]);
    t.release();
    expect(await j.joined).toBe(true);
    // The read's snapshot ended at m2: m3 and m4 come live, in seq order.
    expect(ids(j.history())).toEqual(['m1', 'm2']);
    expect(seen(b)).toEqual([JOINED, 'm3', 'm4']);
  });

  test('history handed to onReady is capped at historyLimit, newest kept', async () => {
    const t = await setup();
    const a = await t.member();
    const early = await t.appendMany(3);
    for (const m of early) t.feed.deliver(m);
    t.hold();
    const b = createFakeConnection();
    const j = t.join(b);
    await flush();
    const during = await t.appendMany(HISTORY_LIMIT + 2);
    for (const m of during) t.feed.deliver(m);
    t.release();
    expect(await j.joined).toBe(true);
    expect(ids(j.history())).toEqual(ids(during.slice(-HISTORY_LIMIT)));
    expect(seen(b)).toEqual([JOINED]);
    expect(seen(a)).toHaveLength(1 + 3 + HISTORY_LIMIT + 2);
  });

  test('a joiner no longer wanted when the read returns is not subscribed, and the room is dropped', async () => {
    const t = await setup();
    const b = createFakeConnection();
    let wanted = true;
    t.hold();
    const j = t.join(b, 'r', () => wanted);
    await flush();
    wanted = false;
    t.release();
    expect(await j.joined).toBe(false);
    expect(j.history()).toBeUndefined();
    t.feed.deliver(await t.append());
    expect(b.sent).toEqual([]);
    expect(t.clock.pendingTimers).toBe(0);
  });

  test('a failed history read rejects with STORE_UNAVAILABLE and leaves nothing behind', async () => {
    const t = await setup();
    t.inner.failing = true;
    const b = createFakeConnection();
    const j = t.join(b);
    await expect(j.joined).rejects.toMatchObject({ code: ErrorCode.STORE_UNAVAILABLE });
    t.inner.failing = false;
    t.feed.deliver(await t.append());
    expect(b.sent).toEqual([]);
    expect(t.clock.pendingTimers).toBe(0);
  });
});

describe('room feed: leave and close', () => {
  test('a member that left gets nothing more; the others still do', async () => {
    const t = await setup();
    const a = await t.member();
    const b = await t.member();
    const [m1, m2] = await t.appendMany(2);
    t.feed.deliver(m1!);
    t.feed.leave(b, 'r');
    t.feed.deliver(m2!);
    expect(seen(a)).toEqual([JOINED, 'm1', 'm2']);
    expect(seen(b)).toEqual([JOINED, 'm1']);
  });

  test('when the last member leaves, the room is forgotten and its gap timer cancelled', async () => {
    const t = await setup();
    const a = await t.member();
    const [m1, , m3] = await t.appendMany(3);
    t.feed.deliver(m1!);
    t.feed.deliver(m3!);
    expect(t.clock.pendingTimers).toBe(1);
    t.feed.leave(a, 'r');
    expect(t.clock.pendingTimers).toBe(0);
    t.clock.advance(GAP_FILL_MS * 10);
    await flush();
    expect(t.calls.messagesAfter).toBe(0);
    // Joining again starts from the store, not from stale state.
    const b = createFakeConnection();
    const j = t.join(b);
    expect(await j.joined).toBe(true);
    expect(ids(j.history())).toEqual(['m1', 'm2', 'm3']);
    t.feed.deliver(await t.append());
    expect(seen(b)).toEqual([JOINED, 'm4']);
  });

  test('close cancels timers, fails joins in flight and ignores later deliveries', async () => {
    const t = await setup();
    const a = await t.member();
    const [m1, , m3] = await t.appendMany(3);
    t.feed.deliver(m1!);
    t.feed.deliver(m3!);
    t.hold();
    const b = createFakeConnection();
    const j = t.join(b);
    await flush();
    t.feed.close();
    t.release();
    expect(await j.joined).toBe(false);
    // The gap timer is gone (the read's own deadline was cancelled when it returned).
    expect(t.clock.pendingTimers).toBe(0);
    t.feed.deliver((await t.inner.messagesAfter('r', 1, 1))[0]!);
    t.feed.resync();
    await flush();
    expect(seen(a)).toEqual([JOINED, 'm1']);
    expect(b.sent).toEqual([]);
  });
});
