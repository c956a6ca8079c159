import type { ConnectionOptions } from 'nats';
import { natsServers } from './nats-settings';

/** Reconnect attempts are spaced this far apart, in ms, plus jitter (so many instances do not all reconnect at once after a server restart). */
export const RECONNECT_WAIT_MS = 250;
/** Upper bound of the random delay added to each reconnect wait, in ms. */
export const RECONNECT_JITTER_MS = 500;
/**
 * How often the client pings the server, in ms. A socket that died without
 * FIN or RST stays "connected" and silent; after MAX_PINGS_OUT unanswered
 * pings the client calls it stale and reconnects (the client's own default
 * is 2 minutes, far too long to go deaf).
 */
export const PING_INTERVAL_MS = 5000;
export const MAX_PINGS_OUT = 2;
/** Longest the first connect (and each handshake) may take, in ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

/**
 * The `nats` client's options for `url` (one or several comma-separated
 * servers). The client takes no credentials from a URL, so a
 * `user:password@` or `token@` in the first URL that has one becomes its
 * `user`/`pass` or `token` option and is stripped from every server.
 */
export function connectOptions(url: string, name: string, connectTimeoutMs: number, pingIntervalMs: number = PING_INTERVAL_MS): ConnectionOptions {
  let auth: Pick<ConnectionOptions, 'user' | 'pass' | 'token'> = {};
  const servers = natsServers(url).map((s) => {
    const u = new URL(s);
    if (u.username !== '' && auth.user === undefined && auth.token === undefined) {
      const user = decodeURIComponent(u.username);
      auth = u.password === '' ? { token: user } : { user, pass: decodeURIComponent(u.password) };
    }
    return `${u.protocol}//${u.host}`;
  });
  const tls = servers.some((s) => s.startsWith('tls:')) ? { tls: {} } : {};
  return {
    servers,
    ...auth,
    ...tls,
    name,
    // Echoes are dropped by instanceId too; this saves the server sending them.
    noEcho: true,
    reconnect: true,
    // Never give up: the bus is back when the server is. The client would also
    // give up for good after two refused logins in a row (credentials being
    // rotated during an outage); each refusal is logged and it tries again.
    maxReconnectAttempts: -1,
    ignoreAuthErrorAbort: true,
    reconnectTimeWait: RECONNECT_WAIT_MS,
    reconnectJitter: RECONNECT_JITTER_MS,
    reconnectJitterTLS: RECONNECT_JITTER_MS,
    pingInterval: pingIntervalMs,
    maxPingOut: MAX_PINGS_OUT,
    timeout: connectTimeoutMs,
    // The first connect must fail loudly (startup stops), like the Postgres bus's first LISTEN.
    waitOnFirstConnect: false,
  };
}
