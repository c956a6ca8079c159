import { httpRequest } from '@rgchat/testkit';
import type { Admission } from '../address-book';
import type { ChatServer } from '../chat-server';
import type { LogLevel } from '../ports/log';
import { createTransportEdge } from './transport-edge';
import type { EdgeRequest } from './upgrade-request';

function fakeChat(overrides: { check?: () => Promise<void>; admit?: (address: string) => Admission } = {}): ChatServer {
  return {
    acceptsOrigin: (origin: string | undefined) => origin !== 'https://evil.example',
    searchRooms: () => ({ rooms: [{ id: 'café', name: 'Café' }] }),
    check: overrides.check ?? (() => Promise.resolve()),
    connectionCount: 2,
    admit: overrides.admit ?? (() => 'ok'),
  } as unknown as ChatServer;
}

const upgradeRequest = (headers: Record<string, string>): EdgeRequest => ({
  method: 'GET',
  url: '/',
  socketAddress: '10.0.0.1',
  header: (name) => (headers[name] === undefined ? [] : [headers[name] as string]),
});
const handshake = { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' };

describe('createTransportEdge', () => {
  test('HTTP answers carry the reason phrase, no-store and the UTF-8 Content-Length', async () => {
    const edge = createTransportEdge(fakeChat());
    const answer = await edge.http(httpRequest('GET', '/api/rooms'));
    expect(answer).toMatchObject({ status: 200, statusText: 'OK', omitBody: false, closeConnection: false });
    expect(answer.headers).toEqual({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    // "é" is two bytes in UTF-8, twice over.
    expect(answer.contentLengthBytes).toBe(answer.body.length + 2);
    expect(await edge.http(httpRequest('GET', '/nope'))).toMatchObject({ status: 404, statusText: 'Not Found' });
    expect(await edge.http(httpRequest('POST', '/healthz'))).toMatchObject({ status: 405, statusText: 'Method Not Allowed' });
  });

  test("extra routes answer after core's own, in order, with their own headers; a rejecting one is a 500", async () => {
    const seen: string[] = [];
    const edge = createTransportEdge(fakeChat(), {
      routes: [
        { matches: (path) => path === '/healthz', answer: () => ({ status: 418, contentType: 'text/plain', body: 'shadowed' }) },
        {
          matches: (path) => path.startsWith('/web/'),
          answer: (request, path, query) => {
            seen.push(`${request.method} ${path} ${query} ${request.header('authorization')[0]}`);
            return { status: 200, contentType: 'text/html', body: '<p>hi</p>', headers: { 'cache-control': 'max-age=60' } };
          },
        },
        { matches: (path) => path === '/broken', answer: () => Promise.reject(new Error('boom')) },
      ],
    });
    expect((await edge.http(httpRequest('GET', '/healthz'))).status).toBe(200);
    const page = await edge.http(httpRequest('GET', '/web/a?b=1', undefined, { authorization: 'Bearer x' }));
    expect(page).toMatchObject({ status: 200, body: '<p>hi</p>', headers: { 'content-type': 'text/html', 'cache-control': 'max-age=60' } });
    expect(seen).toEqual(['GET /web/a b=1 Bearer x']);
    expect((await edge.http(httpRequest('HEAD', '/web/a'))).body).toBe('');
    expect((await edge.http(httpRequest('GET', '/broken'))).status).toBe(500);
    expect((await edge.http(httpRequest('GET', '/elsewhere'))).status).toBe(404);
  });

  test('HEAD gets the headers and Content-Length of GET without the body', async () => {
    const edge = createTransportEdge(fakeChat());
    const get = await edge.http(httpRequest('GET', '/healthz'));
    const head = await edge.http(httpRequest('HEAD', '/healthz'));
    expect(head).toMatchObject({ status: 200, body: '', omitBody: true, contentLengthBytes: get.contentLengthBytes });
  });

  test('a failing route is a logged 500 that closes the connection, never a rejection', async () => {
    const logs: Array<[LogLevel, string]> = [];
    const chat = { ...fakeChat(), searchRooms: () => { throw new Error('boom'); } } as unknown as ChatServer;
    const edge = createTransportEdge(chat, { log: (level, msg) => void logs.push([level, msg]) });
    expect(await edge.http(httpRequest('GET', '/api/rooms'))).toMatchObject({ status: 500, statusText: 'Internal Server Error', closeConnection: true });
    expect(logs).toEqual([['error', 'http route failed']]);
  });

  test('once the transport closes, upgrades get 503 and HTTP answers close their connection', async () => {
    let stops = 0;
    const edge = createTransportEdge(fakeChat());
    const running = edge.running(1234, async () => void stops++);
    await Promise.all([running.close(), running.close()]);
    expect(stops).toBe(1);
    expect(edge.closing).toBe(true);
    expect(edge.upgrade(upgradeRequest(handshake))).toMatchObject({ accept: false, answer: { status: 503, statusText: 'Service Unavailable' } });
    expect(await edge.http(httpRequest('GET', '/healthz'))).toMatchObject({ status: 503, closeConnection: true });
    expect(await edge.http(httpRequest('GET', '/api/rooms'))).toMatchObject({ status: 200, closeConnection: true });
  });

  test('refuse: still listening, new sockets and /healthz get 503 at once (rolling restarts), the rest of HTTP still answers', async () => {
    let stops = 0;
    const edge = createTransportEdge(fakeChat());
    const running = edge.running(1234, async () => void stops++);
    expect(await edge.http(httpRequest('GET', '/healthz'))).toMatchObject({ status: 200, closeConnection: false });
    running.refuse();
    running.refuse();
    expect(stops).toBe(0);
    expect(edge.upgrade(upgradeRequest(handshake))).toMatchObject({ accept: false, answer: { status: 503 } });
    const health = await edge.http(httpRequest('GET', '/healthz'));
    expect(health).toMatchObject({ status: 503, closeConnection: true });
    expect(JSON.parse(health.body)).toMatchObject({ status: 'stopping' });
    expect(await edge.http(httpRequest('GET', '/api/rooms'))).toMatchObject({ status: 200 });
  });

  test('an accepted upgrade names the peer; X-Forwarded-For counts only with trustProxy', () => {
    const headers = { ...handshake, 'x-forwarded-for': '203.0.113.7, 10.0.0.1', origin: 'https://chat.example' };
    expect(createTransportEdge(fakeChat(), { trustProxy: true }).upgrade(upgradeRequest(headers))).toEqual({
      accept: true,
      peer: { remoteAddress: '203.0.113.7', origin: 'https://chat.example' },
    });
    expect(createTransportEdge(fakeChat()).upgrade(upgradeRequest(headers))).toMatchObject({ peer: { remoteAddress: '10.0.0.1' } });
  });

  test('a refused Origin is answered 403 and logged with the address', () => {
    const logs: Array<[string, Record<string, unknown> | undefined]> = [];
    const edge = createTransportEdge(fakeChat(), { log: (_, msg, fields) => void logs.push([msg, fields]) });
    const verdict = edge.upgrade(upgradeRequest({ ...handshake, origin: 'https://evil.example' }));
    expect(verdict).toMatchObject({ accept: false, answer: { status: 403, statusText: 'Forbidden', closeConnection: true, body: 'Forbidden' } });
    expect(logs).toEqual([['origin refused at upgrade', { origin: 'https://evil.example', remoteAddress: '10.0.0.1' }]]);
  });

  test('the connection caps are asked with the client address (after X-Forwarded-For): 503 server full, 429 too many from the address', () => {
    const asked: string[] = [];
    const admit = (address: string): Admission => {
      asked.push(address);
      return address === '203.0.113.7' ? 'address-full' : 'server-full';
    };
    const headers = { ...handshake, 'x-forwarded-for': '203.0.113.7' };
    expect(createTransportEdge(fakeChat({ admit }), { trustProxy: true }).upgrade(upgradeRequest(headers))).toMatchObject({
      accept: false,
      answer: { status: 429, statusText: 'Too Many Requests', closeConnection: true },
    });
    expect(createTransportEdge(fakeChat({ admit })).upgrade(upgradeRequest(headers))).toMatchObject({
      accept: false,
      answer: { status: 503, statusText: 'Service Unavailable', closeConnection: true },
    });
    expect(asked).toEqual(['203.0.113.7', '10.0.0.1']);
  });

  test('a malformed handshake or a refused Origin is refused before the caps are asked', () => {
    let asked = 0;
    const edge = createTransportEdge(fakeChat({ admit: () => (asked++, 'server-full') }));
    expect(edge.upgrade(upgradeRequest({ ...handshake, 'sec-websocket-version': '8' }))).toMatchObject({ answer: { status: 400 } });
    expect(edge.upgrade(upgradeRequest({ ...handshake, origin: 'https://evil.example' }))).toMatchObject({ answer: { status: 403 } });
    expect(asked).toBe(0);
  });
});
