import type { ChatServer } from '../chat-server-contract';
import { silentLog, type Log } from '../ports/log';
import type { RunningTransport } from '../ports/transport';
import { clientAddress } from './client-address';
import { openGuarded, type Peer, type SocketEvents } from './guarded-events';
import { refusal, statusText, utf8Length, type HttpAnswer } from './http-answer';
import type { HttpRoute } from './http-route';
import { handleHttp } from './http-routes';
import { createPendingCloses } from './pending-closes';
import type { TransportSocket } from './transport-socket';
import { decideUpgrade } from './upgrade-policy';
import type { EdgeRequest } from './upgrade-request';

export interface TransportEdgeOptions {
  /** Take the client address from X-Forwarded-For (only behind a proxy you run). Default false. */
  readonly trustProxy?: boolean;
  readonly log?: Log;
  /** Plain-HTTP routes beyond core's own, asked in order (see `HttpRoute`). */
  readonly routes?: readonly HttpRoute[];
}

/** An upgrade decided: accept with the peer, or refuse with the answer to write. */
export type EdgeUpgrade = { readonly accept: true; readonly peer: Peer } | { readonly accept: false; readonly answer: HttpAnswer };

/**
 * Everything a transport decides at its edge, written once: a transport
 * maps its library's request, response and socket onto these calls and
 * decides nothing itself.
 */
export interface TransportEdge {
  /** True once the running transport's `refuse` or `close` was called: upgrades and /healthz get 503, HTTP answers close their connection. */
  readonly closing: boolean;
  /** Decides an upgrade request (see `decideUpgrade`) and logs an Origin refusal. */
  upgrade(request: EdgeRequest): EdgeUpgrade;
  /**
   * Answers a plain HTTP request with core's routes, then the options'
   * `routes`; never rejects (a failing route is a 500). The request's Origin
   * header decides the CORS headers of `/api/` answers (see `corsHeaders`).
   */
  http(request: EdgeRequest): Promise<HttpAnswer>;
  /** The answer for a request the library could not parse: 400, then close. */
  readonly badRequest: HttpAnswer;
  /** Opens an accepted socket with core (see `openGuarded`). */
  open(socket: TransportSocket, peer: Peer): SocketEvents;
  /**
   * The transport's handle once it listens on `port`: `close()` marks the
   * edge closing, then runs `stopListening` once and resolves when it has
   * (the same promise on every call). `settled` waits for the closes core
   * asked for, timed by core's clock.
   */
  running(port: number, stopListening: () => Promise<void>): RunningTransport;
  readonly log: Log;
}

/**
 * CORS for the read-only JSON API (`/api/...`, issue #11): a browser page
 * may read it from another origin exactly when that origin may open a
 * socket (ALLOWED_ORIGINS; unset: any). The allowed origin is echoed, with
 * `Vary: Origin` since the answer depends on it; nothing without an Origin
 * header (not a cross-origin browser request) or for a refused one, which
 * the browser then keeps from the page. Only simple GET/HEAD requests
 * exist here, so there is no preflight to answer.
 */
function corsHeaders(chat: ChatServer, url: string, origin: string | undefined): Record<string, string> {
  if (origin === undefined || !url.startsWith('/api/') || !chat.acceptsOrigin(origin)) return {};
  return { 'access-control-allow-origin': origin, vary: 'origin' };
}

/** The transport edge for `chat`, built on the `ChatServer` interface only. */
export function createTransportEdge(chat: ChatServer, options: TransportEdgeOptions = {}): TransportEdge {
  const log = options.log ?? silentLog;
  const trustProxy = options.trustProxy ?? false;
  let closing = false;
  const closes = createPendingCloses((ms, fn) => chat.clock.schedule(ms, fn));
  const guardContext = { log, closes, stopping: () => closing };

  const routes = options.routes ?? [];

  async function http(request: EdgeRequest): Promise<HttpAnswer> {
    const { method, url } = request;
    try {
      const reply = await handleHttp(chat, request, routes, closing);
      const bytes = utf8Length(reply.body);
      const omitBody = method === 'HEAD';
      return {
        status: reply.status,
        statusText: statusText(reply.status),
        headers: {
          'content-type': reply.contentType,
          'cache-control': 'no-store',
          ...corsHeaders(chat, url, request.header('origin')[0]),
          ...reply.headers,
        },
        body: omitBody ? '' : reply.body,
        contentLengthBytes: bytes,
        omitBody,
        // While stopping, keep-alive clients are told to go, so the transport's close is not held up by them.
        closeConnection: closing,
      };
    } catch (err) {
      log('error', 'http route failed', { method, url, err: String(err) });
      return refusal(500);
    }
  }

  return {
    get closing() {
      return closing;
    },
    upgrade(request) {
      const remoteAddress = clientAddress(request.header('x-forwarded-for')[0], request.socketAddress, trustProxy);
      const verdict = decideUpgrade(request, (origin) => chat.acceptsOrigin(origin), closing, () => chat.admit(remoteAddress));
      if (verdict.accept) return { accept: true, peer: { remoteAddress, origin: verdict.origin } };
      if (verdict.why === 'origin') log('info', 'origin refused at upgrade', { origin: request.header('origin')[0], remoteAddress });
      return { accept: false, answer: refusal(verdict.status) };
    },
    http,
    badRequest: refusal(400),
    open: (socket, peer) => openGuarded(chat, socket, peer, guardContext),
    running(port, stopListening) {
      let stopped: Promise<void> | undefined;
      return {
        port,
        refuse() {
          closing = true;
        },
        close() {
          closing = true;
          stopped ??= stopListening();
          return stopped;
        },
        settled: (withinMs) => closes.settled(withinMs),
      };
    },
    log,
  };
}
