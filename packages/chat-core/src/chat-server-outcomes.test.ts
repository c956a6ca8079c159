import { createFakeClock, createFakeConnection, createMemoryStore, type FakeConnection } from '@rgchat/testkit';
import { createChatServer, type ChatServerOptions } from './chat-server';
import { ChatError, ErrorCode } from './error-codes';
import type { Ids } from './ports/ids';
import type { AppendResult, ChatStore } from './ports/store';

// Issue #10 item 5: an append's outcome is told honestly, and a message
// stored after its sender was told STORE_TIMEOUT never reaches that sender live.

const flush = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

const ids = (): Ids => {
  let c = 0;
  let m = 0;
  return { connectionId: () => `conn_${++c}`, messageId: () => `msg_${++m}`, randomInt: (n) => 7 % n };
};

const STORE_TIMEOUT_MS = 2000;
const GAP_FILL_MS = 250;

async function setup(store: ChatStore, options: ChatServerOptions = {}) {
  const clock = createFakeClock();
  const chat = createChatServer(
    { store, clock, ids: ids() },
    { ...options, limits: { storeTimeoutMs: STORE_TIMEOUT_MS, gapFillMs: GAP_FILL_MS, rateLimitBurst: 100, ...options.limits } },
  );
  await chat.start();
  const member = async (name: string, pausable = true) => {
    const c = createFakeConnection({ pausable });
    const events = chat.open(c);
    const send = (frame: unknown) => events.message(JSON.stringify(frame), false);
    send({ type: 'hello', profile: { name, avatarId: 1 } });
    send({ type: 'create_room', name: 'r' });
    send({ type: 'join_room', roomId: 'r' });
    await flush();
    return { c, send, events, say: (text: string) => send({ type: 'send_message', roomId: 'r', message: { text } }) };
  };
  return { clock, chat, member };
}

const texts = (c: FakeConnection) => c.framesOf('message').map((f) => f.message.text as string);
const errors = (c: FakeConnection) => c.framesOf('error').map((f) => f.code as string);

/**
 * A memory store whose next append commits (or not) when the test says and
 * answers when the test says, separately: a COMMIT whose answer is slow or lost.
 */
function slowStore() {
  const store = createMemoryStore();
  const append = store.appendMessage.bind(store);
  let next: { commit: () => Promise<AppendResult>; answer: (r: AppendResult) => void; fail: (e: unknown) => void } | undefined;
  const slowly = () => {
    store.appendMessage = (m) =>
      new Promise<AppendResult>((answer, fail) => {
        next = { commit: () => append(m), answer, fail };
        store.appendMessage = append;
      });
  };
  const pending = () => {
    if (!next) throw new Error('no slow append in flight');
    return next;
  };
  return { store, slowly, pending };
}

describe('an append the store confirms late', () => {
  test('the sender gets STORE_TIMEOUT; when it commits, the others get it at once and the sender never live', async () => {
    const { store, slowly, pending } = slowStore();
    const { clock, member } = await setup(store);
    const alice = await member('alice');
    const bob = await member('bob');
    slowly();
    alice.say('late');
    clock.advance(STORE_TIMEOUT_MS);
    await flush();
    expect(errors(alice.c)).toEqual([ErrorCode.STORE_TIMEOUT]);
    expect(texts(bob.c)).toEqual([]);

    // Committed after the deadline: bob hears of it now, not at some later gap fill.
    const slow = pending();
    slow.answer(await slow.commit());
    await flush();
    expect(texts(bob.c)).toEqual(['late']);
    expect(texts(alice.c)).toEqual([]);

    // Live traffic goes on for both; alice sees 'late' only in history.
    bob.say('next');
    await flush();
    expect(texts(alice.c)).toEqual(['next']);
    expect(texts(bob.c)).toEqual(['late', 'next']);
    alice.send({ type: 'join_room', roomId: 'r' });
    await flush();
    expect(alice.c.framesOf('joined_room').at(-1)!.messages.map((m: { text: string }) => m.text)).toEqual(['late', 'next']);
  });

  test('committed but never answered: a gap fill brings it to the others, never to its sender', async () => {
    const { store, slowly, pending } = slowStore();
    const { clock, member } = await setup(store);
    const alice = await member('alice');
    const bob = await member('bob');
    const carol = await member('carol');
    slowly();
    alice.say('lost answer');
    await pending().commit();
    clock.advance(STORE_TIMEOUT_MS);
    await flush();
    expect(errors(alice.c)).toEqual([ErrorCode.STORE_TIMEOUT]);

    // Seq 2 arrives ahead of the gap; the fill reads seq 1 from the store.
    bob.say('after');
    await flush();
    clock.advance(GAP_FILL_MS);
    await flush();
    expect(texts(carol.c)).toEqual(['lost answer', 'after']);
    expect(texts(bob.c)).toEqual(['lost answer', 'after']);
    expect(texts(alice.c)).toEqual(['after']);
  });

  test('published by a gap fill before its own answer, then confirmed in time: the sender gets it exactly once, no error', async () => {
    const { store, slowly, pending } = slowStore();
    const { clock, member } = await setup(store);
    const alice = await member('alice');
    const bob = await member('bob');
    slowly();
    alice.say('first');
    const slow = pending();
    const result = await slow.commit();
    bob.say('second');
    await flush();
    clock.advance(GAP_FILL_MS);
    await flush();
    expect(texts(bob.c)).toEqual(['first', 'second']);
    expect(texts(alice.c)).toEqual(['second']);

    slow.answer(result);
    await flush();
    // Echoed directly, after 'second': late in order, but once and with no error.
    expect(texts(alice.c)).toEqual(['second', 'first']);
    expect(errors(alice.c)).toEqual([]);
    clock.advance(STORE_TIMEOUT_MS * 2);
    await flush();
    expect(errors(alice.c)).toEqual([]);
    expect(texts(bob.c)).toEqual(['first', 'second']);
  });

  test('a store that says the commit was cut off (STORE_TIMEOUT) is passed through; the message, if stored, skips its sender', async () => {
    const { store, slowly, pending } = slowStore();
    const { clock, member } = await setup(store);
    const alice = await member('alice');
    const bob = await member('bob');
    slowly();
    alice.say('cut off');
    const slow = pending();
    await slow.commit();
    slow.fail(new ChatError(ErrorCode.STORE_TIMEOUT, 'connection lost during commit'));
    await flush();
    expect(errors(alice.c)).toEqual([ErrorCode.STORE_TIMEOUT]);
    bob.say('after');
    await flush();
    clock.advance(GAP_FILL_MS);
    await flush();
    expect(texts(bob.c)).toEqual(['cut off', 'after']);
    expect(texts(alice.c)).toEqual(['after']);
  });

  test('a store that rejects is STORE_UNAVAILABLE: nothing stored, nothing broadcast', async () => {
    const { store, slowly, pending } = slowStore();
    const { member } = await setup(store);
    const alice = await member('alice');
    const bob = await member('bob');
    slowly();
    alice.say('refused');
    pending().fail(new Error('connect ECONNREFUSED'));
    await flush();
    expect(errors(alice.c)).toEqual([ErrorCode.STORE_UNAVAILABLE]);
    alice.say('fine');
    await flush();
    expect(texts(alice.c)).toEqual(['fine']);
    expect(texts(bob.c)).toEqual(['fine']);
    expect((await store.recentMessages('r', 10)).map((m) => m.text)).toEqual(['fine']);
  });
});
