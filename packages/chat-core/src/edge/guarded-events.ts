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
  const guarded = socket.pauseReading && socket.resumeReading ? new PausableGuardedSocket(chat, socket, peer, context) : new GuardedSocket(chat, socket, peer, context);
  guarded.opened();
  return guarded;
}

/*
 * One object per socket is both the Connection core sees and the events the
 * transport calls: a class, so its methods live once on the prototype. The
 * closure version cost a context and about fifteen functions per connection
 * (~1 KB per idle connection, docs/benchmarks.md), and a closure per frame
 * for the error guard.
 */
class GuardedSocket implements Connection, SocketEvents {
  readonly remoteAddress: string;
  readonly origin: string | undefined;
  protected open = true;
  protected closeAsked = false;
  private heldClose: { code: number; reason: string } | undefined;
  protected paused = false;
  /** Frames read while paused, delivered in order after the resume. */
  protected held: Array<[string, boolean]> | undefined;
  protected events = noEvents;
  private countedOverBudget = false;

  constructor(
    private readonly chat: ChatServer,
    protected readonly socket: TransportSocket,
    peer: Peer,
    private readonly context: GuardContext,
  ) {
    this.remoteAddress = peer.remoteAddress;
    this.origin = peer.origin;
  }

  get connection(): Connection {
    return this;
  }

  opened(): void {
    try {
      this.events = this.chat.open(this);
    } catch (err) {
      this.threw('open', err);
    }
  }

  send(frame: string): void {
    if (!this.open || this.closeAsked) return;
    if (!this.socket.send(frame)) this.overBudget();
    else if (!this.socket.flushesLater) this.checkSendBudget();
  }

  close(code: number, reason: string): void {
    if (!this.open || this.closeAsked) return;
    this.closeAsked = true;
    this.context.closes.add(this, () => this.terminate());
    // Nothing read from here on is run; reading again lets the library see the peer's close frame.
    this.held = undefined;
    if (this.paused) {
      this.paused = false;
      this.socket.resumeReading?.();
    }
    if (this.socket.closeAwaitsPeer || !this.context.stopping()) return this.closeNow(code, reason);
    // Stopping, and the library forgets the socket at its close while bytes may still be queued in it
    // or in the kernel: an exit would lose them (the peer sees 1006). The pong to a ping queued behind
    // them says the peer has read them all; only then does the close frame go out.
    this.heldClose = { code, reason };
    this.socket.ping(CLOSE_PING);
  }

  ping(): void {
    if (this.open) this.socket.ping();
  }

  terminate(): void {
    if (this.open) this.socket.terminate();
  }

  checkSendBudget(): void {
    if (this.open && this.socket.bufferedBytes() > this.chat.limits.sendBudgetBytes) this.overBudget();
  }

  message(data: string, isBinary: boolean, bytes: number): void {
    if (!this.open || this.closeAsked) return;
    // A library that accepts a little more than the limit (uWS, see its slack) still answers 1009 here.
    if (bytes > this.chat.limits.maxPayloadBytes) {
      this.context.log('info', 'frame over maxPayloadBytes; closing', { remoteAddress: this.remoteAddress, bytes });
      return this.close(CloseCode.MESSAGE_TOO_BIG, 'message too big');
    }
    if (this.paused || this.held !== undefined) (this.held ??= []).push([data, isBinary]);
    else this.deliver(data, isBinary);
  }

  pong(data?: string): void {
    if (!this.open) return;
    if (!this.closeAsked) {
      try {
        return this.events.pong();
      } catch (err) {
        return this.threw('pong', err);
      }
    }
    if (!this.heldClose || data !== CLOSE_PING) return;
    const { code, reason } = this.heldClose;
    this.heldClose = undefined;
    this.closeNow(code, reason);
  }

  closed(code: number, reason: string): void {
    if (!this.open) return;
    this.open = false;
    this.held = undefined;
    this.context.closes.done(this);
    try {
      this.events.closed(code, reason);
    } catch (err) {
      this.threw('close', err);
    }
  }

  protected deliver(data: string, isBinary: boolean): void {
    try {
      this.events.message(data, isBinary);
    } catch (err) {
      this.threw('message', err);
    }
  }

  /** Core handles its own errors; anything escaping is a bug that must not take the process down. */
  private threw(what: string, err: unknown): void {
    this.context.log('error', `${what} handler threw`, { remoteAddress: this.remoteAddress, err: String(err), stack: (err as Error)?.stack });
    this.close(CloseCode.INTERNAL_ERROR, 'internal error');
  }

  private overBudget(): void {
    // Counted once: sends in the same tick may find the budget exceeded again before the socket reports its close.
    if (!this.countedOverBudget) this.chat.metrics?.sendBudgetClosed();
    this.countedOverBudget = true;
    // Terminate, not close: a close frame would queue behind the backlog the peer is not reading.
    const { sendBudgetBytes } = this.chat.limits;
    this.context.log('info', 'slow reader over send budget; dropping', { remoteAddress: this.remoteAddress, bufferedBytes: this.socket.bufferedBytes(), sendBudgetBytes });
    this.socket.terminate();
  }

  private closeNow(code: number, reason: string): void {
    try {
      this.socket.close(code, reason);
    } catch {
      // Invalid code or a reason over 123 bytes: still honour "close".
      this.socket.terminate();
    }
  }
}

/** A socket whose library can stop reading (ws): the Connection offers pauseReading and resumeReading. */
class PausableGuardedSocket extends GuardedSocket {
  pauseReading(): void {
    if (!this.open || this.closeAsked || this.paused) return;
    this.paused = true;
    this.socket.pauseReading?.();
  }

  resumeReading(): void {
    if (!this.open || !this.paused) return;
    this.paused = false;
    if (this.held === undefined) this.socket.resumeReading?.();
    else void Promise.resolve().then(() => this.drainHeld());
  }

  private drainHeld(): void {
    while (this.open && !this.paused && this.held !== undefined) {
      const next = this.held.shift() as [string, boolean];
      if (this.held.length === 0) this.held = undefined;
      this.deliver(next[0], next[1]);
    }
    if (this.open && !this.paused) this.socket.resumeReading?.();
  }
}
