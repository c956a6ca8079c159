import type { Socket } from 'node:net';
import WebSocket from 'ws';

/** A parsed server frame (`{ type, ... }`); unparsable text arrives as `{ type: '__unparsed', raw }`. */
export type Frame = Record<string, any>;

export interface ConnectOptions {
  /** Sent as the Origin header of the upgrade request. */
  readonly origin?: string;
  readonly headers?: Record<string, string>;
  /** Answer protocol pings (ws's default). false simulates a dead peer for heartbeat tests. */
  readonly autoPong?: boolean;
}

export interface ClosedEvent {
  readonly code: number;
  readonly reason: string;
}

/** A WebSocket client for tests: records every frame and lets a test wait for the ones it expects. */
export interface TestClient {
  /** Every frame received so far, parsed, in order. */
  readonly frames: Frame[];
  /** The same frames as the exact text the server sent. */
  readonly rawFrames: string[];
  /** Protocol pings received from the server. */
  readonly pings: number;
  /** True once the socket has closed. */
  readonly isClosed: boolean;
  /** Bytes sent but not yet taken by the kernel: grows once the server stops reading. */
  readonly bufferedAmount: number;
  /** Resolves once the socket is closed, with the close code (1006 when no close frame came). */
  readonly closed: Promise<ClosedEvent>;
  /** Sends `JSON.stringify(obj)` as a text frame. No-op once closed. */
  send(obj: unknown): void;
  /** Sends exactly this: a string as a text frame, a Buffer as a binary frame (unless `binary` says otherwise). */
  sendRaw(data: string | Buffer, options?: { binary?: boolean }): void;
  /** The first frame of `type` not yet consumed by `next`/`waitFor`; waits for it. */
  next(type: string, timeoutMs?: number): Promise<Frame>;
  /**
   * The first frame not yet consumed that matches, waiting for it if need be;
   * it is then consumed. Rejects on timeout (default 10 s) or if the socket
   * closes first.
   */
  waitFor(predicate: (frame: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
  /** Drops the TCP connection without a closing handshake. */
  terminate(): void;
  /** Stops reading the socket, so the server's writes back up (a slow reader). */
  pauseReading(): void;
  resumeReading(): void;
}

const DEFAULT_TIMEOUT_MS = 10_000;

interface Waiter {
  readonly predicate: (frame: Frame) => boolean;
  readonly resolve: (frame: Frame) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Opens a WebSocket to `url` and resolves once it is open; rejects if the upgrade fails. */
export function connectClient(url: string, options: ConnectOptions = {}): Promise<TestClient> {
  const ws = new WebSocket(url, {
    headers: options.headers ?? {},
    autoPong: options.autoPong ?? true,
    ...(options.origin === undefined ? {} : { origin: options.origin }),
  });
  const frames: Frame[] = [];
  const rawFrames: string[] = [];
  const consumed: boolean[] = [];
  let waiters: Waiter[] = [];
  let socket: Socket | undefined;
  let pings = 0;
  let isClosed = false;
  let closedWith: ClosedEvent | undefined;

  const closed = new Promise<ClosedEvent>((resolve) => {
    ws.on('close', (code, reason) => {
      isClosed = true;
      closedWith = { code, reason: reason.toString('utf8') };
      resolve(closedWith);
      for (const w of waiters) {
        clearTimeout(w.timer);
        w.reject(new Error(`socket closed (${code}) while waiting for a frame; received: ${summary()}`));
      }
      waiters = [];
    });
  });

  const summary = (): string => frames.slice(-10).map((f) => String(f['type'])).join(', ') || 'nothing';

  ws.on('upgrade', (res) => {
    socket = res.socket as Socket;
  });
  ws.on('ping', () => {
    pings++;
  });
  ws.on('message', (data, isBinary) => {
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    const raw = bytes.toString('utf8');
    let frame: Frame;
    try {
      const parsed: unknown = JSON.parse(raw);
      frame = typeof parsed === 'object' && parsed !== null ? (parsed as Frame) : { type: '__unparsed', raw };
    } catch {
      frame = { type: '__unparsed', raw, isBinary };
    }
    const index = frames.push(frame) - 1;
    rawFrames.push(raw);
    consumed.push(false);
    const waiter = waiters.find((w) => w.predicate(frame));
    if (!waiter) return;
    consumed[index] = true;
    waiters = waiters.filter((w) => w !== waiter);
    clearTimeout(waiter.timer);
    waiter.resolve(frame);
  });

  const client: TestClient = {
    frames,
    rawFrames,
    get pings() {
      return pings;
    },
    get isClosed() {
      return isClosed;
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    closed,
    send(obj) {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(obj));
    },
    sendRaw(data, opts = {}) {
      if (ws.readyState === WebSocket.OPEN) ws.send(data, { binary: opts.binary ?? typeof data !== 'string' });
    },
    next(type, timeoutMs) {
      return client.waitFor((f) => f['type'] === type, timeoutMs).catch((err: Error) => {
        throw new Error(`waiting for "${type}": ${err.message}`);
      });
    },
    waitFor(predicate, timeoutMs = DEFAULT_TIMEOUT_MS) {
      const index = frames.findIndex((f, i) => !consumed[i] && predicate(f));
      if (index >= 0) {
        consumed[index] = true;
        return Promise.resolve(frames[index] as Frame);
      }
      if (closedWith) {
        return Promise.reject(new Error(`socket closed (${closedWith.code}); received: ${summary()}`));
      }
      return new Promise<Frame>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w.timer !== timer);
          reject(new Error(`no matching frame within ${timeoutMs} ms; received: ${summary()}`));
        }, timeoutMs);
        waiters.push({ predicate, resolve, reject, timer });
      });
    },
    close(code, reason) {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(code, reason);
    },
    terminate() {
      ws.terminate();
    },
    pauseReading() {
      socket?.pause();
    },
    resumeReading() {
      socket?.resume();
    },
  };

  return new Promise<TestClient>((resolve, reject) => {
    const fail = (err: Error): void => {
      ws.off('open', opened);
      reject(err);
    };
    const opened = (): void => {
      ws.off('error', fail);
      // Errors after open end in 'close', which `closed` reports.
      ws.on('error', () => {});
      resolve(client);
    };
    ws.once('open', opened);
    ws.once('error', fail);
  });
}

/**
 * Attempts a WebSocket upgrade and resolves with the HTTP status the server
 * answered: 101 if it accepted (the socket is then dropped), else e.g. 403.
 */
export function expectUpgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  const ws = new WebSocket(url, { headers });
  return new Promise<number>((resolve, reject) => {
    ws.on('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      req.destroy();
    });
    ws.on('open', () => {
      resolve(101);
      ws.terminate();
    });
    // After 'unexpected-response' ws may still report the aborted request; the status is already known.
    ws.on('error', reject);
  });
}
