import { CloseCode } from '../close-codes';
import type { ChatServer } from '../chat-server-contract';
import type { Connection, ConnectionEvents } from '../ports/connection';
import type { Log } from '../ports/log';
import type { PendingCloses } from './pending-closes';
import type { TransportSocket } from './transport-socket';

/** Who is on the other end, as the upgrade decided. */
export interface Peer {
  readonly remoteAddress: string;
  readonly origin: string | undefined;
}

/** What a transport calls on one open socket; every call is safe after close and never throws. */
export interface SocketEvents {
  /** The Connection core knows this socket as (e.g. a key for native fan-out). */
  readonly connection: Connection;
  /** A complete inbound frame decoded to a string; `bytes` is its payload length on the wire. */
  message(data: string, isBinary: boolean, bytes: number): void;
  /** A pong arrived carrying `data` (the ping's payload, decoded as UTF-8). */
  pong(data?: string): void;
  /** The socket is gone; reported to core once, and the socket is not touched again. */
  closed(code: number, reason: string): void;
  /** For `flushesLater` sockets: after a flush, drops the peer if its backlog is over the send budget. */
  checkSendBudget(): void;
}

/** What the edge shares with every socket it opens. */
export interface GuardContext {
  readonly log: Log;
  /** Every close asked for, until the socket reports it (a stop waits for them). */
  readonly closes: PendingCloses;
  /** True once the transport stops: the process exits after the closes, so they must not lose what is queued. */
  readonly stopping: () => boolean;
}

const noEvents: ConnectionEvents = { message: () => {}, pong: () => {}, closed: () => {} };

/** The payload of the ping that holds a close until the peer has read everything queued before it. */
export const CLOSE_PING = 'rgchat-close';

/**
 * Opens one socket with core: wraps it as a Connection (no call after close,
 * close falls back to terminate, the send budget enforced), hands that to
 * `chat.open`, and returns the events the transport forwards. Anything core
 * throws is a bug: it is logged with its stack and the socket closes with
 * 1011 instead of taking the process down. While paused, frames the library
 * had already read are held and delivered (on a microtask) after resume, so
 * a paused connection delivers no frame at all. Once core asked to close,
 * nothing more is sent or delivered, and the close is pending in
 * `closes` until the socket reports it.
 */
export function openGuarded(chat: ChatServer, socket: TransportSocket, peer: Peer, context: GuardContext): SocketEvents {
  const { log, closes } = context;
  const { sendBudgetBytes, maxPayloadBytes } = chat.limits;
  const { remoteAddress } = peer;
  let open = true;
  let closeAsked = false;
  let heldClose: { code: number; reason: string } | undefined;
  let paused = false;
  let held: Array<[string, boolean]> = [];
  let events = noEvents;

  let countedOverBudget = false;
  const overBudget = (): void => {
    // Counted once: sends in the same tick may find the budget exceeded again before the socket reports its close.
    if (!countedOverBudget) chat.metrics?.sendBudgetClosed();
    countedOverBudget = true;
    // Terminate, not close: a close frame would queue behind the backlog the peer is not reading.
    log('info', 'slow reader over send budget; dropping', { remoteAddress, bufferedBytes: socket.bufferedBytes(), sendBudgetBytes });
    socket.terminate();
  };
  const checkSendBudget = (): void => {
    if (open && socket.bufferedBytes() > sendBudgetBytes) overBudget();
  };
  const closeNow = (code: number, reason: string): void => {
    try {
      socket.close(code, reason);
    } catch {
      // Invalid code or a reason over 123 bytes: still honour "close".
      socket.terminate();
    }
  };
  const connection: Connection = {
    ...peer,
    send(frame) {
      if (!open || closeAsked) return;
      if (!socket.send(frame)) overBudget();
      else if (!socket.flushesLater) checkSendBudget();
    },
    close(code, reason) {
      if (!open || closeAsked) return;
      closeAsked = true;
      closes.add(connection, () => connection.terminate());
      // Nothing read from here on is run; reading again lets the library see the peer's close frame.
      held = [];
      if (paused) {
        paused = false;
        socket.resumeReading?.();
      }
      if (socket.closeAwaitsPeer || !context.stopping()) return closeNow(code, reason);
      // Stopping, and the library forgets the socket at its close while bytes may still be queued in it
      // or in the kernel: an exit would lose them (the peer sees 1006). The pong to a ping queued behind
      // them says the peer has read them all; only then does the close frame go out.
      heldClose = { code, reason };
      socket.ping(CLOSE_PING);
    },
    ping() {
      if (open) socket.ping();
    },
    terminate() {
      if (open) socket.terminate();
    },
    ...(socket.pauseReading && socket.resumeReading ? pausing(socket.pauseReading.bind(socket), socket.resumeReading.bind(socket)) : {}),
  };

  function pausing(pause: () => void, resume: () => void): Pick<Connection, 'pauseReading' | 'resumeReading'> {
    const drain = (): void => {
      while (open && !paused && held.length > 0) {
        const [data, isBinary] = held.shift() as [string, boolean];
        guard('message', () => events.message(data, isBinary));
      }
      if (open && !paused) resume();
    };
    return {
      pauseReading() {
        if (!open || closeAsked || paused) return;
        paused = true;
        pause();
      },
      resumeReading() {
        if (!open || !paused) return;
        paused = false;
        if (held.length === 0) resume();
        else void Promise.resolve().then(drain);
      },
    };
  }

  /** Core handles its own errors; anything escaping is a bug that must not take the process down. */
  function guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      log('error', `${what} handler threw`, { remoteAddress, err: String(err), stack: (err as Error)?.stack });
      connection.close(CloseCode.INTERNAL_ERROR, 'internal error');
    }
  }

  guard('open', () => {
    events = chat.open(connection);
  });
  return {
    connection,
    checkSendBudget,
    message(data, isBinary, bytes) {
      if (!open || closeAsked) return;
      // A library that accepts a little more than the limit (uWS, see its slack) still answers 1009 here.
      if (bytes > maxPayloadBytes) {
        log('info', 'frame over maxPayloadBytes; closing', { remoteAddress, bytes });
        return connection.close(CloseCode.MESSAGE_TOO_BIG, 'message too big');
      }
      if (paused || held.length > 0) held.push([data, isBinary]);
      else guard('message', () => events.message(data, isBinary));
    },
    pong(data) {
      if (!open) return;
      if (!closeAsked) return guard('pong', () => events.pong());
      if (!heldClose || data !== CLOSE_PING) return;
      const { code, reason } = heldClose;
      heldClose = undefined;
      closeNow(code, reason);
    },
    closed(code, reason) {
      if (!open) return;
      open = false;
      held = [];
      closes.done(connection);
      guard('close', () => events.closed(code, reason));
    },
  };
}
