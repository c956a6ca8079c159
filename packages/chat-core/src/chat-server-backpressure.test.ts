import { createFakeClock, createFakeConnection, createMemoryStore } from '@rgchat/testkit';
import { createChatServer, type ChatServerOptions } from './chat-server';
import type { Ids } from './ports/ids';
import type { LogLevel } from './ports/log';
import type { ChatStore } from './ports/store';

// Admitted requests are never refused for queue length (issue: 50 pipelined
// sends under RATE_LIMIT_BURST=100000 got 18 RATE_LIMITED); memory is bounded
// by pausing the reader instead, and by closing one that cannot pause.

const flush = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

const ids = (): Ids => {
  let c = 0;
  let m = 0;
  return { connectionId: () => `conn_${++c}`, messageId: () => `msg_${++m}`, randomInt: (n) => 42 % n };
};

/** A store whose appends wait until released, oldest first; `texts` records the calls in order. */
function holdingStore() {
  const store = createMemoryStore();
  const append = store.appendMessage.bind(store);
  const held: Array<() => void> = [];
  const texts: string[] = [];
  store.appendMessage = (m) => {
    texts.push(m.text);
    return new Promise((resolve, reject) => held.push(() => append(m).then(resolve, reject)));
  };
  const release = async (n = held.length) => {
    held.splice(0, n).forEach((go) => go());
    await flush();
  };
  return { store, texts, release, held: () => held.length };
}

async function setup(options: ChatServerOptions, store: ChatStore = createMemoryStore(), pausable = true) {
  const logs: Array<{ level: LogLevel; msg: string; fields: Record<string, unknown> | undefined }> = [];
  const chat = createChatServer(
    { store, clock: createFakeClock(), ids: ids(), log: (level, msg, fields) => logs.push({ level, msg, fields }) },
    options,
  );
  await chat.start();
  const c = createFakeConnection({ pausable, remoteAddress: '192.0.2.7' });
  const events = chat.open(c);
  const send = (frame: unknown) => events.message(JSON.stringify(frame), false);
  send({ type: 'hello', sessionId: 'secret-session', profile: { name: 'alice', avatarId: 1 } });
  send({ type: 'create_room', name: 'r' });
  send({ type: 'join_room', roomId: 'r' });
  await flush();
  const sendText = (text: string) => send({ type: 'send_message', roomId: 'r', message: { text } });
  return { chat, c, send, sendText, logs };
}

const texts = (n: number, prefix = 'm') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('admitted requests are queued, never refused', () => {
  test('50 pipelined sends with burst 100000: 50 stored and broadcast in order, no error', async () => {
    const { store, texts: stored, release } = holdingStore();
    const { c, sendText } = await setup({ limits: { rateLimitBurst: 100_000, rateLimitPerSec: 100_000 } }, store);
    for (const t of texts(50)) sendText(t);
    // All in flight at once (one group commit can take them), none refused.
    expect(stored).toEqual(texts(50));
    await release();
    expect(c.framesOf('message').map((f) => f.message.text)).toEqual(texts(50));
    expect(c.framesOf('error')).toEqual([]);
    expect(c.pauses).toBe(0);
  });

  test('with a small maxPendingRequests the same burst pauses reading instead of refusing', async () => {
    const { store, release } = holdingStore();
    const { c, sendText } = await setup({ limits: { rateLimitBurst: 100_000, maxPendingRequests: 32 } }, store);
    for (const t of texts(50)) sendText(t);
    expect(c.paused).toBe(true);
    await release();
    expect(c.framesOf('message').map((f) => f.message.text)).toEqual(texts(50));
    expect(c.framesOf('error')).toEqual([]);
    expect([c.pauses, c.resumes, c.paused]).toEqual([1, 1, false]);
  });

  test('requests behind a slow one wait, are served in order, and resume reading at half the bound', async () => {
    const { store, release, held } = holdingStore();
    const { c, send, sendText } = await setup({ limits: { rateLimitBurst: 1000, maxPendingRequests: 8 } }, store);
    sendText('first');
    send({ type: 'set_profile', avatarId: 5 });
    for (const t of texts(5)) sendText(t);
    expect([c.pauses, held()]).toEqual([0, 1]);
    sendText('eighth');
    expect(c.pauses).toBe(1);
    // Frames the transport had already read still arrive after the pause: queued, not refused.
    sendText('late');
    expect(c.pauses).toBe(1);
    await release(1);
    // The profile change ran and the seven sends behind it are in flight: above half the bound, still paused.
    expect(c.framesOf('profile_ack')).toHaveLength(1);
    expect([held(), c.resumes]).toEqual([7, 0]);
    await release(3);
    expect(c.resumes).toBe(1);
    expect(c.paused).toBe(false);
    await release();
    expect(c.framesOf('message').map((f) => f.message.text)).toEqual(['first', ...texts(5), 'eighth', 'late']);
    expect(c.framesOf('message').slice(1).every((f) => f.message.avatarId === 5)).toBe(true);
    expect(c.framesOf('error')).toEqual([]);
  });
});

describe('a connection that cannot pause', () => {
  test('is closed with 1013 once its queue passes four times the bound, and logged once without the session id', async () => {
    const { store } = holdingStore();
    const { chat, c, sendText, logs } = await setup({ limits: { rateLimitBurst: 1000, maxPendingRequests: 4 } }, store, false);
    for (const t of texts(16)) sendText(t);
    expect(c.closedWith).toBeUndefined();
    sendText('seventeenth');
    expect(c.closedWith).toEqual({ code: 1013, reason: 'too many queued requests' });
    sendText('after close');
    const closing = logs.filter((l) => l.msg === 'request queue over its hard bound; closing');
    expect(closing).toEqual([{ level: 'info', msg: 'request queue over its hard bound; closing', fields: { connId: 'conn_1', remoteAddress: '192.0.2.7' } }]);
    expect(chat.connectionCount).toBe(0);
    expect(JSON.stringify(logs)).not.toContain('secret-session');
  });

  test('is served normally below the hard bound', async () => {
    const { store, release } = holdingStore();
    const { c, sendText } = await setup({ limits: { rateLimitBurst: 1000, maxPendingRequests: 4 } }, store, false);
    for (const t of texts(16)) sendText(t);
    await release();
    expect(c.framesOf('message')).toHaveLength(16);
    expect(c.closedWith).toBeUndefined();
  });
});
