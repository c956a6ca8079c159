import { createServer, type Server } from 'node:http';
import type { Log } from '@rgchat/chat-core';
import type { Registry } from 'prom-client';
import { METRICS_PATH, metricsReply } from './metrics-route';

/** The metrics listener on its own port (METRICS_PORT). */
export interface MetricsServer {
  /** The port bound. */
  readonly port: number;
  /** Stops listening and drops idle keep-alive scrapers; idempotent. */
  close(): Promise<void>;
}

/** Scrapers send small requests; anything slower or larger is not one. */
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_HEADER_BYTES = 8 * 1024;

/**
 * A small node:http server answering only `GET /metrics` (404 elsewhere),
 * so the metrics can live on a port that is not public. It reads no body
 * and serves nothing else; it starts with the app and closes with it.
 */
export async function startMetricsServer(options: { host: string; port: number; registry: Registry; log: Log }): Promise<MetricsServer> {
  const { host, port, registry, log } = options;
  const server: Server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: REQUEST_TIMEOUT_MS }, (req, res) => {
    const path = (req.url ?? '').split('?', 1)[0];
    const method = req.method ?? 'GET';
    if (path !== METRICS_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end('Not Found\n');
      return;
    }
    metricsReply(registry, method).then(
      (reply) => {
        res.writeHead(reply.status, { 'content-type': reply.contentType, 'cache-control': 'no-store', ...reply.headers });
        res.end(method === 'HEAD' ? undefined : reply.body);
      },
      (err: unknown) => {
        log('error', 'metrics scrape failed', { err: String(err) });
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Internal Server Error\n');
      },
    );
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A later error (none expected once listening) is logged, never thrown.
  server.on('error', (err) => log('error', 'metrics server error', { err: String(err) }));
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  log('info', 'metrics listening', { host, port: bound, path: METRICS_PATH });
  let closing: Promise<void> | undefined;
  return {
    port: bound,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
