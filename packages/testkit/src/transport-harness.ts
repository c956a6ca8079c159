import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
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
import { connectClient, type ConnectOptions, type TestClient } from './ws-test-client';

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
export function freePort(): Promise<number> {
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

/** Creates room `name` from the first client and joins every client to it; resolves with its id. */
export async function enterRoom(clients: TestClient[], name: string): Promise<string> {
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

/** Sends a plain text message to `roomId`. */
export const say = (client: TestClient, roomId: string, text: string): void =>
  client.send({ type: 'send_message', roomId, message: { type: 'message', text } });

/** Matches a `message` frame carrying `text`. */
export const messageWithText = (text: string) => (f: Record<string, any>) => f['type'] === 'message' && f['message']?.text === text;

/** A ping answered by its pong: the connection is being served. */
export async function roundTrip(client: TestClient, ts: string): Promise<void> {
  client.send({ type: 'ping', ts });
  await client.waitFor((f) => f['type'] === 'pong' && f['ts'] === ts);
}
