import { createFakeClock, createFakeConnection, createMemoryStore } from '@rgchat/testkit';
import { createChatServer, type ChatServerOptions } from './chat-server';
import { ERROR_REPLY_BURST } from './frame-toll';
import type { Limits } from './limits';
import type { LogLevel } from './ports/log';
import type { ChatStore } from './ports/store';

// Issue #10: abuse costs the abuser. Every rule on fakes: a fake clock, fake connections with distinct addresses.

const flush = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

async function setup(options: ChatServerOptions = {}, store: ChatStore = createMemoryStore()) {
  const clock = createFakeClock();
  const logs: Array<{ level: LogLevel; msg: string; fields: Record<string, unknown> | undefined }> = [];
  let n = 0;
  const ids = { connectionId: () => `conn_${++n}`, messageId: () => `msg_${n}_${clock.now()}`, randomInt: () => 7 };
  const chat = createChatServer({ store, clock, ids, log: (level, msg, fields) => void logs.push({ level, msg, fields }) }, options);
  await chat.start();
  const connect = (remoteAddress = '192.0.2.1') => {
    const c = createFakeConnection({ remoteAddress });
    const events = chat.open(c);
    const send = (frame: unknown) => events.message(JSON.stringify(frame), false);
    const raw = (data: string, isBinary = false) => events.message(data, isBinary);
    const codes = () => c.framesOf('error').map((f) => f['code'] as string);
    return { c, events, send, raw, codes, pongs: () => c.framesOf('pong').length };
  };
  return { clock, chat, store, logs, connect };
}

const quietStrikes = { abuseStrikes: 1_000_000 };

describe('every inbound frame is paid for before it is parsed', () => {
  test('invalid frames take tokens too: after a burst of bad JSON a valid ping is refused, and refused frames are not parsed', async () => {
    const { connect } = await setup({ limits: { rateLimitBurst: 5, rateLimitPerSec: 1, ...quietStrikes } });
    const a = connect();
    for (let i = 0; i < 5; i++) a.raw('{not json');
    a.send({ type: 'ping', ts: 1 });
    a.raw('{still not json');
    // Five answered BAD_JSON; the ping is refused (one notice); the last bad frame is dropped unparsed (no BAD_JSON).
    expect(a.codes()).toEqual(['BAD_JSON', 'BAD_JSON', 'BAD_JSON', 'BAD_JSON', 'BAD_JSON', 'RATE_LIMITED']);
    expect(a.pongs()).toBe(0);
  });

  test('binary frames pay as well', async () => {
    const { connect } = await setup({ limits: { rateLimitBurst: 2, rateLimitPerSec: 1, ...quietStrikes } });
    const a = connect();
    a.raw('{"type":"ping"}', true);
    a.raw('{"type":"ping"}', true);
    a.send({ type: 'ping' });
    expect(a.codes()).toEqual(['INVALID_REQUEST', 'INVALID_REQUEST', 'RATE_LIMITED']);
  });

  test('connections of one address share its bucket; another address has its own', async () => {
    const { connect } = await setup({ limits: { rateLimitBurst: 5, rateLimitPerSec: 1, rateLimitPerIpBurst: 7, rateLimitPerIpPerSec: 1 } });
    const a = connect('198.51.100.1');
    const b = connect('198.51.100.1');
    const c = connect('203.0.113.9');
    for (const x of [a, b, c]) for (let i = 0; i < 5; i++) x.send({ type: 'ping', ts: i });
    await flush();
    expect([a.pongs(), b.pongs(), c.pongs()]).toEqual([5, 2, 5]);
    expect(b.codes()).toEqual(['RATE_LIMITED']);
  });

  test('a frame the connection refuses costs the address nothing, so one flooder does not starve its neighbours', async () => {
    const { connect } = await setup({ limits: { rateLimitBurst: 5, rateLimitPerSec: 1, rateLimitPerIpBurst: 10, rateLimitPerIpPerSec: 1, ...quietStrikes } });
    const flooder = connect();
    const neighbour = connect();
    for (let i = 0; i < 100; i++) flooder.send({ type: 'ping', ts: i });
    for (let i = 0; i < 5; i++) neighbour.send({ type: 'ping', ts: i });
    await flush();
    expect([flooder.pongs(), neighbour.pongs()]).toEqual([5, 5]);
  });
});

describe('refusals cost and are quiet', () => {
  test('at most one RATE_LIMITED per connection per second; the rest are dropped', async () => {
    const { connect, clock } = await setup({ limits: { rateLimitBurst: 2, rateLimitPerSec: 1, ...quietStrikes } });
    const a = connect();
    for (let i = 0; i < 20; i++) a.send({ type: 'ping', ts: i });
    expect(a.codes()).toEqual(['RATE_LIMITED']);
    clock.advance(999);
    // Still refused, and the notice interval has not passed: dropped silently.
    a.send({ type: 'ping', ts: 'x' });
    expect(a.codes()).toEqual(['RATE_LIMITED']);
    clock.advance(1);
    a.send({ type: 'ping', ts: 'y' });
    a.send({ type: 'ping', ts: 'z' });
    await flush();
    expect(a.c.framesOf('pong').map((f) => f['ts'])).toEqual([0, 1, 'y']);
    expect(a.codes()).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
  });

  test('an honest client that makes a few mistakes gets each error', async () => {
    const { connect } = await setup();
    const a = connect();
    a.raw('{oops');
    a.send({ type: 'dance' });
    a.send({ type: 'hello', protocol: 'rg-chat-v2' });
    expect(a.codes()).toEqual(['BAD_JSON', 'UNKNOWN_TYPE', 'UNSUPPORTED_PROTOCOL']);
    expect(a.c.closedWith).toBeUndefined();
  });

  test(`error frames answering invalid frames are rate-limited: ${ERROR_REPLY_BURST} at once, then about two a second`, async () => {
    const { connect, clock } = await setup({ limits: { rateLimitBurst: 1000, ...quietStrikes } });
    const a = connect();
    for (let i = 0; i < 50; i++) a.raw('{oops');
    expect(a.codes()).toHaveLength(ERROR_REPLY_BURST);
    clock.advance(1000);
    for (let i = 0; i < 50; i++) a.send({ type: 'dance' });
    expect(a.codes().slice(ERROR_REPLY_BURST)).toEqual(['UNKNOWN_TYPE', 'UNKNOWN_TYPE']);
    // Valid requests are always answered.
    a.send({ type: 'ping', ts: 'ok' });
    await flush();
    expect(a.pongs()).toBe(1);
  });
});

describe('repeat offenders are closed', () => {
  test('abuseStrikes invalid frames close the connection with 1008 and one warn line with counts, never content', async () => {
    const { connect, logs } = await setup({ limits: { rateLimitBurst: 1000, abuseStrikes: 30 } });
    const a = connect('198.51.100.66');
    for (let i = 0; i < 20; i++) a.raw('{secret junk');
    for (let i = 0; i < 9; i++) a.send({ type: 'nope' });
    expect(a.c.closedWith).toBeUndefined();
    a.raw('', true);
    expect(a.c.closedWith).toEqual({ code: 1008, reason: 'too many refused or invalid frames' });
    for (let i = 0; i < 10; i++) a.raw('{more');
    const warns = logs.filter((l) => l.level === 'warn');
    expect(warns).toEqual([
      {
        level: 'warn',
        msg: 'abusive connection: too many refused or invalid frames; closing',
        fields: { connId: 'conn_1', remoteAddress: '198.51.100.66', strikes: 30, kinds: { BAD_JSON: 20, UNKNOWN_TYPE: 9, BINARY: 1 } },
      },
    ]);
    expect(JSON.stringify(logs)).not.toContain('secret');
    expect(logs.filter((l) => l.msg === 'disconnect')).toHaveLength(1);
  });

  test('refused frames are strikes too: a flood past the rate limit is closed', async () => {
    const { connect, logs } = await setup({ limits: { rateLimitBurst: 10, rateLimitPerSec: 1, abuseStrikes: 30 } });
    const a = connect();
    for (let i = 0; i < 39; i++) a.send({ type: 'ping', ts: i });
    expect(a.c.closedWith).toBeUndefined();
    a.send({ type: 'ping', ts: 'last' });
    expect(a.c.closedWith?.code).toBe(1008);
    expect(logs.find((l) => l.level === 'warn')?.fields).toMatchObject({ strikes: 30, kinds: { RATE_LIMITED: 30 } });
  });

  test('strikes decay: a mistake now and then never closes the connection', async () => {
    const { connect, clock } = await setup({ limits: { abuseStrikes: 30, abuseWindowMs: 10_000 } });
    const a = connect();
    a.send({ type: 'hello' });
    // Two a second, below the drain rate of three a second, for a minute.
    for (let i = 0; i < 120; i++) {
      a.raw('{oops');
      clock.advance(500);
    }
    expect(a.c.closedWith).toBeUndefined();
  });

  test('an honest client sending at the rate limit collects no strikes', async () => {
    const { connect, clock } = await setup({ limits: { rateLimitBurst: 5, rateLimitPerSec: 10, abuseStrikes: 3 } });
    const a = connect();
    a.send({ type: 'hello' });
    clock.advance(100);
    for (let i = 0; i < 200; i++) {
      a.send({ type: 'ping', ts: i });
      clock.advance(100);
    }
    await flush();
    expect(a.c.closedWith).toBeUndefined();
    expect(a.pongs()).toBe(200);
  });
});

describe('heavy answers cost in proportion to what they send', () => {
  async function seeded(limits: Partial<Limits>) {
    const store = createMemoryStore();
    await store.createRoom({ id: 'big', name: 'big', createdAt: 1 });
    for (let seq = 1; seq <= 40; seq++) {
      await store.appendMessage({ roomId: 'big', id: `m${seq}`, ts: seq, authorId: 'x', name: 'x', avatarId: 0, type: 'message', text: 'y'.repeat(400) });
    }
    return setup({ limits }, store);
  }

  test('a join returning history charges floor(bytes / costBytesPerToken) tokens; the next requests wait for the refill', async () => {
    const { connect, clock } = await seeded({ rateLimitBurst: 30, rateLimitPerSec: 1, costBytesPerToken: 1024, rateLimitPerIpBurst: 1000, ...quietStrikes });
    const a = connect();
    a.send({ type: 'hello' });
    a.send({ type: 'join_room', roomId: 'big' });
    await flush();
    const joined = a.c.sent.find((f) => f.startsWith('{"type":"joined_room"'));
    expect(joined).toBeDefined();
    const cost = Math.floor((joined as string).length / 1024);
    expect(cost).toBeGreaterThanOrEqual(10);
    // 30 - 2 requests - cost tokens left.
    const left = 28 - cost;
    for (let i = 0; i < 30; i++) a.send({ type: 'ping', ts: i });
    await flush();
    expect(a.pongs()).toBe(left);
    clock.advance(5000);
    for (let i = 0; i < 10; i++) a.send({ type: 'ping', ts: `later-${i}` });
    await flush();
    expect(a.pongs()).toBe(left + 5);
  });

  test('the debt is bounded by the burst; the address bucket is charged too', async () => {
    const { connect, clock } = await seeded({ rateLimitBurst: 5, rateLimitPerSec: 1, costBytesPerToken: 256, rateLimitPerIpBurst: 20, rateLimitPerIpPerSec: 50, ...quietStrikes });
    const a = connect();
    a.send({ type: 'hello' });
    a.send({ type: 'join_room', roomId: 'big' });
    await flush();
    // The address paid the join's cost as well (debt down to -20): a fresh connection from it is refused, another address is not.
    const b = connect();
    b.send({ type: 'ping' });
    expect(b.codes()).toEqual(['RATE_LIMITED']);
    const other = connect('203.0.113.5');
    other.send({ type: 'ping' });
    await flush();
    expect(other.pongs()).toBe(1);
    // Charged far more than 5 tokens; the connection's debt stops at -5: 6 s to the first token again.
    clock.advance(5500);
    a.send({ type: 'ping', ts: 'too early' });
    clock.advance(500);
    a.send({ type: 'ping', ts: 'in time' });
    await flush();
    expect(a.c.framesOf('pong').map((f) => f['ts'])).toEqual(['in time']);
  });

  test('a create_room answer (the room list) is charged the same way', async () => {
    const store = createMemoryStore();
    for (let i = 0; i < 60; i++) await store.createRoom({ id: `room-${i}`, name: `room ${i}`, createdAt: i });
    const { connect } = await setup({ limits: { rateLimitBurst: 30, rateLimitPerSec: 1, costBytesPerToken: 1024, ...quietStrikes } }, store);
    const a = connect();
    a.send({ type: 'hello' });
    await flush();
    const welcomeCost = Math.floor((a.c.sent[0] as string).length / 1024);
    a.send({ type: 'create_room', name: 'room 1' });
    await flush();
    expect(JSON.parse(a.c.sent[1] as string)).toMatchObject({ type: 'room_list' });
    const listCost = Math.floor((a.c.sent[1] as string).length / 1024);
    expect(listCost).toBeGreaterThan(0);
    for (let i = 0; i < 30; i++) a.send({ type: 'ping', ts: i });
    await flush();
    expect(a.pongs()).toBe(28 - welcomeCost - listCost);
  });
});

describe('hello deadline', () => {
  test('a socket without a valid hello is closed with 1008 after helloTimeoutMs; a greeted one stays', async () => {
    const { connect, clock, chat } = await setup({ limits: { helloTimeoutMs: 10_000 } });
    const silent = connect();
    const invalid = connect();
    const greeted = connect();
    invalid.send({ type: 'hello', protocol: 'other' });
    greeted.send({ type: 'hello' });
    await flush();
    clock.advance(9999);
    expect(silent.c.closedWith).toBeUndefined();
    clock.advance(1);
    expect(silent.c.closedWith).toEqual({ code: 1008, reason: 'hello timeout' });
    expect(invalid.c.closedWith).toEqual({ code: 1008, reason: 'hello timeout' });
    expect(greeted.c.closedWith).toBeUndefined();
    expect(chat.connectionCount).toBe(1);
  });

  test('the deadline is cancelled when the socket closes first', async () => {
    const { connect, clock } = await setup();
    const before = clock.pendingTimers;
    const a = connect();
    expect(clock.pendingTimers).toBe(before + 1);
    a.events.closed(1000, '');
    expect(clock.pendingTimers).toBe(before);
  });
});

describe('connection caps', () => {
  test('admit: 429 past maxConnectionsPerIp, 503 past maxConnections, counted on open and close', async () => {
    const { connect, chat } = await setup({ limits: { maxConnections: 3, maxConnectionsPerIp: 2 } });
    expect(chat.admit('198.51.100.1')).toBe('ok');
    const a1 = connect('198.51.100.1');
    connect('198.51.100.1');
    expect(chat.admit('198.51.100.1')).toBe('address-full');
    expect(chat.admit('198.51.100.2')).toBe('ok');
    connect('198.51.100.2');
    expect(chat.admit('198.51.100.3')).toBe('server-full');
    a1.events.closed(1000, '');
    expect(chat.admit('198.51.100.3')).toBe('ok');
    expect(chat.admit('198.51.100.1')).toBe('ok');
  });

  test('refusals are logged at most once a minute per kind and address, with the count refused meanwhile', async () => {
    const { connect, chat, clock, logs } = await setup({ limits: { maxConnections: 2, maxConnectionsPerIp: 1, helloTimeoutMs: 3_600_000, heartbeatMs: 3_600_000 } });
    connect('198.51.100.1');
    for (let i = 0; i < 5; i++) chat.admit('198.51.100.1');
    connect('198.51.100.2');
    for (let i = 0; i < 5; i++) chat.admit(`203.0.113.${i}`);
    const refusals = () => logs.filter((l) => l.msg.startsWith('connection refused'));
    expect(refusals()).toEqual([
      { level: 'warn', msg: 'connection refused: too many from this address', fields: { remoteAddress: '198.51.100.1', maxConnectionsPerIp: 1, refused: 1 } },
      { level: 'warn', msg: 'connection refused: server full', fields: { remoteAddress: '203.0.113.0', maxConnections: 2, refused: 1 } },
    ]);
    clock.advance(60_000);
    chat.admit('203.0.113.9');
    expect(refusals().at(-1)).toEqual({ level: 'warn', msg: 'connection refused: server full', fields: { remoteAddress: '203.0.113.9', maxConnections: 2, refused: 5 } });
  });
});
