import type { TemplatedApp, us_listen_socket, us_socket } from 'uWebSockets.js';
import { createTransportEdge, idleBackstopSeconds, isUpgradeAttempt, OVERSIZE_SLACK_BYTES } from '@rgchat/chat-core';
import type { ChatServer, Limits, Transport, TransportOptions } from '@rgchat/chat-core';
import { listenExclusive, loadUws, type UwsModule } from './load-uws';
import { connectionHandlers, edgeRequest, writeAnswer, type UwsPeer, type UwsSocket } from './uws-connection';
import { createUwsFanout } from './uws-fanout';

/** uWS's idleTimeout must be 0 or 8..960 s: core's backstop, clamped; 0 (off) beyond, the heartbeat alone decides. */
export function idleTimeoutSeconds(heartbeatMs: number): number {
  const seconds = Math.max(8, idleBackstopSeconds(heartbeatMs));
  return seconds > 960 ? 0 : seconds;
}

/** Every uWS setting that matters, from core's limits, so ws and uWS enforce the same numbers. */
export function uwsLimits(limits: Limits) {
  return {
    // Also caps a fragmented message: uWS appends fragments to one byte buffer and drops the socket past this, so
    // fragments cost bytes, not pieces; it exposes no fragment count (maxFragmentsPerMessage is ws's alone).
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
 * fan-out uses native topics. Every decision is core's edge
 * (`createTransportEdge`); this maps uWS onto it. uWS has its own fixed
 * HTTP idle timeout, so `httpHeadersTimeoutMs` is ignored.
 */
export function createUwsTransport(options: TransportOptions): Transport {
  const { uws } = loadUws();
  const app = uws.App();
  const sockets = new WeakMap<object, UwsSocket>();
  return { fanout: createUwsFanout(app, sockets), start: (chat) => startUwsServer(uws, app, sockets, chat, options) };
}

async function startUwsServer(uws: UwsModule, app: TemplatedApp, sockets: WeakMap<object, UwsSocket>, chat: ChatServer, options: TransportOptions) {
  const edge = createTransportEdge(chat, options);
  const limits = uwsLimits(chat.limits);
  app.ws<UwsPeer>('/*', {
    ...limits,
    compression: uws.DISABLED,
    // uWS sends here only GETs with a 24-character key. Synchronous: `req` dies on return.
    upgrade: (res, req, context) => {
      const verdict = edge.upgrade(edgeRequest(res, req));
      if (!verdict.accept) return writeAnswer(res, verdict.answer);
      const [key, protocol, extensions] = ['key', 'protocol', 'extensions'].map((name) => req.getHeader(`sec-websocket-${name}`)) as [string, string, string];
      res.upgrade<UwsPeer>({ peer: verdict.peer, events: undefined }, key, protocol, extensions, context);
    },
    ...connectionHandlers(edge, sockets),
  });
  app.any('/*', (res, req) => {
    const request = edgeRequest(res, req);
    // Other upgrade attempts land here: the edge refuses them as node:http and ws would.
    if (isUpgradeAttempt(request)) {
      const verdict = edge.upgrade(request);
      return writeAnswer(res, verdict.accept ? edge.badRequest : verdict.answer);
    }
    // The answer comes after an await: the request is copied above, and an aborted response is never touched.
    let aborted = false;
    res.onAborted(() => (aborted = true));
    void edge.http(request).then((answer) => aborted || res.cork(() => writeAnswer(res, answer)));
  });

  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) =>
    listenExclusive(app, options.host, options.port, (ls) =>
      // uWS reports no errno: in use, not permitted and bad address look the same.
      ls ? resolve(ls) : reject(new Error(`uWS could not listen on ${options.host}:${options.port} (address in use, not permitted or invalid)`)),
    ),
  );
  const port = uws.us_socket_local_port(listenSocket as us_socket);
  edge.log('info', 'uws transport listening', { host: options.host, port, maxPayloadBytes: chat.limits.maxPayloadBytes, ...limits });
  // Stops listening now; open WebSockets stay until core closes them (1001/1012).
  return edge.running(port, () => {
    uws.us_listen_socket_close(listenSocket);
    return new Promise((resolve) => setImmediate(resolve));
  });
}
