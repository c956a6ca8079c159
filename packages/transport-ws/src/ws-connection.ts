import type { Socket } from 'node:net';
import { WebSocket, type RawData } from 'ws';
import type { Log, Peer, SocketEvents, TransportEdge, TransportSocket } from '@rgchat/chat-core';
import type { Flushable } from './tick-batch';

/** What every connection of one transport shares. */
export interface WsShared {
  /** Runs a function once the current tick is done (write coalescing). */
  readonly defer: (item: Flushable) => void;
  /** Frame string to complete WebSocket frame bytes, shared across the recipients of one broadcast. */
  readonly encode: (frame: string) => Buffer;
  /** `limits.sendBudgetBytes`: checked on every send, as the bytes are queued. */
  readonly sendBudgetBytes: number;
  readonly log: Log;
}

const toBuffer = (data: RawData): Buffer => (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));

/** Where a ws socket keeps its adapter, so the listeners below are shared functions (ws itself keeps its socket's WebSocket this way). */
const kAdapter = Symbol('rgchat.wsAdapter');
type AdaptedWebSocket = WebSocket & { [kAdapter]: WsTransportSocket };

/**
 * Maps one accepted ws socket onto core's edge. Frames sent during a tick are held and
 * written to the raw net.Socket ws writes to (`socket`) in one `write` after the tick, not
 * one per frame (Node's per-write stream bookkeeping was half of all bytes allocated per
 * delivery). Whatever ws writes itself (close, ping) flushes them first, so order is kept.
 */
export function attachWsConnection(edge: TransportEdge, ws: WebSocket, socket: Socket, peer: Peer, shared: WsShared): void {
  const adapter = new WsTransportSocket(ws, socket, shared);
  (ws as AdaptedWebSocket)[kAdapter] = adapter;
  adapter.events = edge.open(adapter, peer);
  ws.on('message', onMessage);
  ws.on('pong', onPong);
  ws.on('close', onClose);
  ws.on('error', onError);
}

/*
 * The listeners, once for every socket (ws calls them with the socket as `this`): closures per
 * socket cost a context and a function each, per connection (idle memory, docs/benchmarks.md).
 */
function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  // Buffer's decoder keeps a leading BOM, as uWS's does: such a frame is not JSON (BAD_JSON).
  const bytes = toBuffer(data);
  (this as AdaptedWebSocket)[kAdapter].events?.message(bytes.toString('utf8'), isBinary, bytes.length);
}

function onPong(this: WebSocket, data: Buffer): void {
  (this as AdaptedWebSocket)[kAdapter].events?.pong(data.toString('utf8'));
}

function onClose(this: WebSocket, code: number, reason: Buffer): void {
  (this as AdaptedWebSocket)[kAdapter].events?.closed(code, reason.toString('utf8'));
}

// ws closes the socket itself after an error (1009 oversize, 1008 too many fragments, 1002/1007 bad frames).
function onError(this: WebSocket, err: Error & { code?: string }): void {
  const adapter = (this as AdaptedWebSocket)[kAdapter];
  adapter.shared.log('info', 'websocket error', { remoteAddress: adapter.events?.connection.remoteAddress, code: err.code, err: err.message });
}

/** Core's view of one ws socket; a class, so its methods live once on the prototype. */
class WsTransportSocket implements TransportSocket, Flushable {
  /** Core's events for this socket, set once the edge opened it. */
  events: SocketEvents | undefined;
  // Emptied in place, never replaced: a fresh array per socket per tick was most of what survived a scavenge.
  private readonly held: Buffer[] = [];
  private heldBytes = 0;
  // ws sends the close frame behind everything queued and reports the close once the peer answered it.
  readonly closeAwaitsPeer = true;
  readonly flushesLater = true;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Socket,
    readonly shared: WsShared,
  ) {}

  send(frame: string): boolean {
    const { ws, shared } = this;
    if (ws.readyState !== WebSocket.OPEN) return true;
    // A whole pre-built frame, shared by every recipient of a broadcast (see frame-encoder.ts).
    const bytes = shared.encode(frame);
    if (this.held.push(bytes) === 1) shared.defer(this);
    this.heldBytes += bytes.length;
    // Budget checked as bytes are queued (a tick once queued 37.6 MiB, issue #10). Past it the tick's bytes go to the
    // kernel early; a reader that takes them stays, a stalled one is dropped (false) holding at most budget + frame.
    if (this.bufferedBytes() <= shared.sendBudgetBytes) return true;
    this.write();
    return ws.bufferedAmount <= shared.sendBudgetBytes;
  }

  /** ws writes close frames and pings itself: the held frames go first. */
  close(code: number, reason: string): void {
    this.write();
    this.ws.close(code, reason);
  }

  ping(data?: string): void {
    this.write();
    this.ws.ping(data);
  }

  /** Frames still held are dropped at the flush: the socket is no longer open. */
  terminate(): void {
    this.ws.terminate();
  }

  bufferedBytes(): number {
    return this.ws.bufferedAmount + this.heldBytes;
  }

  /** Pauses the TCP socket; frames ws already read from it still arrive, and core holds them. */
  pauseReading(): void {
    this.ws.pause();
  }

  resumeReading(): void {
    this.ws.resume();
  }

  /** The tick is over: the held frames leave in one write, then the budget is checked. */
  flush(): void {
    this.write();
    this.events?.checkSendBudget();
  }

  private write(): void {
    const { held } = this;
    // Safe beside ws's own writes: without permessage-deflate ws never holds frames back, so
    // frames stay whole and in order, and ws.bufferedAmount counts these bytes once written.
    if (held.length > 0 && this.ws.readyState === WebSocket.OPEN) this.socket.write(held.length === 1 ? (held[0] as Buffer) : Buffer.concat(held, this.heldBytes));
    held.length = 0;
    this.heldBytes = 0;
  }
}
