import type { HttpReply, HttpRoute } from '@rgchat/chat-core';
import type { Registry } from 'prom-client';

/** Where Prometheus scrapes. */
export const METRICS_PATH = '/metrics';

/**
 * The exposition for one scrape: 200 with the text format
 * (`text/plain; version=0.0.4`) to GET and HEAD, 405 to anything else.
 * Never cached.
 */
export async function metricsReply(registry: Registry, method: string): Promise<HttpReply> {
  if (method !== 'GET' && method !== 'HEAD') {
    return { status: 405, contentType: 'text/plain; charset=utf-8', body: 'Method Not Allowed\n', headers: { allow: 'GET, HEAD' } };
  }
  return { status: 200, contentType: registry.contentType, body: await registry.metrics() };
}

/** `/metrics` on the public port (when METRICS_PORT is unset). */
export const metricsRoute = (registry: Registry): HttpRoute => ({
  matches: (path) => path === METRICS_PATH,
  answer: (request) => metricsReply(registry, request.method),
});
