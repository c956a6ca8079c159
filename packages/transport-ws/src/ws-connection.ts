import type { Socket } from 'node:net';
import { WebSocket, type RawData } from 'ws';
import type { Peer, TransportEdge } from '@rgchat/chat-core';

/** What every connection of one transport shares. */
export interface WsShared {
  /** Runs a function once the current tick is done (write coalescing). */
  readonly defer: (fn: () => void) => void;
  /** Frame string to complete WebSocket frame bytes, shared across the recipients of one broadcast. */
  readonly encode: (frame: string) => Buffer;
  /** `limits.sendBudgetBytes`: checked on every send, as the bytes are queued. */
  readonly sendBudgetBytes: number;
}

const toBuffer = (data: RawData): Buffer => (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));
/**
 * Maps one accepted ws socket onto core's edge. Frames sent during a tick are held and
 * written to the raw net.Socket ws writes to (`socket`) in one `write` after the tick, not
 * one per frame (Node's per-write stream bookkeeping was half of all bytes allocated per
 * delivery). Whatever ws writes itself (close, ping) flushes them first, so order is kept.
 */
export function attachWsConnection(edge: TransportEdge, ws: WebSocket, socket: Socket, peer: Peer, shared: WsShared): void {
  // Emptied in place, never replaced: a fresh array per socket per tick was most of what survived a scavenge.
  const held: Buffer[] = [];
  let heldBytes = 0;
  const bufferedBytes = (): number => ws.bufferedAmount + heldBytes;
  const write = (): void => {
    // Safe beside ws's own writes: without permessage-deflate ws never holds frames back, so
    // frames stay whole and in order, and ws.bufferedAmount counts these bytes once written.
    if (held.length > 0 && ws.readyState === WebSocket.OPEN) socket.write(held.length === 1 ? (held[0] as Buffer) : Buffer.concat(held, heldBytes));
    held.length = 0;
    heldBytes = 0;
  };
  const events = edge.open(
    {
      send(frame) {
        if (ws.readyState !== WebSocket.OPEN) return true;
        // A whole pre-built frame, shared by every recipient of a broadcast (see frame-encoder.ts).
        const bytes = shared.encode(frame);
        if (held.push(bytes) === 1) shared.defer(flush);
        heldBytes += bytes.length;
        // Budget checked as bytes are queued (a tick once queued 37.6 MiB, issue #10). Past it the tick's bytes go to the
        // kernel early; a reader that takes them stays, a stalled one is dropped (false) holding at most budget + frame.
        if (bufferedBytes() <= shared.sendBudgetBytes) return true;
        write();
        return ws.bufferedAmount <= shared.sendBudgetBytes;
      },
      // ws writes close frames and pings itself: the held frames go first.
      close: (code, reason) => void (write(), ws.close(code, reason)),
      // ws sends the close frame behind everything queued and reports the close once the peer answered it.
      closeAwaitsPeer: true,
      ping: (data) => void (write(), ws.ping(data)),
      // Frames still held are dropped at the flush: the socket is no longer open.
      terminate: () => ws.terminate(),
      bufferedBytes,
      flushesLater: true,
      // Pauses the TCP socket; frames ws already read from it still arrive, and core holds them.
      pauseReading: () => ws.pause(),
      resumeReading: () => ws.resume(),
    },
    peer,
  );
  function flush(): void {
    write();
    events.checkSendBudget();
  }
  ws.on('message', (data, isBinary) => {
    // Buffer's decoder keeps a leading BOM, as uWS's does: such a frame is not JSON (BAD_JSON).
    const bytes = toBuffer(data);
    events.message(bytes.toString('utf8'), isBinary, bytes.length);
  });
  ws.on('pong', (data) => events.pong(data.toString('utf8')));
  ws.on('close', (code, reason) => events.closed(code, reason.toString('utf8')));
  // ws closes the socket itself after an error (1009 oversize, 1008 too many fragments, 1002/1007 bad frames).
  ws.on('error', (err: Error & { code?: string }) => {
    edge.log('info', 'websocket error', { remoteAddress: peer.remoteAddress, code: err.code, err: err.message });
  });
}
