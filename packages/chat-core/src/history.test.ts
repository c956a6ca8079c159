import { createFakeClock, createFakeConnection, createMemoryStore, httpRequest } from '@rgchat/testkit';
import { createChatServer, type ChatServerOptions } from './chat-server';
import { createTransportEdge } from './edge/transport-edge';
import { parseHistoryParams } from './history';
import type { Ids } from './ports/ids';

const flush = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

function counterIds(): Ids {
  let c = 0;
  let m = 0;
  return { connectionId: () => `conn_${++c}`, messageId: () => `msg_${++m}`, randomInt: (n) => 42 % n };
}

/** A server whose room `lobby` holds `messages` messages (texts m1..mN), and clients that say hello with `features`. */
async function setup(messages = 0, options: ChatServerOptions = {}) {
  const store = createMemoryStore();
  await store.createRoom({ id: 'lobby', name: 'Lobby', createdAt: 1 });
  for (let i = 1; i <= messages; i++) {
    await store.appendMessage({ roomId: 'lobby', id: `old_${i}`, ts: 1000 + i, authorId: 'conn_0', name: 'ann', avatarId: 2, type: 'message', text: `m${i}` });
  }
  const chat = createChatServer({ store, clock: createFakeClock(), ids: counterIds() }, options);
  await chat.start();
  const connect = (features?: unknown[]) => {
    const c = createFakeConnection();
    const events = chat.open(c);
    const send = (frame: unknown) => events.message(JSON.stringify(frame), false);
    send({ type: 'hello', profile: { name: 'reader', avatarId: 1 }, ...(features ? { features } : {}) });
    return { c, send };
  };
  return { chat, store, connect };
}

/** Sends get_history and returns the answer (history or error). */
async function ask(client: { c: ReturnType<typeof createFakeConnection>; send: (f: unknown) => void }, fields: Record<string, unknown>) {
  const before = client.c.sent.length;
  client.send({ type: 'get_history', roomId: 'lobby', ...fields });
  await flush();
  const answers = client.c.sent.slice(before).map((f) => JSON.parse(f) as Record<string, any>);
  expect(answers).toHaveLength(1);
  return answers[0]!;
}

const seqs = (answer: Record<string, any>) => (answer['messages'] as Array<{ seq: number }>).map((m) => m.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('get_history (feature history)', () => {
  test('without history negotiated it is answered exactly as an unknown type', async () => {
    const { connect } = await setup(3);
    for (const features of [undefined, [], ['recovery']]) {
      const a = connect(features);
      await flush();
      a.send({ type: 'frobnicate' });
      const unknown = await ask(a, {});
      expect(unknown).toEqual({ type: 'error', code: 'UNKNOWN_TYPE', message: 'Unknown request type.', requestType: 'get_history' });
      expect(a.c.framesOf('error')[0]).toEqual({ ...unknown, requestType: 'frobnicate' });
    }
  });

  test('a server that does not enable history answers UNKNOWN_TYPE even to a client that asked for it', async () => {
    const { connect } = await setup(3, { features: ['recovery'] });
    const a = connect(['history', 'recovery']);
    await flush();
    expect(await ask(a, {})).toMatchObject({ type: 'error', code: 'UNKNOWN_TYPE' });
  });

  test('a request queued behind a hello is judged by the features that hello negotiates', async () => {
    const { connect, store } = await setup(3);
    const a = connect();
    await flush();
    // A join in flight holds the queue, so the next hello and get_history wait behind it.
    store.delayMs = 20;
    a.send({ type: 'join_room', roomId: 'lobby' });
    a.send({ type: 'hello', profile: { name: 'reader', avatarId: 1 }, features: ['history'] });
    a.send({ type: 'get_history', roomId: 'lobby', limit: 2 });
    a.send({ type: 'hello', profile: { name: 'reader', avatarId: 1 } });
    a.send({ type: 'get_history', roomId: 'lobby', limit: 2 });
    await new Promise((r) => setTimeout(r, 200));
    // The second get_history, refused when it arrived (errors of undecodable frames are not queued),
    // follows a hello without features; the first follows one granting history.
    expect(a.c.framesOf('history')).toHaveLength(1);
    expect(a.c.framesOf('error')).toEqual([{ type: 'error', code: 'UNKNOWN_TYPE', message: 'Unknown request type.', requestType: 'get_history' }]);
  });

  test('no cursor: the newest `limit` (default 50), oldest first, as Message+; hasMore when older ones exist', async () => {
    const { connect } = await setup(60);
    const a = connect(['history']);
    const page = await ask(a, {});
    expect(page).toMatchObject({ type: 'history', roomId: 'lobby', hasMore: true });
    expect(Object.keys(page)).toEqual(['type', 'roomId', 'messages', 'hasMore']);
    expect(seqs(page)).toEqual(range(11, 60));
    expect(page['messages'][0]).toEqual({ id: 'old_11', ts: 1011, authorId: 'conn_0', name: 'ann', avatarId: 2, type: 'message', text: 'm11', seq: 11 });
    expect(await ask(a, { limit: 60 })).toMatchObject({ hasMore: false });
    expect(seqs(await ask(a, { limit: 3 }))).toEqual([58, 59, 60]);
  });

  test('before and after page both ways; hasMore looks in the direction asked; joining is not needed', async () => {
    const { connect } = await setup(25);
    const a = connect(['history']);
    expect(seqs(await ask(a, { before: 11, limit: 5 }))).toEqual(range(6, 10));
    expect(await ask(a, { before: 11, limit: 5 })).toMatchObject({ hasMore: true });
    expect(await ask(a, { before: 6, limit: 5 })).toMatchObject({ hasMore: false });
    expect(seqs(await ask(a, { before: 6, limit: 5 }))).toEqual(range(1, 5));
    expect(seqs(await ask(a, { after: 20, limit: 3 }))).toEqual([21, 22, 23]);
    expect(await ask(a, { after: 20, limit: 3 })).toMatchObject({ hasMore: true });
    expect(await ask(a, { after: 20, limit: 5 })).toMatchObject({ hasMore: false });
    expect(await ask(a, { after: 25 })).toEqual({ type: 'history', roomId: 'lobby', messages: [], hasMore: false });
    // null is "not given", as elsewhere in the protocol.
    expect(seqs(await ask(a, { before: null, after: 23, limit: null }))).toEqual([24, 25]);
  });

  test('bad cursors and limits are INVALID_REQUEST; an unknown room ROOM_NOT_FOUND; a bad room id INVALID_ROOM', async () => {
    const { connect } = await setup(5);
    const a = connect(['history']);
    for (const fields of [
      { before: 3, after: 1 },
      { before: -1 },
      { after: 1.5 },
      { after: '2' },
      { limit: 0 },
      { limit: 101 },
      { limit: 2.5 },
      { limit: '10' },
    ]) {
      expect(await ask(a, fields)).toMatchObject({ type: 'error', code: 'INVALID_REQUEST', requestType: 'get_history' });
    }
    expect(await ask(a, { limit: 100 })).toMatchObject({ type: 'history' });
    expect(await ask(a, { roomId: 'nowhere' })).toMatchObject({ type: 'error', code: 'ROOM_NOT_FOUND', requestType: 'get_history' });
    expect(await ask(a, { roomId: 42 })).toMatchObject({ type: 'error', code: 'INVALID_ROOM' });
  });

  test('a failing store is STORE_UNAVAILABLE and the connection lives', async () => {
    const { connect, store } = await setup(5);
    const a = connect(['history']);
    await flush();
    store.failing = true;
    expect(await ask(a, {})).toMatchObject({ type: 'error', code: 'STORE_UNAVAILABLE', requestType: 'get_history' });
    store.failing = false;
    expect(await ask(a, {})).toMatchObject({ type: 'history' });
  });

  test('a history answer is charged by its size, like a join: a big page spends the bucket', async () => {
    const { connect } = await setup(100, { limits: { rateLimitPerSec: 1, rateLimitBurst: 20, costBytesPerToken: 256 } });
    const a = connect(['history']);
    await flush();
    const page = await ask(a, { limit: 100 });
    expect(JSON.stringify(page).length).toBeGreaterThan(20 * 256);
    // Hello and get_history took two of 20 tokens; the answer's bytes took the rest (and more).
    a.send({ type: 'ping', ts: 1 });
    await flush();
    expect(a.c.frames().at(-1)).toMatchObject({ type: 'error', code: 'RATE_LIMITED' });
  });
});

describe('GET /api/rooms/{roomId}/messages', () => {
  test('the same page as get_history, for every client; 404, 400 and 405 as the contract says', async () => {
    const { chat } = await setup(12);
    const edge = createTransportEdge(chat);
    const get = async (url: string, method = 'GET') => {
      const answer = await edge.http(httpRequest(method, url));
      return { status: answer.status, body: answer.body === '' ? undefined : JSON.parse(answer.body), headers: answer.headers };
    };
    const page = await get('/api/rooms/lobby/messages?limit=5');
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ roomId: 'lobby', hasMore: true });
    expect(Object.keys(page.body)).toEqual(['roomId', 'messages', 'hasMore']);
    expect(page.body.messages.map((m: { seq: number }) => m.seq)).toEqual(range(8, 12));
    expect((await get('/api/rooms/lobby/messages?before=8&limit=5')).body.messages.map((m: { seq: number }) => m.seq)).toEqual(range(3, 7));
    expect((await get('/api/rooms/lobby/messages?after=10')).body).toMatchObject({ hasMore: false, messages: [{ seq: 11 }, { seq: 12 }] });
    expect(await get('/api/rooms/l%6fbby/messages?after=11&unrelated=x')).toMatchObject({ status: 200, body: { messages: [{ seq: 12 }] } });
    expect(await get('/api/rooms/nowhere/messages')).toMatchObject({ status: 404, body: { error: 'ROOM_NOT_FOUND' } });
    for (const bad of ['?before=1&after=2', '?limit=0', '?limit=101', '?limit=', '?before=-1', '?after=1.5', '?after=1&after=2', '?limit=1e2']) {
      expect(await get(`/api/rooms/lobby/messages${bad}`)).toMatchObject({ status: 400, body: { error: 'INVALID_REQUEST' } });
    }
    expect((await get('/api/rooms/%E0%A4%A/messages')).status).toBe(400);
    expect((await get('/api/rooms/lobby/messages', 'POST')).status).toBe(405);
    expect((await get('/api/rooms/lobby/messages/more')).status).toBe(404);
    const head = await edge.http(httpRequest('HEAD', '/api/rooms/lobby/messages'));
    expect(head).toMatchObject({ status: 200, body: '', omitBody: true });
  });

  test('a failing store is 503 STORE_UNAVAILABLE', async () => {
    const { chat, store } = await setup(2);
    store.failing = true;
    const answer = await createTransportEdge(chat).http(httpRequest('GET', '/api/rooms/lobby/messages'));
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({ error: 'STORE_UNAVAILABLE' });
  });

  test('CORS follows ALLOWED_ORIGINS: an allowed Origin is echoed with Vary; a refused one or none gets no CORS header', async () => {
    const { chat } = await setup(1, { allowedOrigins: ['https://chat.example'] });
    const edge = createTransportEdge(chat);
    const allowed = await edge.http(httpRequest('GET', '/api/rooms/lobby/messages', 'https://chat.example'));
    expect(allowed.headers).toMatchObject({ 'access-control-allow-origin': 'https://chat.example', vary: 'origin' });
    const rooms = await edge.http(httpRequest('GET', '/api/rooms', 'https://chat.example'));
    expect(rooms.headers['access-control-allow-origin']).toBe('https://chat.example');
    for (const origin of ['https://evil.example', undefined]) {
      const answer = await edge.http(httpRequest('GET', '/api/rooms/lobby/messages', origin));
      expect(answer.status).toBe(200);
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    }
    // Not the JSON API: no CORS.
    expect((await edge.http(httpRequest('GET', '/healthz', 'https://chat.example'))).headers['access-control-allow-origin']).toBeUndefined();
    const open = createTransportEdge((await setup(1)).chat);
    expect((await open.http(httpRequest('GET', '/api/rooms/lobby/messages', 'https://anyone.example'))).headers['access-control-allow-origin']).toBe('https://anyone.example');
  });

  test('parseHistoryParams: digits only, one cursor, limit 1..100', () => {
    expect(parseHistoryParams('')).toEqual({ before: undefined, after: undefined, limit: 50 });
    expect(parseHistoryParams('before=10&limit=100')).toEqual({ before: 10, after: undefined, limit: 100 });
    expect(parseHistoryParams('after=0')).toEqual({ before: undefined, after: 0, limit: 50 });
    expect(parseHistoryParams('after=99999999999999999')).toBeUndefined();
    expect(parseHistoryParams('before=%31%30')).toEqual({ before: 10, after: undefined, limit: 50 });
    expect(parseHistoryParams('before=+1')).toBeUndefined();
  });
});
