import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of the shared Postgres server, so a test can take
 * "the database" away from one store without stopping the real server that
 * other engineers use: `down()` refuses and cuts connections (a stopped
 * server), `blackhole()` keeps sockets open but silent (a hung server or a
 * dead network path), `up()` restores service on the same port.
 */
export interface TcpProxy {
  readonly port: number;
  up(): Promise<void>;
  down(): Promise<void>;
  blackhole(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let server: Server | undefined;
  let port = 0;
  let mode: 'up' | 'blackhole' | 'down' = 'down';
  const pairs = new Set<{ client: Socket; upstream: Socket | undefined }>();

  const destroyAll = () => {
    for (const p of pairs) {
      p.client.destroy();
      p.upstream?.destroy();
    }
    pairs.clear();
  };

  function onConnection(client: Socket): void {
    const pair: { client: Socket; upstream: Socket | undefined } = { client, upstream: undefined };
    pairs.add(pair);
    client.on('error', () => undefined);
    client.on('close', () => {
      pair.upstream?.destroy();
      pairs.delete(pair);
    });
    // A black hole accepts and then says nothing, ever.
    if (mode !== 'up') return;
    const upstream = connect(target.port, target.host);
    pair.upstream = upstream;
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer(onConnection);
      s.on('error', reject);
      s.listen(port, '127.0.0.1', () => {
        const address = s.address();
        if (address && typeof address === 'object') port = address.port;
        server = s;
        resolve();
      });
    });

  const stopListening = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = undefined;
      if (!s) return resolve();
      s.close(() => resolve());
    });

  const proxy: TcpProxy = {
    get port() {
      return port;
    },
    async up() {
      // Sockets frozen by a black hole are useless to their clients now.
      if (mode === 'blackhole') destroyAll();
      mode = 'up';
      if (!server) await listen();
    },
    async down() {
      mode = 'down';
      const closing = stopListening();
      destroyAll();
      await closing;
    },
    blackhole() {
      mode = 'blackhole';
      for (const p of pairs) {
        p.client.unpipe();
        p.upstream?.unpipe();
        p.client.pause();
        p.upstream?.pause();
      }
    },
    async close() {
      await proxy.down();
    },
  };
  await proxy.up();
  return proxy;
}
