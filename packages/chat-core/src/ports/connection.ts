/**
 * One client socket as a transport hands it to core. Transports only move
 * strings; every protocol decision is core's.
 */
export interface Connection {
  /**
   * Queues a text frame. Never throws; after close it is a no-op. The
   * transport enforces the send budget and closes a reader that falls behind.
   */
  send(frame: string): void;
  /** Closes with a WebSocket close code (RFC 6455 §7.4). Idempotent. */
  close(code: number, reason: string): void;
  /** Sends a protocol-level ping; the transport reports the pong to core. */
  ping(): void;
  /** Drops the socket at once, without a closing handshake (dead peers). */
  terminate(): void;
  /**
   * Stops reading inbound frames until `resumeReading` (TCP backpressure on
   * the peer), so a connection whose admitted requests pile up costs no more
   * memory. Optional: a transport that cannot pause leaves it out, and core
   * closes such a connection once its queue passes a hard bound. Idempotent.
   */
  pauseReading?(): void;
  /** Reads inbound frames again after `pauseReading`. Idempotent. */
  resumeReading?(): void;
  /** Peer address as the transport saw it (after any trusted proxy header). */
  readonly remoteAddress: string;
  /** The upgrade request's Origin header, if any. */
  readonly origin: string | undefined;
}

/** What the transport calls back on one connection; returned by `ChatServer.open`. */
export interface ConnectionEvents {
  /** A complete inbound frame, already decoded to a string. */
  message(data: string, isBinary: boolean): void;
  /** A protocol-level pong arrived. */
  pong(): void;
  /** The socket is gone (for any reason). Called at most once. */
  closed(code: number, reason: string): void;
}
