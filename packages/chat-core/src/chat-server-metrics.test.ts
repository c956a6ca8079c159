import { createFakeClock, createFakeConnection, createMemoryStore } from '@rgchat/testkit';
import { createChatServer, type ChatServerOptions } from './chat-server';
import { CloseCode } from './close-codes';
import { openGuarded } from './edge/guarded-events';
import { createPendingCloses } from './edge/pending-closes';
import type { ChatMetrics } from './ports/metrics';

// Issue #14, metrics: core calls its ChatMetrics port where only it knows what happened. A fake port records the calls.

const flush = async (rounds = 8) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

/** Records every call: counts by method, and by argument where there is one. */
function recordingMetrics() {
  const counts = new Map<string, number>();
  const add = (key: string, n = 1) => counts.set(key, (counts.get(key) ?? 0) + n);
  const metrics: ChatMetrics = {
    connectionOpened: () => add('opened'),
    connectionClosed: () => add('closed'),
    requestServed: (type) => add(`request:${type}`),
    errorSent: (code) => add(`error:${code}`),
    rateLimited: () => add('rateLimited'),
    abuseClosed: () => add('abuseClosed'),
    sendBudgetClosed: () => add('sendBudgetClosed'),
    messageStored: () => add('stored'),
    messagesDelivered: (recipients) => add('delivered', recipients),
  };
  return { metrics, count: (key: string) => counts.get(key) ?? 0, keys: () => [...counts.keys()].sort() };
}

async function setup(options: ChatServerOptions = {}) {
  const clock = createFakeClock();
  const recorded = recordingMetrics();
  let n = 0;
  const ids = { connectionId: () => `conn_${++n}`, messageId: () => `msg_${++n}`, randomInt: () => 7 };
  const chat = createChatServer({ store: createMemoryStore(), clock, ids, metrics: recorded.metrics }, options);
  await chat.start();
  const connect = (remoteAddress = '192.0.2.1') => {
    const c = createFakeConnection({ remoteAddress });
    const events = chat.open(c);
    const send = (frame: unknown) => events.message(JSON.stringify(frame), false);
    return { c, events, send };
  };
  const greeted = async (name: string) => {
    const client = connect();
    client.send({ type: 'hello', protocol: 'rg-chat-v1', profile: { name, avatarId: 1 } });
    await flush();
    return client;
  };
  return { clock, chat, connect, greeted, ...recorded };
}

describe('ChatMetrics calls', () => {
  test('connections: opened once each, closed once each however often the close is reported; none while stopping', async () => {
    const { connect, count, chat } = await setup();
    const a = connect();
    const b = connect();
    expect([count('opened'), count('closed')]).toEqual([2, 0]);
    a.events.closed(1000, '');
    a.events.closed(1000, '');
    expect([count('opened'), count('closed')]).toEqual([2, 1]);
    chat.close();
    expect(count('closed')).toBe(2);
    expect(b.c.closedWith?.code).toBe(CloseCode.GOING_AWAY);
    connect();
    expect([count('opened'), count('closed')]).toEqual([2, 2]);
  });

  test('requests by type as served, and error frames by code; an unknown type is an error, never a request type', async () => {
    const { greeted, count, keys } = await setup();
    const a = await greeted('ann');
    a.send({ type: 'create_room', name: 'lobby' });
    a.send({ type: 'send_message', roomId: 'lobby', message: { text: 'not joined yet' } });
    a.send({ type: 'no_such_request' });
    a.send({ type: 'ping', ts: 1 });
    await flush();
    expect(count('request:hello')).toBe(1);
    expect(count('request:create_room')).toBe(1);
    expect(count('request:send_message')).toBe(1);
    expect(count('request:ping')).toBe(1);
    expect(count('error:NOT_IN_ROOM')).toBe(1);
    expect(count('error:UNKNOWN_TYPE')).toBe(1);
    expect(keys().filter((k) => k.startsWith('request:'))).toEqual(['request:create_room', 'request:hello', 'request:ping', 'request:send_message']);
    // UNKNOWN_TYPE at the gate, at once; NOT_IN_ROOM when the request's turn comes.
    expect(a.c.framesOf('error').map((f) => f['code'])).toEqual(['UNKNOWN_TYPE', 'NOT_IN_ROOM']);
  });

  test('a message is stored once and delivered once per recipient: the room broadcast plus the sender own copy', async () => {
    const { greeted, count } = await setup();
    const a = await greeted('ann');
    const b = await greeted('bob');
    const c = await greeted('cat');
    a.send({ type: 'create_room', name: 'lobby' });
    await flush();
    for (const x of [a, b, c]) x.send({ type: 'join_room', roomId: 'lobby' });
    await flush();
    a.send({ type: 'send_message', roomId: 'lobby', message: { text: 'hi all' } });
    await flush();
    expect(count('stored')).toBe(1);
    const received = [a, b, c].map((x) => x.c.framesOf('message').length);
    expect(received).toEqual([1, 1, 1]);
    expect(count('delivered')).toBe(3);
  });

  test('every refused frame counts as a rate-limit refusal, though only one RATE_LIMITED is sent', async () => {
    const { connect, count } = await setup({ limits: { rateLimitBurst: 2, rateLimitPerSec: 1, abuseStrikes: 1_000_000 } });
    const a = connect();
    for (let i = 0; i < 5; i++) a.send({ type: 'ping', ts: i });
    await flush();
    expect(a.c.framesOf('pong')).toHaveLength(2);
    expect(count('rateLimited')).toBe(3);
    expect(count('error:RATE_LIMITED')).toBe(1);
    expect(count('abuseClosed')).toBe(0);
  });

  test('the strike that reaches abuseStrikes closes 1008 and counts one abuse close and one connection closed', async () => {
    const { connect, count } = await setup({ limits: { abuseStrikes: 3 } });
    const a = connect();
    for (let i = 0; i < 6; i++) a.events.message('{not json', false);
    await flush();
    expect(a.c.closedWith?.code).toBe(CloseCode.POLICY_VIOLATION);
    expect(count('abuseClosed')).toBe(1);
    expect(count('closed')).toBe(1);
  });

  test('the edge counts one send-budget close per dropped reader, however many sends find it over budget (each terminates again, as before)', async () => {
    const { chat, count } = await setup();
    const clock = createFakeClock();
    let terminated = 0;
    const socket = { send: () => false, close: () => {}, ping: () => {}, terminate: () => void terminated++, bufferedBytes: () => chat.limits.sendBudgetBytes + 1 };
    const context = { log: () => {}, closes: createPendingCloses(clock.schedule), stopping: () => false };
    const events = openGuarded(chat, socket, { remoteAddress: '192.0.2.7', origin: undefined }, context);
    events.connection.send('{"type":"pong"}');
    events.connection.send('{"type":"pong"}');
    expect(terminated).toBe(2);
    expect(count('sendBudgetClosed')).toBe(1);
    events.closed(1006, '');
    expect(count('closed')).toBe(1);
  });
});
