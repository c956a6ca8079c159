import type { HttpRequest, HttpResponse, WebSocket, WebSocketBehavior } from 'uWebSockets.js';
import type { EdgeRequest, HttpAnswer, Peer, SocketEvents, TransportEdge, TransportSocket } from '@rgchat/chat-core';

/** Per-socket state (uWS user data): the peer from the upgrade until the open, then core's events. */
export type UwsPeer = { peer: Peer | undefined; events: SocketEvents | undefined };

export type UwsSocket = WebSocket<UwsPeer>;

const DROPPED = 2; // uWS SendStatus: the frame was not queued (over maxBackpressure).

// The message and close-reason ArrayBuffers are neutered when the callback returns: decode at
// once. ignoreBOM keeps a leading BOM, as ws does, so such a frame is not JSON (BAD_JSON).
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** A uWS request as the edge reads it. Synchronous: `req` is dead once the handler returns. */
export function edgeRequest(res: HttpResponse, req: HttpRequest): EdgeRequest {
  const headers = new Map<string, string[]>();
  // getHeader answers only the first of repeated headers; the handshake rule counts them all.
  req.forEach((name, value) => headers.set(name, [...(headers.get(name) ?? []), value]));
  // getUrl() stops before the '?'; the edge wants the query too, as node:http gives it (/api/rooms pages by it).
  const query = req.getQuery();
  return {
    method: req.getCaseSensitiveMethod(),
    url: query ? `${req.getUrl()}?${query}` : req.getUrl(),
    header: (name) => headers.get(name) ?? [],
    socketAddress: Buffer.from(res.getRemoteAddressAsText()).toString('utf8'),
  };
}

/** Writes an answer inside a corked uWS callback. */
export function writeAnswer(res: HttpResponse, answer: HttpAnswer): void {
  res.writeStatus(`${answer.status} ${answer.statusText}`);
  for (const [name, value] of Object.entries(answer.headers)) res.writeHeader(name, value);
  if (answer.omitBody) res.endWithoutBody(answer.contentLengthBytes, answer.closeConnection);
  else res.end(answer.body, answer.closeConnection);
}

/**
 * Core's view of one uWS socket. A class, so its methods live once on the
 * prototype instead of five closures per connection (idle memory,
 * docs/benchmarks.md).
 */
class UwsTransportSocket implements TransportSocket {
  constructor(private readonly ws: UwsSocket) {}

  send(frame: string): boolean {
    let status = 0;
    // Core sends from promise callbacks and timers too, outside any uWS callback: cork so the
    // frame (and any topic messages uWS drains ahead of it) leave in one write.
    this.ws.cork(() => (status = this.ws.send(frame, false, false)));
    return status !== DROPPED;
  }

  /** end() sends the close frame and runs the close handler at once, which reports to core. */
  close(code: number, reason: string): void {
    this.ws.end(code, reason);
  }

  ping(data = ''): void {
    this.ws.cork(() => this.ws.ping(data));
  }

  terminate(): void {
    this.ws.close();
  }

  bufferedBytes(): number {
    return this.ws.getBufferedAmount();
  }
}

type Handlers = Required<Pick<WebSocketBehavior<UwsPeer>, 'open' | 'message' | 'pong' | 'close'>>;

/**
 * The socket events of the uWS behaviour, mapped onto core's edge, which
 * never touches a socket after its close (uWS throws on any access then).
 * uWS cannot pause reading, so the socket offers no pauseReading.
 * `sockets` maps core's Connection back to the socket for the fan-out.
 */
export function connectionHandlers(edge: TransportEdge, sockets: WeakMap<object, UwsSocket>): Handlers {
  return {
    open(ws) {
      const data = ws.getUserData();
      const { peer } = data;
      if (peer === undefined) return;
      // The edge copied what it needs; the socket keeps only its events.
      data.peer = undefined;
      data.events = edge.open(new UwsTransportSocket(ws), peer);
      sockets.set(data.events.connection, ws);
    },
    message: (ws, message, isBinary) => ws.getUserData().events?.message(decoder.decode(message), isBinary, message.byteLength),
    pong: (ws, data) => ws.getUserData().events?.pong(decoder.decode(data)),
    close(ws, code, message) {
      const { events } = ws.getUserData();
      if (events) sockets.delete(events.connection);
      events?.closed(code, decoder.decode(message));
    },
  };
}
