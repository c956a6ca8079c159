import type { HttpRoute } from '@rgchat/chat-core';
import type { AppConfig } from './config';

/**
 * The plain-HTTP routes the app adds to core's own (`/healthz`, `/api/...`)
 * on the public port, in the order the edge asks them. Each feature that
 * serves HTTP (the web page, metrics, the admin API) contributes its routes
 * here, built from the validated config.
 */
export function appRoutes(config: AppConfig): readonly HttpRoute[] {
  void config;
  return [];
}
