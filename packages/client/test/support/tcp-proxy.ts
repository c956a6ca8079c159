import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP proxy in front of the real server, so a test can do to one client's
 * connection what networks do: cut it without a close frame, refuse new
 * ones for a while, or swallow what the server sends (an `ack` lost on the
 * way back).
 */
export interface TcpProxy {
  /** `ws://127.0.0.1:<proxy port>/` */
  readonly url: string;
  /** Destroys every proxied connection at once, both sides, no close frame. */
  cut(): void;
  /** While true, new connections are accepted and destroyed at once (the server is "unreachable"). */
  refusing: boolean;
  /** While true, bytes from the server are dropped instead of forwarded. */
  swallowDownstream: boolean;
  /** Connections accepted so far (a reconnect adds one). */
  readonly accepted: number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let accepted = 0;
  const server = createServer((client) => {
    accepted++;
    if (proxy.refusing) return void client.destroy();
    const upstream = connect(targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      if (!proxy.swallowDownstream) client.write(d);
    });
    for (const s of pair) {
      s.on('error', end);
      s.on('close', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const proxy: TcpProxy = {
    url: `ws://127.0.0.1:${port}/`,
    refusing: false,
    swallowDownstream: false,
    get accepted() {
      return accepted;
    },
    cut() {
      for (const [a, b] of [...pairs]) {
        // resetAndDestroy: an RST, as a dropped route looks to both ends.
        a.resetAndDestroy();
        b.resetAndDestroy();
      }
      pairs.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        proxy.cut();
        server.close(() => resolve());
      }),
  };
  return proxy;
}
