import type { Admission } from '../address-book';
import { single, type EdgeRequest } from './upgrade-request';

/** RFC 6455 §4.2.1: a base64-encoded 16-byte nonce is exactly 22 characters and `==`. */
const WEBSOCKET_KEY = /^[+/0-9A-Za-z]{22}==$/;

/** Why an upgrade is refused, with the status it is answered with. */
export type UpgradeRefusal =
  | { readonly status: 503; readonly why: 'closing' }
  | { readonly status: 404; readonly why: 'path' }
  | { readonly status: 405; readonly why: 'method' }
  | { readonly status: 400; readonly why: 'handshake' }
  | { readonly status: 403; readonly why: 'origin' }
  /** `maxConnections` reached: the server is full. */
  | { readonly status: 503; readonly why: 'server-full' }
  /** `maxConnectionsPerIp` reached: too many from the client's address. */
  | { readonly status: 429; readonly why: 'address-full' }
  /** A moderator banned the client's address (issue #14). */
  | { readonly status: 403; readonly why: 'banned' };

export type UpgradeVerdict = { readonly accept: true; readonly origin: string | undefined } | ({ readonly accept: false } & UpgradeRefusal);

/**
 * The WebSocket handshake checks of RFC 6455 §4.2.1 that both transports
 * apply alike (uWS checks less than `ws` on its own): GET, `Upgrade:
 * websocket` (any case), a valid `Sec-WebSocket-Key`, `Sec-WebSocket-Version:
 * 13`, and at most one Origin (two could be read either way by an
 * allow-list, so neither is trusted).
 */
function handshakeValid(request: EdgeRequest): boolean {
  return (
    single(request, 'upgrade')?.toLowerCase() === 'websocket' &&
    WEBSOCKET_KEY.test(single(request, 'sec-websocket-key') ?? '') &&
    single(request, 'sec-websocket-version')?.trim() === '13' &&
    request.header('origin').length <= 1
  );
}

/**
 * Decides one upgrade request: 503 while the server stops, 404 for a path
 * other than `/` (a query string is ignored), 405 for another method, 400 for
 * a malformed handshake, 403 for an Origin `acceptsOrigin` refuses, then the
 * connection caps and bans `admit` decides (503 server full, 429 too many
 * from the address, 403 banned; asked last, so only a valid handshake
 * counts against them);
 * otherwise accept, with the Origin (undefined when absent or empty).
 */
export function decideUpgrade(
  request: EdgeRequest,
  acceptsOrigin: (origin: string | undefined) => boolean,
  closing: boolean,
  admit: () => Admission = () => 'ok',
): UpgradeVerdict {
  if (closing) return { accept: false, status: 503, why: 'closing' };
  if (request.url.split('?', 1)[0] !== '/') return { accept: false, status: 404, why: 'path' };
  if (request.method !== 'GET') return { accept: false, status: 405, why: 'method' };
  if (!handshakeValid(request)) return { accept: false, status: 400, why: 'handshake' };
  const origin = single(request, 'origin') || undefined;
  if (!acceptsOrigin(origin)) return { accept: false, status: 403, why: 'origin' };
  const admission = admit();
  if (admission === 'server-full') return { accept: false, status: 503, why: admission };
  if (admission === 'address-full') return { accept: false, status: 429, why: admission };
  if (admission === 'banned') return { accept: false, status: 403, why: admission };
  return { accept: true, origin };
}
