import { createFakeClock, createFakeConnection, createMemoryStore, type FakeConnection } from '@rgchat/testkit';
import { createChatServer } from './chat-server';
import { ErrorCode } from './error-codes';
import type { Ids } from './ports/ids';
import type { AppendResult, NewMessage } from './ports/store';

// Issue #10 item 6: on shutdown every admitted request is answered before the close.

const flush = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

const ids = (): Ids => {
  let c = 0;
  let m = 0;
  return { connectionId: () => `conn_${++c}`, messageId: () => `msg_${++m}`, randomInt: (n) => 7 % n };
};

/** A memory store whose appends wait until `release()`. */
function holdingStore() {
  const store = createMemoryStore();
  const append = store.appendMessage.bind(store);
  const held: Array<() => void> = [];
  let holding = false;
  store.appendMessage = (m: NewMessage) =>
    holding ? new Promise<AppendResult>((resolve, reject) => held.push(() => append(m).then(resolve, reject))) : append(m);
  return {
    store,
    hold: () => (holding = true),
    release: () => held.splice(0).forEach((go) => go()),
  };
}

async function setup(maxPendingRequests = 64) {
  const { store, hold, release } = holdingStore();
  const clock = createFakeClock();
  const chat = createChatServer({ store, clock, ids: ids() }, { limits: { storeTimeoutMs: 5000, rateLimitBurst: 100, maxPendingRequests } });
  await chat.start();
  const member = async (name: string, pausable = true) => {
    const c = createFakeConnection({ pausable });
    const events = chat.open(c);
    const send = (frame: unknown) => events.message(JSON.stringify(frame), false);
    send({ type: 'hello', profile: { name, avatarId: 1 } });
    send({ type: 'create_room', name: 'r' });
    send({ type: 'join_room', roomId: 'r' });
    await flush();
    return { c, send, say: (text: string) => send({ type: 'send_message', roomId: 'r', message: { text } }) };
  };
  return { clock, chat, store, hold, release, member };
}

const texts = (c: FakeConnection) => c.framesOf('message').map((f) => f.message.text as string);
const errors = (c: FakeConnection) => c.framesOf('error').map((f) => `${f.requestType}:${f.code}`);

describe('drain', () => {
  test('in-flight and queued requests finish before drain resolves; reading stops, later frames are dropped unanswered', async () => {
    const { chat, hold, release, member } = await setup();
    const alice = await member('alice');
    const bob = await member('bob', false);
    hold();
    alice.say('a1');
    alice.say('a2');
    alice.send({ type: 'ping', ts: 'queued behind the sends' });
    bob.say('b1');
    let drained = false;
    const draining = chat.drain(3000).then(() => (drained = true));
    expect(alice.c.paused).toBe(true);
    // Arrives after the drain began (bob's transport cannot pause): never run, never answered, not even rate-limited.
    bob.say('too late');
    alice.send({ type: 'ping', ts: 'too late' });
    await flush();
    expect(drained).toBe(false);
    release();
    await draining;
    expect(texts(alice.c)).toEqual(['a1', 'a2', 'b1']);
    expect(texts(bob.c)).toEqual(['a1', 'a2', 'b1']);
    expect(alice.c.framesOf('pong').map((f) => f.ts)).toEqual(['queued behind the sends']);
    expect([...errors(alice.c), ...errors(bob.c)]).toEqual([]);
    // Still open: the caller closes after the drain, and reading never resumed.
    expect(alice.c.closedWith).toBeUndefined();
    expect(alice.c.resumes).toBe(0);
    chat.close(1001);
    expect(alice.c.closedWith).toEqual({ code: 1001, reason: 'server shutting down' });
  });

  test('at the deadline an append still in flight is STORE_TIMEOUT and requests not yet run fail without reaching the store', async () => {
    const { chat, clock, store, hold, member } = await setup();
    const alice = await member('alice');
    const bob = await member('bob');
    hold();
    alice.say('stuck');
    alice.send({ type: 'create_room', name: 'other' });
    alice.say('never tried');
    const calls = jest.spyOn(store, 'appendMessage');
    const draining = chat.drain(1000);
    await flush();
    clock.advance(1000);
    await draining;
    expect(errors(alice.c)).toEqual(['send_message:STORE_TIMEOUT', 'create_room:STORE_UNAVAILABLE', 'send_message:STORE_UNAVAILABLE']);
    expect(calls).not.toHaveBeenCalled();
    expect(texts(bob.c)).toEqual([]);
  });

  test('a connection whose reading was paused by its own backlog stays paused through the drain', async () => {
    const { chat, hold, release, member } = await setup(2);
    const alice = await member('alice');
    hold();
    for (let i = 0; i < 4; i++) alice.say(`m${i}`);
    expect(alice.c.paused).toBe(true);
    const draining = chat.drain(3000);
    release();
    await draining;
    expect(texts(alice.c)).toEqual(['m0', 'm1', 'm2', 'm3']);
    expect(alice.c.paused).toBe(true);
  });

  test('a socket opened while draining is turned away with 1001; drain with nothing pending resolves at once', async () => {
    const { chat } = await setup();
    await chat.drain(1000);
    const late = createFakeConnection();
    chat.open(late);
    expect(late.closedWith).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(chat.connectionCount).toBe(0);
    await chat.drain(1000);
  });

  test('after the deadline no store call waits: check() fails at once', async () => {
    const { chat, clock } = await setup();
    const draining = chat.drain(10);
    clock.advance(10);
    await draining;
    await expect(chat.check()).rejects.toMatchObject({ code: ErrorCode.STORE_UNAVAILABLE });
  });
});

describe('stop: closes spread over spreadMs (rolling restarts)', () => {
  test('the i-th of n connections closes at i x spreadMs / n; until its turn it is served as usual, after it nothing it sends runs', async () => {
    const { chat, clock, member } = await setup();
    const all = [await member('a'), await member('b'), await member('c'), await member('d')];
    const stopped = chat.stop({ spreadMs: 1000, requestBudgetMs: 500, code: 1012, reason: 'server restarting' });
    await flush();
    const closedAt = () => all.map((m) => m.c.closedWith?.code);
    expect(closedAt()).toEqual([1012, undefined, undefined, undefined]);
    // A new socket is turned away at once.
    const late = createFakeConnection();
    chat.open(late);
    expect(late.closedWith).toEqual({ code: 1001, reason: 'server shutting down' });
    // Still served before its turn: d's message reaches b, c and d.
    all[3]!.say('d before its turn');
    await flush();
    expect(texts(all[1]!.c)).toEqual(['d before its turn']);
    clock.advance(250);
    await flush();
    expect(closedAt()).toEqual([1012, 1012, undefined, undefined]);
    expect(all[1]!.c.closedWith).toEqual({ code: 1012, reason: 'server restarting' });
    clock.advance(250);
    await flush();
    expect(closedAt()).toEqual([1012, 1012, 1012, undefined]);
    clock.advance(250);
    await flush();
    await stopped;
    expect(closedAt()).toEqual([1012, 1012, 1012, 1012]);
    expect(chat.connectionCount).toBe(0);
  });

  test("a connection's admitted requests are answered at its turn before it closes; the store deadline is spreadMs + requestBudgetMs", async () => {
    const { chat, clock, hold, release, member } = await setup();
    const a = await member('a');
    const b = await member('b');
    hold();
    a.say('held at the stop');
    const stopped = chat.stop({ spreadMs: 1000, requestBudgetMs: 500, code: 1001, reason: 'server shutting down' });
    await flush();
    // a's turn came at once, but its send waits for the store: not closed yet.
    expect(a.c.closedWith).toBeUndefined();
    a.say('after its turn: never run');
    release();
    await flush();
    expect(texts(a.c)).toEqual(['held at the stop']);
    expect(a.c.closedWith?.code).toBe(1001);
    // b, not yet at its turn, still sends; its append is held past the deadline.
    hold();
    b.say('stuck');
    clock.advance(500);
    await flush();
    clock.advance(1000);
    await stopped;
    expect(errors(b.c)).toEqual(['send_message:STORE_TIMEOUT']);
    expect(b.c.closedWith?.code).toBe(1001);
  });
});

