/**
 * One accepted WebSocket as a transport's library exposes it: the few calls
 * core's edge maps onto the `Connection` port. The edge calls none of them
 * after the socket reported its close, and guards the rest (budget, close
 * idempotence, errors), so an implementation is one library call each.
 */
export interface TransportSocket {
  /** Queues a text frame; false when the library refused it (its own backpressure limit). */
  send(frame: string): boolean;
  /** Starts the closing handshake; may throw for a code or reason the library rejects (then terminated). */
  close(code: number, reason: string): void;
  /** Sends a ping carrying `data` (empty when left out); its pong is reported with the same data. */
  ping(data?: string): void;
  /** Drops the TCP connection without a closing handshake. */
  terminate(): void;
  /** Bytes queued for the peer and not yet taken by the kernel. */
  bufferedBytes(): number;
  /**
   * True when `send` only queues until the transport flushes later in the
   * tick: then the transport calls `checkSendBudget` after each flush, and
   * `send` does not check (a burst to a fast reader is not counted whole).
   */
  readonly flushesLater?: boolean;
  /**
   * True when `close` sends the close frame behind everything queued and the
   * library reports the close only once the handshake is over (ws). Without
   * it (uWS: `end` drops the socket from JS at once and the library flushes
   * on its own), a close while the transport stops is held until the peer
   * answered a ping sent behind the queue, so a stop can tell when it may exit.
   */
  readonly closeAwaitsPeer?: boolean;
  /** Stops reading from the TCP socket (only libraries that can). */
  pauseReading?(): void;
  resumeReading?(): void;
}
