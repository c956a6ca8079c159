import { connect } from 'node:net';
import { rawExchange } from './raw-exchange';
import { enterRoom, httpGet, roundTrip, waitUntil, type HarnessSetup, type TransportHarness } from './transport-harness';
import { expectUpgradeStatus } from './ws-test-client';

/**
 * The edge half of the transport contract: what core decides at upgrade
 * and for plain HTTP (origin, handshake rules, caps, routes, header
 * timeouts, the client address), checked over real sockets on every
 * transport. `start` is the contract's harness starter (stopped after each
 * test by the caller).
 */
export function describeEdgeContract(start: (setup?: HarnessSetup) => Promise<TransportHarness>): void {
  describe('edge: upgrades and HTTP', () => {
    test('origin allow-list: a foreign Origin gets 403 at upgrade; allowed or absent Origin is accepted', async () => {
      const h = await start({ allowedOrigins: ['https://chat.example'] });
      expect(await expectUpgradeStatus(h.url, { Origin: 'https://evil.example' })).toBe(403);
      expect(h.chat.connectionCount).toBe(0);
      const allowed = await h.greet('alice', { origin: 'https://chat.example' });
      const anonymous = await h.greet('bob');
      await roundTrip(allowed, 'a');
      await roundTrip(anonymous, 'b');
      expect(h.chat.connectionCount).toBe(2);
    });

    test('/healthz answers 200, then 503 while the store fails', async () => {
      const h = await start();
      const ok = await httpGet(`${h.httpUrl}/healthz`);
      expect(ok.status).toBe(200);
      expect(ok.contentType).toMatch(/application\/json/);
      h.store.failing = true;
      expect((await httpGet(`${h.httpUrl}/healthz`)).status).toBe(503);
      h.store.failing = false;
      expect((await httpGet(`${h.httpUrl}/healthz`)).status).toBe(200);
    });

    test('HEAD gets the headers of GET without a body', async () => {
      const h = await start();
      const reply = await rawExchange(h.running.port, 'HEAD /api/rooms HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(reply).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(reply).toMatch(/content-length: 12\r\n/i);
      expect(reply).toMatch(/cache-control: no-store\r\n/i);
      expect(reply.endsWith('\r\n\r\n')).toBe(true);
    });

    test('/api/rooms lists the rooms as JSON; unknown paths get 404 for HTTP and for upgrades', async () => {
      const h = await start();
      const alice = await h.greet('alice');
      await enterRoom([alice], 'Tea Room');
      const res = await httpGet(`${h.httpUrl}/api/rooms?x=1`);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).rooms).toEqual([expect.objectContaining({ id: 'tea-room', name: 'Tea Room', messageCount: 0 })]);
      expect((await httpGet(`${h.httpUrl}/nope`)).status).toBe(404);
      expect(await expectUpgradeStatus(`${h.url}nope`)).toBe(404);
    });

    test('an upgrade without a key gets 400 (uWS would route it as plain HTTP) and never reaches core', async () => {
      const h = await start();
      const reply = await rawExchange(
        h.running.port,
        'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      expect(reply).toMatch(/^HTTP\/1\.1 400/);
      expect(h.chat.connectionCount).toBe(0);
    });

    const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
    const upgradeWith = (lines: string[]): string => `GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;
    test.each([
      ['a version other than 13', ['Upgrade: websocket', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 12']],
      ['a key that is not 16 bytes of base64', ['Upgrade: websocket', 'Sec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!==', 'Sec-WebSocket-Version: 13']],
      ['an Upgrade other than websocket', ['Upgrade: websockets', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 13']],
      ['two Origin headers', ['Upgrade: websocket', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 13', 'Origin: https://a.example', 'Origin: https://b.example']],
    ])('an upgrade with %s gets 400 and never reaches core', async (_, lines) => {
      const h = await start();
      expect(await rawExchange(h.running.port, upgradeWith(lines))).toMatch(/^HTTP\/1\.1 400/);
      expect(h.chat.connectionCount).toBe(0);
    });

    test('Upgrade is matched without regard to case, as RFC 6455 asks', async () => {
      const h = await start();
      expect(await expectUpgradeStatus(h.url)).toBe(101);
      const reply = await rawExchange(h.running.port, upgradeWith(['Upgrade: WebSocket', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 13']));
      expect(reply).toMatch(/^HTTP\/1\.1 101/);
    });

    test('a client trickling its request headers byte by byte is cut off', async () => {
      const h = await start({ httpHeadersTimeoutMs: 500 });
      const socket = connect(h.running.port, '127.0.0.1');
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      socket.on('error', () => {});
      socket.on('data', () => {});
      let stop = false;
      void closed.then(() => (stop = true));
      const headers = `GET /healthz HTTP/1.1\r\nHost: x\r\n${'X-Slow: y\r\n'.repeat(1000)}`;
      // One byte every 100 ms keeps any idle timer from firing: only a headers timeout cuts this client.
      for (let i = 0; !stop && i < headers.length; i++) {
        socket.write(headers[i] as string);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(stop).toBe(true);
      await closed;
    }, 60_000);

    test('the client address comes from X-Forwarded-For only when trustProxy is set', async () => {
      const headers = { 'X-Forwarded-For': '203.0.113.7, 10.0.0.1' };
      const connectAddress = (h: TransportHarness) =>
        h.logs.find((l) => l.msg === 'connect')?.fields?.['remoteAddress'];
      const trusting = await start({ trustProxy: true });
      await trusting.greet('alice', { headers });
      expect(connectAddress(trusting)).toBe('203.0.113.7');
      const direct = await start();
      await direct.greet('bob', { headers });
      expect(connectAddress(direct)).toMatch(/127\.0\.0\.1$/);
    });

    test('connection caps at upgrade: 429 past maxConnectionsPerIp, 503 past maxConnections, refused before core; a slot frees on close', async () => {
      const h = await start({ trustProxy: true, limits: { maxConnections: 3, maxConnectionsPerIp: 2 } });
      const from = (address: string) => ({ headers: { 'X-Forwarded-For': address } });
      const a1 = await h.greet('a1', from('203.0.113.1'));
      await h.greet('a2', from('203.0.113.1'));
      expect(await expectUpgradeStatus(h.url, { 'X-Forwarded-For': '203.0.113.1' })).toBe(429);
      await h.greet('b1', from('203.0.113.2'));
      expect(await expectUpgradeStatus(h.url, { 'X-Forwarded-For': '203.0.113.3' })).toBe(503);
      expect(h.connections).toHaveLength(3);
      a1.close(1000, 'bye');
      await waitUntil(() => h.chat.connectionCount === 2, 'the close is counted');
      await roundTrip(await h.greet('c1', from('203.0.113.3')), 'after-a-slot-freed');
      const refusals = h.logs.filter((l) => l.msg.startsWith('connection refused')).map((l) => [l.msg, l.fields?.['remoteAddress']]);
      expect(refusals).toEqual([
        ['connection refused: too many from this address', '203.0.113.1'],
        ['connection refused: server full', '203.0.113.3'],
      ]);
    });
  });
}
