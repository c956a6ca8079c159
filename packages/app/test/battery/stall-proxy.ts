import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy that can stall a database connection without cutting it:
 * `stall()` stops moving bytes both ways (what a hung server or a congested
 * path looks like), `resume()` moves them again, so writes sent meanwhile
 * still arrive and commit late: the case where a store timeout must not
 * claim "nothing was stored" (issue #10 finding 5). The shared
 * store-postgres `tcp-proxy.ts` black hole drops sockets on `up()` instead.
 */
export interface StallProxy {
  readonly port: number;
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

export function startStallProxy(target: { host: string; port: number }): Promise<StallProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let stalled = false;
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => {
      upstream.destroy();
      pairs.delete(pair);
    });
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
    if (stalled) {
      client.pause();
      upstream.pause();
    }
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = address && typeof address === 'object' ? address.port : 0;
      resolve({
        port,
        stall() {
          stalled = true;
          for (const p of pairs) {
            p.client.pause();
            p.upstream.pause();
          }
        },
        resume() {
          stalled = false;
          for (const p of pairs) {
            p.client.resume();
            p.upstream.resume();
          }
        },
        close: () =>
          new Promise<void>((done) => {
            for (const p of pairs) {
              p.client.destroy();
              p.upstream.destroy();
            }
            server.close(() => done());
          }),
      });
    });
  });
}
