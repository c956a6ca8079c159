import { request } from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import {
  createChatServer,
  type ChatServer,
  type Connection,
  type ConnectionEvents,
  type Limits,
  type LogLevel,
  type RunningTransport,
  type Transport,
  type TransportOptions,
} from '@rgchat/chat-core';
import { createRandomIds, createSystemClock } from '@rgchat/runtime-node';
import { createMemoryStore, type MemoryStore } from './memory-store';
import { rawExchange } from './raw-exchange';
import { connectClient, expectUpgradeStatus, type ConnectOptions, type TestClient } from './ws-test-client';

/** What one contract test runs against: a real chat server behind the transport, on 127.0.0.1. */
export interface TransportHarness {
  readonly chat: ChatServer;
  readonly store: MemoryStore;
  readonly running: RunningTransport;
  /** `ws://127.0.0.1:<port>/` */
  readonly url: string;
  /** `http://127.0.0.1:<port>` */
  readonly httpUrl: string;
  /** Every Connection the transport handed core, in order. */
  readonly connections: Connection[];
  /** Frames the transport delivered to core (`ConnectionEvents.message` calls), over all connections. */
  readonly inboundFrames: number;
  /** Everything core and the transport logged. */
  readonly logs: Array<{ level: LogLevel; msg: string; fields: Record<string, unknown> | undefined }>;
  connect(options?: ConnectOptions): Promise<TestClient>;
  /** Connects, says hello as `name` and waits for `welcome`. */
  greet(name: string, options?: ConnectOptions): Promise<TestClient>;
  /** Terminates every client, closes chat, transport and store. Idempotent. */
  stop(): Promise<void>;
}

export interface HarnessSetup {
  readonly limits?: Partial<Limits>;
  readonly allowedOrigins?: readonly string[];
  readonly trustProxy?: boolean;
  /** Passed to the transport as `httpHeadersTimeoutMs`. */
  readonly httpHeadersTimeoutMs?: number;
  /** Default 0 (any free port). */
  readonly port?: number;
}

/** Starts a chat server on the memory store behind a freshly created transport. */
export async function startTransportHarness(
  create: (options: TransportOptions) => Transport,
  setup: HarnessSetup = {},
): Promise<TransportHarness> {
  const logs: TransportHarness['logs'] = [];
  const log = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    logs.push({ level, msg, fields });
  };
  const transport = create({
    host: '127.0.0.1',
    port: setup.port ?? 0,
    log,
    ...(setup.trustProxy ? { trustProxy: true } : {}),
    ...(setup.httpHeadersTimeoutMs === undefined ? {} : { httpHeadersTimeoutMs: setup.httpHeadersTimeoutMs }),
  });
  const store = createMemoryStore();
  const chat = createChatServer(
    { store, clock: createSystemClock(), ids: createRandomIds(), log, ...(transport.fanout ? { fanout: transport.fanout } : {}) },
    { ...(setup.limits ? { limits: setup.limits } : {}), ...(setup.allowedOrigins ? { allowedOrigins: setup.allowedOrigins } : {}) },
  );
  await chat.start();
  const connections: Connection[] = [];
  let inboundFrames = 0;
  // The transport sees core through this proxy, so a test can reach the Connection and count what core receives.
  const observed = new Proxy(chat, {
    get(target, key) {
      if (key !== 'open') return Reflect.get(target, key) as unknown;
      return (connection: Connection): ConnectionEvents => {
        connections.push(connection);
        const events = target.open(connection);
        return {
          message(data, isBinary) {
            inboundFrames++;
            events.message(data, isBinary);
          },
          pong: () => events.pong(),
          closed: (code, reason) => events.closed(code, reason),
        };
      };
    },
  });
  const running = await transport.start(observed);
  const url = `ws://127.0.0.1:${running.port}/`;
  const clients: TestClient[] = [];
  let stopped: Promise<void> | undefined;

  const connect = async (options?: ConnectOptions): Promise<TestClient> => {
    const client = await connectClient(url, options);
    clients.push(client);
    return client;
  };

  return {
    chat,
    store,
    running,
    url,
    httpUrl: `http://127.0.0.1:${running.port}`,
    connections,
    get inboundFrames() {
      return inboundFrames;
    },
    logs,
    connect,
    async greet(name, options) {
      const client = await connect(options);
      client.send({ type: 'hello', profile: { name, avatarId: 1 } });
      await client.next('welcome');
      return client;
    },
    stop() {
      stopped ??= (async () => {
        // Terminate first: a paused client would hold a closing handshake open for its full timeout.
        for (const c of clients) c.terminate();
        chat.close();
        await running.close();
        store.failing = false;
        await store.close();
        await Promise.all(clients.map((c) => c.closed));
      })();
      return stopped;
    },
  };
}

/** Plain HTTP GET without keep-alive, so no pooled socket outlives the test. */
export function httpGet(url: string): Promise<{ status: number; contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `condition` every 20 ms until it holds; rejects after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function enterRoom(clients: TestClient[], name: string): Promise<string> {
  const [first] = clients;
  if (!first) throw new Error('no clients');
  first.send({ type: 'create_room', name });
  const list = await first.next('room_list');
  const id = (list['rooms'] as Array<{ id: string; name: string }>).find((r) => r.name === name)?.id;
  if (!id) throw new Error(`room "${name}" not in room_list`);
  for (const c of clients) {
    c.send({ type: 'join_room', roomId: id });
    await c.next('joined_room');
  }
  return id;
}

const say = (client: TestClient, roomId: string, text: string): void =>
  client.send({ type: 'send_message', roomId, message: { type: 'message', text } });

const messageWithText = (text: string) => (f: Record<string, any>) => f['type'] === 'message' && f['message']?.text === text;

async function roundTrip(client: TestClient, ts: string): Promise<void> {
  client.send({ type: 'ping', ts });
  await client.waitFor((f) => f['type'] === 'pong' && f['ts'] === ts);
}

/**
 * The transport contract: every transport adapter runs it over real sockets
 * against a real chat server on the memory store. It only uses the Transport
 * port, core and a WebSocket client, never the server library's internals.
 */
export interface TransportContractOptions {
  /** The transport implements `Connection.pauseReading` (ws does; uWS cannot). Default false. */
  readonly pausesReading?: boolean;
}

export function describeTransportContract(name: string, create: (options: TransportOptions) => Transport, options: TransportContractOptions = {}): void {
  describe(`transport contract: ${name}`, () => {
    const harnesses: TransportHarness[] = [];
    const start = async (setup?: HarnessSetup): Promise<TransportHarness> => {
      const h = await startTransportHarness(create, setup);
      harnesses.push(h);
      return h;
    };
    afterEach(async () => {
      await Promise.all(harnesses.splice(0).map((h) => h.stop()));
    });

    test('hello is answered with welcome over a real socket', async () => {
      const h = await start();
      const c = await h.connect();
      c.send({ type: 'hello', profile: { name: 'alice', avatarId: 3 } });
      const welcome = await c.next('welcome');
      expect(welcome).toMatchObject({ protocol: 'rg-chat-v1', self: { name: 'alice', avatarId: 3 } });
      expect(h.chat.connectionCount).toBe(1);
    });

    test('a message reaches every member exactly once, sender included, with identical payloads', async () => {
      const h = await start();
      const clients = [await h.greet('alice'), await h.greet('bob'), await h.greet('carol')];
      const [alice] = clients as [TestClient];
      const roomId = await enterRoom(clients, 'Lobby');
      say(alice, roomId, 'first');
      say(alice, roomId, 'second');
      const firsts = await Promise.all(clients.map((c) => c.waitFor(messageWithText('first'))));
      await Promise.all(clients.map((c) => c.waitFor(messageWithText('second'))));
      const id = firsts[0]?.['message']?.id as string;
      expect(firsts.every((f) => f['message']?.id === id)).toBe(true);
      const raws = clients.map((c) => c.rawFrames.filter((raw) => raw.includes(id)));
      for (const r of raws) expect(r).toHaveLength(1);
      expect(new Set(raws.map((r) => r[0])).size).toBe(1);
    });

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

    test('a frame over maxPayloadBytes closes that socket with 1009; another client keeps working', async () => {
      const h = await start({ limits: { maxPayloadBytes: 4096 } });
      const big = await h.greet('alice');
      const other = await h.greet('bob');
      big.sendRaw(JSON.stringify({ type: 'ping', ts: 'x'.repeat(8192) }));
      expect((await big.closed).code).toBe(1009);
      await roundTrip(other, 'still-here');
      await waitUntil(() => h.chat.connectionCount === 1, 'the oversize sender is gone');
      // At the limit is still fine.
      const edge = await h.greet('carol');
      const pad = 'y'.repeat(4096 - JSON.stringify({ type: 'ping', ts: 'edge', pad: '' }).length);
      const atLimit = JSON.stringify({ type: 'ping', ts: 'edge', pad });
      expect(Buffer.byteLength(atLimit)).toBe(4096);
      edge.sendRaw(atLimit);
      await edge.waitFor((f) => f['type'] === 'pong' && f['ts'] === 'edge');
    });

    test('a binary frame gets an error frame and the connection stays open', async () => {
      const h = await start();
      const c = await h.greet('alice');
      c.sendRaw(Buffer.from(JSON.stringify({ type: 'ping', ts: 1 })));
      const error = await c.next('error');
      expect(error).toMatchObject({ type: 'error', requestType: null });
      await roundTrip(c, 'after-binary');
      expect(c.isClosed).toBe(false);
    });

    test('a frame starting with a UTF-8 BOM is not JSON on any transport (BAD_JSON); the connection stays', async () => {
      const h = await start();
      const c = await h.connect();
      c.sendRaw(`\uFEFF${JSON.stringify({ type: 'hello', profile: { name: 'bom', avatarId: 1 } })}`);
      expect(await c.next('error')).toMatchObject({ code: 'BAD_JSON' });
      await roundTrip(c, 'after-bom');
    });

    test('a peer that does not answer protocol pings is dropped; a live one stays', async () => {
      // Short enough for a quick test, long enough that a busy test machine does not starve the live peer's pong.
      const h = await start({ limits: { heartbeatMs: 500 } });
      const dead = await h.greet('dead', { autoPong: false });
      const live = await h.greet('live');
      await dead.closed;
      await waitUntil(() => h.chat.connectionCount === 1, 'only the live peer remains');
      const pingsAtDrop = live.pings;
      await waitUntil(() => live.pings >= pingsAtDrop + 2, 'two more heartbeats reach the live peer');
      expect(live.isClosed).toBe(false);
      await roundTrip(live, 'alive');
    });

    test('a reader that stops reading is closed once over its send budget; other members get everything', async () => {
      const h = await start({
        limits: {
          sendBudgetBytes: 64 * 1024,
          maxMessageLength: 2000,
          rateLimitPerSec: 1_000_000,
          rateLimitBurst: 1_000_000,
          // Every client here is 127.0.0.1: the per-address bucket would otherwise be the limit under test.
          rateLimitPerIpPerSec: 1_000_000,
          rateLimitPerIpBurst: 1_000_000,
          maxPendingRequests: 1000,
        },
      });
      const sender = await h.greet('sender');
      const reader = await h.greet('reader');
      const slow = await h.greet('slow');
      const roomId = await enterRoom([sender, reader, slow], 'Flood');
      slow.pauseReading();
      // Small bursts: one tick's output to the fast reader stays well under its budget.
      const filler = 'z'.repeat(1900);
      const windowSize = 8;
      // Kernel buffers on loopback can take several MiB before the server's own queue grows.
      const maxMessages = 40_000;
      let sent = 0;
      while (h.chat.connectionCount === 3) {
        if (sent >= maxMessages) throw new Error(`slow reader still connected after ${sent} messages`);
        for (let i = 0; i < windowSize; i++) say(sender, roomId, `${sent++} ${filler}`);
        await sender.waitFor(messageWithText(`${sent - 1} ${filler}`), 20_000);
      }
      // Sent after the drop: the slow reader can never see these.
      for (let i = 0; i < windowSize; i++) say(sender, roomId, `${sent++} ${filler}`);
      await reader.waitFor(messageWithText(`${sent - 1} ${filler}`), 20_000);
      const received = reader.frames.filter((f) => f['type'] === 'message').map((f) => Number(String(f['message'].text).split(' ', 1)[0]));
      expect(received).toEqual(Array.from({ length: sent }, (_, i) => i));
      slow.resumeReading();
      await slow.closed;
      expect(slow.frames.filter((f) => f['type'] === 'message').length).toBeLessThan(sent);
      expect(reader.isClosed).toBe(false);
    });

    test('a port another server already listens on is refused, and that server keeps its clients', async () => {
      // A fixed port: the kernel lets a second SO_REUSEPORT socket join a
      // port that was chosen by number, not one it assigned for port 0.
      const h = await start({ port: await freePort() });
      const c = await h.greet('alice');
      const second = create({ host: '127.0.0.1', port: h.running.port, log: () => {} });
      const chat = createChatServer({ store: createMemoryStore(), clock: createSystemClock(), ids: createRandomIds() });
      await chat.start();
      try {
        // Both would accept and split the clients between two servers (uWS
        // listens with SO_REUSEPORT unless told otherwise).
        const outcome = await second.start(chat).then(
          async (running) => {
            await running.close();
            return 'second server started';
          },
          (e: Error) => e.message,
        );
        expect(outcome).toContain(String(h.running.port));
      } finally {
        chat.close();
      }
      for (let i = 0; i < 5; i++) await h.greet(`late${i}`);
      await roundTrip(c, 'still-served');
      expect(h.chat.connectionCount).toBe(6);
    });

    test(`the Connection ${options.pausesReading ? 'offers' : 'does not offer'} pauseReading/resumeReading`, async () => {
      const h = await start();
      await h.greet('alice');
      expect(typeof h.connections[0]?.pauseReading).toBe(options.pausesReading ? 'function' : 'undefined');
      expect(typeof h.connections[0]?.resumeReading).toBe(options.pausesReading ? 'function' : 'undefined');
    });

    if (options.pausesReading) {
      test('a paused connection delivers no frame until resumed, and the backpressure reaches the client', async () => {
        const h = await start({ limits: { rateLimitPerSec: 1_000_000, rateLimitBurst: 1_000_000, rateLimitPerIpPerSec: 1_000_000, rateLimitPerIpBurst: 1_000_000, maxPendingRequests: 10_000 } });
        const c = await h.greet('alice');
        const connection = h.connections[0] as Connection;
        connection.pauseReading?.();
        const before = h.inboundFrames;
        const pad = 'p'.repeat(60_000);
        let sent = 0;
        // Until the kernel buffers on both ends are full and the client's own queue grows: proof the server stopped reading.
        while (c.bufferedAmount < 1024 * 1024) {
          if (sent >= 2000) throw new Error(`client queue still empty after ${sent} frames`);
          for (let i = 0; i < 16; i++) c.send({ type: 'ping', ts: String(sent++), pad });
          await new Promise((r) => setTimeout(r, 20));
        }
        expect(h.inboundFrames).toBe(before);
        expect(c.frames.filter((f) => f['type'] === 'pong')).toEqual([]);
        connection.resumeReading?.();
        await c.waitFor((f) => f['type'] === 'pong' && f['ts'] === String(sent - 1), 30_000);
        expect(h.inboundFrames).toBe(before + sent);
        const pongs = c.frames.filter((f) => f['type'] === 'pong').map((f) => Number(f['ts']));
        expect(pongs).toEqual(Array.from({ length: sent }, (_, i) => i));
      });
    }

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

    test('connectionCount drops back after clients disconnect', async () => {
      const h = await start();
      const a = await h.greet('alice');
      const b = await h.greet('bob');
      expect(h.chat.connectionCount).toBe(2);
      a.close(1000, 'bye');
      await a.closed;
      await waitUntil(() => h.chat.connectionCount === 1, 'a clean close is reported');
      b.terminate();
      await waitUntil(() => h.chat.connectionCount === 0, 'a dropped connection is reported');
    });

    test('running.close() stops new connections and leaves open ones to core', async () => {
      const h = await start();
      const c = await h.greet('alice');
      await h.running.close();
      await h.running.close(); // idempotent
      await expect(connectClient(h.url)).rejects.toThrow();
      await roundTrip(c, 'after-transport-close');
      expect(h.chat.connectionCount).toBe(1);
    });

    test.each([
      [1001, 'server shutting down'],
      [1012, 'server restarting'],
    ])('chat.close(%i) closes every client with that code', async (code, reason) => {
      const h = await start();
      const clients = [await h.greet('alice'), await h.greet('bob')];
      h.chat.close(code, reason);
      for (const c of clients) expect(await c.closed).toEqual({ code, reason });
      expect(h.chat.connectionCount).toBe(0);
    });

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

    test('a socket that sends no hello within helloTimeoutMs is closed with 1008', async () => {
      const h = await start({ limits: { helloTimeoutMs: 300 } });
      const silent = await h.connect();
      const greeted = await h.greet('alice');
      expect(await silent.closed).toEqual({ code: 1008, reason: 'hello timeout' });
      await roundTrip(greeted, 'greeted-stays');
    });
  });
}
