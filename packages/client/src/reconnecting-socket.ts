import { createBackoff, type BackoffOptions } from './backoff.js';
import { ChatRequestError } from './errors.js';
import type { Frame } from './pending-requests.js';
import { clearTimer, setTimer, type TimerHandle } from './platform.js';
import { listen, OPEN, openSocket, unlisten, type SocketLike, type WebSocketClass } from './socket.js';

/** Close codes after which reconnecting cannot help: the client broke a rule (1008) or sent too big a frame (1009). */
const TERMINAL_CLOSES = new Set([1008, 1009]);
/** The server asked to come back later (1013): wait at least this long. */
const TRY_AGAIN_LATER_MS = 5_000;
/** Longest wait for `welcome` after the socket opens before trying again. */
const WELCOME_TIMEOUT_MS = 10_000;

export interface ReconnectingSocketOptions {
  readonly url: string;
  readonly WebSocket: WebSocketClass;
  /** Reconnect delays, or `false` to stay closed after the first drop. */
  readonly reconnect: BackoffOptions | false | undefined;
  /** Silence after which the socket is presumed dead and replaced, in ms. */
  readonly idleTimeoutMs: number;
}

/** What the chat client does at each step of the socket's life. */
export interface SocketHooks {
  /** A socket opened: the frame to greet the server with (`hello`). */
  hello(): Frame;
  /** A frame from the server, parsed. */
  frame(f: Frame): void;
  /** The socket is gone and another will be tried; nothing written meanwhile arrives. */
  dropped(): void;
  /** Closed for good: the server said not to come back, or reconnecting is off. */
  ended(error: ChatRequestError): void;
}

/**
 * One WebSocket at a time to the server, replaced when it closes, goes
 * silent or never says `welcome`: reconnects with jittered back-off (reset by
 * each `welcome`), honours the close codes that mean "not again" or "later",
 * and pings when idle. It knows nothing of chat; the hooks do.
 */
export class ReconnectingSocket {
  private socket: SocketLike | undefined;
  private greetedNow = false;
  private ended = false;
  private attempt = 0;
  private lastFrameAt = 0;
  private reconnectTimer: TimerHandle | undefined;
  private idleTimer: TimerHandle | undefined;
  private welcomeTimer: TimerHandle | undefined;
  private readonly backoff;

  constructor(
    private readonly options: ReconnectingSocketOptions,
    private readonly hooks: SocketHooks,
  ) {
    this.backoff = createBackoff(options.reconnect === false ? {} : options.reconnect);
    this.open();
  }

  /** A socket is open and the server has answered its hello. */
  get isOpen(): boolean {
    return this.greetedNow && this.socket?.readyState === OPEN;
  }

  /** The server said `welcome` on this socket: back-off starts over, idle pings begin. */
  greeted(): void {
    clearTimer(this.welcomeTimer);
    this.welcomeTimer = undefined;
    this.greetedNow = true;
    this.attempt = 0;
    this.armIdle();
  }

  /** Sends `f` if a greeted socket is open; false otherwise (the caller keeps it for later). */
  write(f: Frame | Record<string, unknown>): boolean {
    if (!this.isOpen) return false;
    this.socket!.send(JSON.stringify(f));
    return true;
  }

  /** Closes for good, without calling `ended`. Idempotent. */
  close(): void {
    this.ended = true;
    const s = this.socket;
    this.detach();
    clearTimer(this.reconnectTimer);
    if (!s) return;
    try {
      s.close(1000, 'client closed');
    } catch {
      // already closing
    }
  }

  private open(): void {
    const socket = openSocket(this.options.WebSocket, this.options.url);
    this.socket = socket;
    listen(socket, {
      open: () => {
        this.lastFrameAt = Date.now();
        socket.send(JSON.stringify(this.hooks.hello()));
      },
      message: (data) => this.onData(data),
      close: (code) => this.onClose(code),
    });
    this.welcomeTimer = setTimer(() => this.replace(), WELCOME_TIMEOUT_MS);
  }

  private onData(data: unknown): void {
    this.lastFrameAt = Date.now();
    let parsed: unknown;
    try {
      parsed = JSON.parse(typeof data === 'string' ? data : String(data));
    } catch {
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { type?: unknown }).type !== 'string') return;
    this.hooks.frame(parsed as Frame);
  }

  private onClose(code: number): void {
    this.detach();
    if (this.ended) return;
    if (this.options.reconnect === false || TERMINAL_CLOSES.has(code)) {
      this.ended = true;
      this.hooks.ended(new ChatRequestError({ code: 'CLOSED', message: `The server closed the connection (${code}).` }));
      return;
    }
    this.hooks.dropped();
    const floor = code === 1013 ? TRY_AGAIN_LATER_MS : 0;
    this.reconnectTimer = setTimer(() => {
      this.reconnectTimer = undefined;
      this.open();
    }, this.backoff.delayMs(this.attempt++, floor));
  }

  /** Gives up on a socket that went silent or never said `welcome`, and reconnects. */
  private replace(): void {
    const s = this.socket;
    if (!s) return;
    unlisten(s);
    try {
      s.close(4000, 'client: no answer');
    } catch {
      // already closing
    }
    this.onClose(1006);
  }

  private detach(): void {
    if (this.socket) unlisten(this.socket);
    this.socket = undefined;
    this.greetedNow = false;
    clearTimer(this.idleTimer);
    clearTimer(this.welcomeTimer);
    this.idleTimer = this.welcomeTimer = undefined;
  }

  /** Pings when idle and replaces the socket when nothing has come for `idleTimeoutMs`. */
  private armIdle(): void {
    const idleMs = this.options.idleTimeoutMs;
    clearTimer(this.idleTimer);
    this.idleTimer = setTimer(() => {
      const silentMs = Date.now() - this.lastFrameAt;
      if (silentMs >= idleMs) return this.replace();
      if (silentMs >= idleMs / 3) this.write({ type: 'ping', ts: Date.now() });
      this.armIdle();
    }, idleMs / 3);
  }
}
