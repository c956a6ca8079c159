import type { HttpRequest, HttpResponse, us_listen_socket, us_socket } from 'uWebSockets.js';
import { silentLog, type ChatServer, type Connection, type Limits, type RunningTransport, type Transport, type TransportOptions } from '@rgchat/chat-core';
import { listenExclusive, loadUws, type UwsModule } from './load-uws';
import { connectionHandlers, type UwsConnectionContext, type UwsPeer, type UwsSocket } from './uws-connection';
import { createUwsFanout } from './uws-fanout';
import { refuse, serveHttp } from './uws-http';

/**
 * Bytes uWS accepts above maxPayloadBytes. uWS drops a connection whose frame
 * exceeds its maxPayloadLength without a close frame (the peer sees 1006);
 * with this slack a frame up to 64 KiB over the limit still reaches the
 * message handler, which closes with 1009 as the contract and the ws
 * transport do. Only frames over limit + slack are dropped bare.
 */
export const OVERSIZE_SLACK_BYTES = 64 * 1024;

/** uWS's idleTimeout must be 0 or 8..960 s. */
const MIN_IDLE_TIMEOUT_S = 8;
const MAX_IDLE_TIMEOUT_S = 960;

/**
 * uWS's own idle timeout, as a backstop behind core's heartbeat (which pings
 * every heartbeatMs and drops a peer that missed a pong). A live peer answers
 * every ping, and any inbound data resets uWS's timer, so twice the heartbeat
 * plus uWS's 4 s timer granularity never closes a live peer. Disabled (0)
 * when that exceeds uWS's maximum: then the heartbeat alone decides.
 */
export function idleTimeoutSeconds(heartbeatMs: number): number {
  const seconds = Math.max(MIN_IDLE_TIMEOUT_S, Math.ceil((2 * heartbeatMs) / 1000) + 4);
  return seconds > MAX_IDLE_TIMEOUT_S ? 0 : seconds;
}

/** Every uWS setting that matters, from core's limits, so ws and uWS enforce the same numbers. */
export function uwsLimits(limits: Limits) {
  return {
    maxPayloadLength: limits.maxPayloadBytes + OVERSIZE_SLACK_BYTES,
    maxBackpressure: limits.sendBudgetBytes,
    // Typed as a number in this package's d.ts; the addon reads it as a boolean.
    closeOnBackpressureLimit: 1,
    idleTimeout: idleTimeoutSeconds(limits.heartbeatMs),
    // Core's heartbeat pings (Connection.ping) and reads the pongs; uWS must not ping on its own.
    sendPingsAutomatically: false,
    maxLifetime: 0,
  } as const;
}

/**
 * The uWebSockets.js transport: the WebSocket endpoint at `/` and core's
 * HTTP routes beside it, on the native addon (never its JS fallback:
 * creating it throws a UwsLoadError when the binary does not load). Room
 * fan-out uses native topics. Protocol decisions are core's; this only
 * moves strings.
 */
export function createUwsTransport(options: TransportOptions): Transport {
  const { uws } = loadUws();
  const app = uws.App();
  const sockets = new WeakMap<Connection, UwsSocket>();
  return {
    fanout: createUwsFanout(app, sockets),
    start: (chat) => startUwsServer(uws, app, sockets, chat, options),
  };
}

function remoteAddressOf(res: HttpResponse, req: HttpRequest, trustProxy: boolean): string {
  if (trustProxy) {
    const first = req.getHeader('x-forwarded-for').split(',', 1)[0]?.trim();
    if (first) return first;
  }
  return Buffer.from(res.getRemoteAddressAsText()).toString('utf8');
}

async function startUwsServer(
  uws: UwsModule,
  app: ReturnType<UwsModule['App']>,
  sockets: WeakMap<Connection, UwsSocket>,
  chat: ChatServer,
  options: TransportOptions,
): Promise<RunningTransport> {
  const log = options.log ?? silentLog;
  const trustProxy = options.trustProxy ?? false;
  const ctx: UwsConnectionContext = {
    maxPayloadBytes: chat.limits.maxPayloadBytes,
    sendBudgetBytes: chat.limits.sendBudgetBytes,
    log,
    sockets,
  };
  const limits = uwsLimits(chat.limits);
  let closing = false;

  app.ws<UwsPeer>('/*', {
    ...limits,
    compression: uws.DISABLED,
    // Synchronous, so nothing of `req` (dead after return) is used later.
    upgrade: (res, req, context) => {
      if (closing) return refuse(res, 503);
      if (req.getUrl() !== '/') return refuse(res, 404);
      // getHeader answers '' for a missing header; an empty Origin counts as none.
      const origin = req.getHeader('origin') || undefined;
      const remoteAddress = remoteAddressOf(res, req, trustProxy);
      if (!chat.acceptsOrigin(origin)) {
        log('info', 'origin refused at upgrade', { origin, remoteAddress });
        return refuse(res, 403);
      }
      const peer: UwsPeer = { remoteAddress, origin, open: false, connection: undefined, events: undefined };
      res.upgrade(
        peer,
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    ...connectionHandlers(chat, ctx),
  });
  app.any('/*', (res, req) => serveHttp(chat, res, req, () => closing, log));

  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
    listenExclusive(app, options.host, options.port, (ls) => {
      // uWS reports no errno: in use, not permitted and bad address look the same.
      if (ls) resolve(ls);
      else reject(new Error(`uWS could not listen on ${options.host}:${options.port} (address in use, not permitted or invalid)`));
    });
  });
  const port = uws.us_socket_local_port(listenSocket as us_socket);
  log('info', 'uws transport listening', { host: options.host, port, maxPayloadBytes: chat.limits.maxPayloadBytes, ...limits });

  let stopped: Promise<void> | undefined;
  return {
    port,
    close() {
      stopped ??= new Promise<void>((resolve) => {
        closing = true;
        // Stops listening now; open WebSockets stay until core closes them (1001/1012).
        uws.us_listen_socket_close(listenSocket);
        setImmediate(resolve);
      });
      return stopped;
    },
  };
}
