import type { ChatAdmin, HttpRoute, Log } from '@rgchat/chat-core';
import type { Registry } from 'prom-client';
import { adminRoutes } from './admin-routes';
import type { AppConfig } from './config';
import { metricsRoute } from './metrics-route';
import { loadWebBundle, webRoute } from './web-route';

/** What the app's routes need from the running app, resolved at request time. */
export interface AppRouteDeps {
  readonly admin: () => ChatAdmin;
  readonly log: Log;
  /** The app's metrics; served here when METRICS is on without METRICS_PORT. */
  readonly metrics?: Registry | undefined;
}

/**
 * The plain-HTTP routes the app adds to core's own (`/healthz`, `/api/...`)
 * on the public port, in the order the edge asks them. Each feature that
 * serves HTTP (the web page, metrics, the admin API) contributes its routes
 * here, built from the validated config.
 */
export function appRoutes(config: AppConfig, deps: AppRouteDeps): readonly HttpRoute[] {
  const routes: HttpRoute[] = [];
  // No token, no admin API: /admin/ is a plain 404, as if it did not exist.
  if (config.adminToken !== undefined) {
    routes.push(adminRoutes({ token: config.adminToken, admin: deps.admin, log: deps.log, trustProxy: config.transport.trustProxy }));
  }
  // On a METRICS_PORT of its own, the public port answers /metrics 404 like any unknown path.
  if (config.metrics.kind === 'public' && deps.metrics) routes.push(metricsRoute(deps.metrics));
  if (config.webClient) routes.push(webRoute(loadWebBundle()));
  return routes;
}
