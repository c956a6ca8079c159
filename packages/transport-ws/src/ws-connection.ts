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
 * Maps one accepted ws socket onto core's edge. `socket` is the raw
 * net.Socket ws writes to; it is corked on the first send of a tick and
 * uncorked after the tick (or early, once the tick's bytes pass the send
 * budget), and the budget is checked against what the kernel did not take.
 */
export function attachWsConnection(edge: TransportEdge, ws: WebSocket, socket: Socket, peer: Peer, shared: WsShared): void {
  let corked = false;
  const events = edge.open(
    {
      send(frame) {
        if (ws.readyState !== WebSocket.OPEN) return true;
        if (!corked) {
          corked = true;
          socket.cork();
          shared.defer(flush);
        }
        // A whole pre-built frame straight onto the socket (see frame-encoder.ts). Safe beside
        // ws's own writes (pings, close): without permessage-deflate ws never holds frames back,
        // so frames stay whole and in order, and ws.bufferedAmount still counts these bytes.
        socket.write(shared.encode(frame));
        // Budget checked as bytes are queued (a tick once queued 37.6 MiB, issue #10). Past it the tick's bytes go to the
        // kernel early; a reader that takes them stays, a stalled one is dropped (false) holding at most budget + frame.
        if (ws.bufferedAmount <= shared.sendBudgetBytes) return true;
        socket.uncork();
        socket.cork();
        return ws.bufferedAmount <= shared.sendBudgetBytes;
      },
      close: (code, reason) => ws.close(code, reason),
      // ws sends the close frame behind everything queued and reports the close once the peer answered it.
      closeAwaitsPeer: true,
      ping: (data) => ws.ping(data),
      terminate: () => ws.terminate(),
      bufferedBytes: () => ws.bufferedAmount,
      flushesLater: true,
      // Pauses the TCP socket; frames ws already read from it still arrive, and core holds them.
      pauseReading: () => ws.pause(),
      resumeReading: () => ws.resume(),
    },
    peer,
  );
  function flush(): void {
    corked = false;
    socket.uncork();
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
