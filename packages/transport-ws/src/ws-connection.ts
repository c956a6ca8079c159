import type { Socket } from 'node:net';
import { WebSocket, type RawData } from 'ws';
import { CloseCode, type ChatServer, type Connection, type ConnectionEvents, type Log } from '@rgchat/chat-core';

/** What every connection of one transport shares. */
export interface WsConnectionContext {
  /** `chat.limits.sendBudgetBytes`: backlog above this closes the socket as a slow reader. */
  readonly sendBudgetBytes: number;
  readonly log: Log;
  /** Runs a function once the current tick is done (write coalescing). */
  readonly defer: (fn: () => void) => void;
  /** Frame string to complete WebSocket frame bytes, shared across the recipients of one broadcast. */
  readonly encode: (frame: string) => Buffer;
}

export interface PeerInfo {
  readonly remoteAddress: string;
  readonly origin: string | undefined;
}

const toText = (data: RawData): string =>
  (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');

/**
 * Maps one accepted ws socket onto core's Connection port and hands it to
 * `chat.open`. `socket` is the raw net.Socket ws writes to; it is corked on
 * the first send of a tick and uncorked after the tick, when the send budget
 * is checked against what the kernel did not take.
 */
export function attachWsConnection(chat: ChatServer, ws: WebSocket, socket: Socket, peer: PeerInfo, ctx: WsConnectionContext): void {
  const { log } = ctx;
  let corked = false;
  let reported = false;

  const flush = (): void => {
    corked = false;
    socket.uncork();
    if (ws.readyState !== WebSocket.CLOSED && ws.bufferedAmount > ctx.sendBudgetBytes) {
      // Terminate, not close: a close frame would queue behind the backlog the peer is not reading.
      log('info', 'slow reader over send budget; dropping', {
        remoteAddress: peer.remoteAddress,
        bufferedBytes: ws.bufferedAmount,
        sendBudgetBytes: ctx.sendBudgetBytes,
      });
      ws.terminate();
    }
  };

  const connection: Connection = {
    remoteAddress: peer.remoteAddress,
    origin: peer.origin,
    send(frame) {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (!corked) {
        corked = true;
        socket.cork();
        ctx.defer(flush);
      }
      // A whole pre-built frame straight onto the socket (see frame-encoder.ts).
      // Safe beside ws's own writes (pings, close): without permessage-deflate
      // ws never holds frames back, so frames stay whole and in order, and
      // ws.bufferedAmount still counts these bytes for the budget check.
      socket.write(ctx.encode(frame));
    },
    close(code, reason) {
      if (ws.readyState !== WebSocket.OPEN) return;
      try {
        ws.close(code, reason);
      } catch {
        // Invalid code or a reason over 123 bytes: still honour "close".
        ws.terminate();
      }
    },
    ping() {
      if (ws.readyState === WebSocket.OPEN) ws.ping();
    },
    terminate() {
      ws.terminate();
    },
  };

  const events: ConnectionEvents = chat.open(connection);

  /** Core handles its own errors; anything escaping is a bug that must not take the process down. */
  const guard = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      log('error', `${what} handler threw`, { remoteAddress: peer.remoteAddress, err: String(err), stack: (err as Error)?.stack });
      connection.close(CloseCode.INTERNAL_ERROR, 'internal error');
    }
  };

  ws.on('message', (data, isBinary) => guard('message', () => events.message(toText(data), isBinary)));
  ws.on('pong', () => guard('pong', () => events.pong()));
  ws.on('close', (code, reason) => {
    if (reported) return;
    reported = true;
    guard('close', () => events.closed(code, reason.toString('utf8')));
  });
  // ws closes the socket itself after an error (1009 for an oversize frame, 1002/1007 for bad frames).
  ws.on('error', (err: Error & { code?: string }) => {
    log('info', 'websocket error', { remoteAddress: peer.remoteAddress, code: err.code, err: err.message });
  });
}
