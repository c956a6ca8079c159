import type { WebSocket, WebSocketBehavior } from 'uWebSockets.js';
import { CloseCode, type ChatServer, type Connection, type ConnectionEvents, type Log } from '@rgchat/chat-core';

/** Per-socket state, filled from the upgrade request (uWS user data). */
export interface UwsPeer {
  readonly remoteAddress: string;
  readonly origin: string | undefined;
  /** False from the close event on: a closed uWS socket throws on any access. */
  open: boolean;
  connection: Connection | undefined;
  events: ConnectionEvents | undefined;
}

export type UwsSocket = WebSocket<UwsPeer>;

/** What every connection of one transport shares. */
export interface UwsConnectionContext {
  /** `chat.limits.maxPayloadBytes`: a larger frame closes the socket with 1009. */
  readonly maxPayloadBytes: number;
  /** `chat.limits.sendBudgetBytes`: backlog above this closes the socket as a slow reader. */
  readonly sendBudgetBytes: number;
  readonly log: Log;
  /** Open sockets by the Connection core knows them as; the fan-out looks them up here. */
  readonly sockets: WeakMap<Connection, UwsSocket>;
}

/** ws.send results (uWS SendStatus). */
const DROPPED = 2;

// The message and close-reason ArrayBuffers are neutered when the callback returns: decode at once.
const decoder = new TextDecoder();

function createConnection(ws: UwsSocket, peer: UwsPeer, ctx: UwsConnectionContext): Connection {
  const dropSlowReader = (): void => {
    ctx.log('info', 'slow reader over send budget; dropping', {
      remoteAddress: peer.remoteAddress,
      bufferedBytes: ws.getBufferedAmount(),
      sendBudgetBytes: ctx.sendBudgetBytes,
    });
    // Forceful, as in ws: a close frame would queue behind the backlog the peer is not reading.
    ws.close();
  };
  return {
    remoteAddress: peer.remoteAddress,
    origin: peer.origin,
    send(frame) {
      if (!peer.open) return;
      let status = 0;
      // Core sends from promise callbacks and timers too, outside any uWS callback: cork so the
      // frame (and any topic messages uWS drains ahead of it) leave in one write. A no-op when already corked.
      ws.cork(() => {
        status = ws.send(frame, false, false);
      });
      if (peer.open && (status === DROPPED || ws.getBufferedAmount() > ctx.sendBudgetBytes)) dropSlowReader();
    },
    close(code, reason) {
      // end() sends the close frame and runs the close handler at once, which reports to core.
      if (peer.open) ws.end(code, reason);
    },
    ping() {
      if (peer.open) ws.cork(() => ws.ping());
    },
    terminate() {
      if (peer.open) ws.close();
    },
  };
}

/**
 * The socket events of the uWS behaviour, mapped onto core's Connection
 * port: `open` hands a new Connection to `chat.open`, the others forward
 * frames, pongs and the close to what core returned.
 */
export function connectionHandlers(
  chat: ChatServer,
  ctx: UwsConnectionContext,
): Required<Pick<WebSocketBehavior<UwsPeer>, 'open' | 'message' | 'pong' | 'close'>> {
  const { log } = ctx;

  /** Core handles its own errors; anything escaping is a bug that must not take the process down. */
  const guard = (peer: UwsPeer, what: string, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      log('error', `${what} handler threw`, { remoteAddress: peer.remoteAddress, err: String(err), stack: (err as Error)?.stack });
      peer.connection?.close(CloseCode.INTERNAL_ERROR, 'internal error');
    }
  };

  return {
    open(ws) {
      const peer = ws.getUserData();
      peer.open = true;
      const connection = createConnection(ws, peer, ctx);
      peer.connection = connection;
      ctx.sockets.set(connection, ws);
      guard(peer, 'open', () => {
        peer.events = chat.open(connection);
      });
    },
    message(ws, data, isBinary) {
      const peer = ws.getUserData();
      // uWS accepts up to maxPayloadLength (the limit plus slack, see uws-transport) and drops the
      // TCP connection beyond that; between the two the peer gets the contract's 1009.
      if (data.byteLength > ctx.maxPayloadBytes) {
        log('info', 'frame over maxPayloadBytes; closing', { remoteAddress: peer.remoteAddress, bytes: data.byteLength });
        ws.end(CloseCode.MESSAGE_TOO_BIG, 'message too big');
        return;
      }
      const text = decoder.decode(data);
      guard(peer, 'message', () => peer.events?.message(text, isBinary));
    },
    pong(ws) {
      const peer = ws.getUserData();
      guard(peer, 'pong', () => peer.events?.pong());
    },
    close(ws, code, message) {
      const peer = ws.getUserData();
      peer.open = false;
      if (peer.connection) ctx.sockets.delete(peer.connection);
      const reason = decoder.decode(message);
      guard(peer, 'close', () => peer.events?.closed(code, reason));
    },
  };
}
