import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP load balancer as operators run one in front of rgchat: it polls each
 * backend's `/healthz` and sends every new connection to the next healthy
 * one, round robin. What a rolling restart relies on: an instance whose
 * /healthz turns 503 gets no new clients while its own are let go.
 */
export interface HealthBalancer {
  /** `ws://127.0.0.1:<port>/` */
  readonly url: string;
  /** Backend ports currently healthy, as of the last poll. */
  readonly healthy: readonly number[];
  /** How many connections went to each backend port. */
  readonly routed: ReadonlyMap<number, number>;
  close(): Promise<void>;
}

export async function startHealthBalancer(backendPorts: readonly number[], pollMs = 50): Promise<HealthBalancer> {
  let healthy: number[] = [];
  let next = 0;
  const routed = new Map<number, number>();
  const sockets = new Set<Socket>();
  let polling = true;

  const poll = async () => {
    while (polling) {
      const ok = await Promise.all(
        backendPorts.map((port) =>
          fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
            (r) => r.status === 200,
            () => false,
          ),
        ),
      );
      healthy = backendPorts.filter((_, i) => ok[i]);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  };
  const polled = poll();

  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    const port = healthy.length ? healthy[next++ % healthy.length] : undefined;
    if (port === undefined) return void client.destroy();
    routed.set(port, (routed.get(port) ?? 0) + 1);
    const upstream = connect(port, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // The first poll decides where the first clients go.
  while (!healthy.length) await new Promise((r) => setTimeout(r, 10));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    get healthy() {
      return healthy;
    },
    routed,
    async close() {
      polling = false;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await polled;
    },
  };
}
