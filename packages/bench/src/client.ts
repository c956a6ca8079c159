import WebSocket from 'ws';
import { leadingType, stampOfMessageFrame, stampOfText } from './frame-scan';
import type { Recorder, Tally } from './recorder';

/** A decoded server frame; only `type` is relied on. */
export type Frame = { type: string } & Record<string, unknown>;

export interface Reply {
  readonly frame: Frame;
  /** performance.now() when the frame's bytes arrived, before parsing. */
  readonly atMs: number;
}

export interface ClientOptions {
  readonly url: string;
  /** Odd-numbered clients connect here instead (a second instance). */
  readonly alsoUrl?: string | undefined;
  readonly origin: string | undefined;
  /** Sent as X-Forwarded-For (a server with TRUST_PROXY=true then counts this client under that address). */
  readonly forwardedFor?: string | undefined;
  readonly timeoutMs: number;
  readonly tally: Tally;
  /** `hello.features` (rgchat's extensions); none or empty: a plain rg-chat-v1 client. */
  readonly features?: readonly string[] | undefined;
}

/** Frames counted by type without decoding them (the extensions' presence and typing). */
export const COUNTED_TYPES = ['presence', 'typing'] as const;
export type CountedType = (typeof COUNTED_TYPES)[number];

/** One rg-chat-v1 connection of the load tool. */
export interface BenchClient {
  readonly index: number;
  /** What a `create_room` is answered with: `room_update` once the server granted the `rooms` extension (welcome.features), else `room_list`. */
  roomListType: 'room_list' | 'room_update';
  /** `self.clientId` from welcome. */
  clientId: string;
  roomId: string | undefined;
  /** Where stamped deliveries are counted; undefined ignores them. */
  recorder: Recorder | undefined;
  /** `message` frames without a bench stamp (history fill echoes, other traffic). */
  unstampedMessages: number;
  /** Stamped deliveries ever received, whatever the window (for the slow reader's story). */
  stampedMessages: number;
  /** Send time (µs) of the last stamped message received. */
  lastStampUs: number;
  /** Bytes of all frames received. */
  bytesReceived: number;
  /** Frames and bytes of each counted type received. */
  readonly counted: Record<CountedType, { frames: number; bytes: number }>;
  /** Local TCP port of the connection (0 if unknown). */
  readonly localPort: number;
  readonly closed: boolean;
  /** Close code and performance.now() of the close, once closed. */
  readonly closeCode: number | undefined;
  readonly closedAtMs: number | undefined;
  /** Sends a raw text frame (no-op once closed). */
  send(text: string): void;
  /** Sends `request` and resolves with the first frame of `replyType` passing `accept`; rejects on an error frame for it, a close or the timeout. */
  request(request: Frame, replyType: string, accept?: (f: Frame) => boolean): Promise<Reply>;
  /** Resolves with the next frame of `type` passing `accept`, without sending anything. */
  waitFor(type: string, accept?: (f: Frame) => boolean): Promise<Reply>;
  /** Stops / restarts reading the socket (TCP backpressure reaches the server). */
  pause(): void;
  resume(): void;
  readonly bufferedAmount: number;
  /** Closes with 1000 (idempotent); the close is not counted as an error. */
  close(): Promise<void>;
}

interface Waiter {
  type: string;
  requestType: string | undefined;
  accept: ((f: Frame) => boolean) | undefined;
  resolve: (r: Reply) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const NORMAL_CLOSE = 1000;

/** Opens a connection and completes hello → welcome. */
export async function openClient(index: number, options: ClientOptions): Promise<BenchClient> {
  const ws = new WebSocket(options.alsoUrl !== undefined && index % 2 === 1 ? options.alsoUrl : options.url, {
    perMessageDeflate: false,
    // The tool trusts the server's UTF-8; validating every frame would cost the tool, not the server.
    skipUTF8Validation: true,
    handshakeTimeout: options.timeoutMs,
    headers: {
      ...(options.origin === undefined ? {} : { Origin: options.origin }),
      ...(options.forwardedFor === undefined ? {} : { 'X-Forwarded-For': options.forwardedFor }),
    },
  });
  const waiters: Waiter[] = [];
  let closing = false;

  const client: BenchClient & { closed: boolean; closeCode: number | undefined; closedAtMs: number | undefined; localPort: number } = {
    index,
    roomListType: 'room_list',
    clientId: '',
    roomId: undefined,
    recorder: undefined,
    unstampedMessages: 0,
    stampedMessages: 0,
    lastStampUs: 0,
    bytesReceived: 0,
    counted: { presence: { frames: 0, bytes: 0 }, typing: { frames: 0, bytes: 0 } },
    localPort: 0,
    closed: false,
    closeCode: undefined,
    closedAtMs: undefined,
    send(text) {
      if (!client.closed && ws.readyState === WebSocket.OPEN) ws.send(text);
    },
    request(request, replyType, accept) {
      const reply = wait(replyType, request.type, accept);
      client.send(JSON.stringify(request));
      return reply;
    },
    waitFor(type, accept) {
      return wait(type, undefined, accept);
    },
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    close() {
      closing = true;
      if (client.closed) return Promise.resolve();
      return new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(NORMAL_CLOSE);
        // A paused or dead peer may never answer the close handshake.
        setTimeout(() => ws.terminate(), 2000).unref();
      });
    },
  };

  function wait(type: string, requestType: string | undefined, accept?: (f: Frame) => boolean): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      if (client.closed) return reject(new Error(`connection ${index} is closed (code ${client.closeCode})`));
      const w: Waiter = {
        type,
        requestType,
        accept,
        resolve,
        reject,
        timer: setTimeout(() => {
          remove(w);
          reject(new Error(`connection ${index}: no ${type} within ${options.timeoutMs} ms`));
        }, options.timeoutMs),
      };
      waiters.push(w);
    });
  }

  function remove(w: Waiter): void {
    const i = waiters.indexOf(w);
    if (i >= 0) waiters.splice(i, 1);
    clearTimeout(w.timer);
  }

  function dispatch(frame: Frame, atMs: number): void {
    if (frame.type === 'error') {
      options.tally.error(String(frame['code'] ?? 'UNKNOWN'));
      const requestType = frame['requestType'];
      const w = waiters.find((x) => x.requestType !== undefined && x.requestType === requestType);
      if (w) {
        remove(w);
        w.reject(new Error(`connection ${index}: ${String(requestType)} failed: ${String(frame['code'])} ${String(frame['message'])}`));
      }
      return;
    }
    for (const w of waiters) {
      if (w.type === frame.type && (!w.accept || w.accept(frame))) {
        remove(w);
        w.resolve({ frame, atMs });
        return;
      }
    }
  }

  function onMessage(data: Buffer, isBinary: boolean): void {
    const atMs = performance.now();
    client.bytesReceived += data.length;
    // Hot path: a stamped `message` frame, read without decoding.
    const stamp = isBinary ? -1 : stampOfMessageFrame(data);
    if (stamp >= 0) {
      client.stampedMessages++;
      client.lastStampUs = stamp;
      client.recorder?.deliver(stamp, atMs * 1000);
      return;
    }
    const type = leadingType(data);
    // room_list is pushed to every client and can be large; decode it only if someone waits for it.
    if (type === 'room_list' && !waiters.some((w) => w.type === 'room_list')) return;
    if (type === 'message') {
      client.unstampedMessages++;
      return;
    }
    if ((type === 'presence' || type === 'typing') && !waiters.some((w) => w.type === type)) {
      client.counted[type].frames++;
      client.counted[type].bytes += data.length;
      return;
    }
    let frame: Frame;
    try {
      frame = JSON.parse(data.toString('utf8')) as Frame;
    } catch {
      options.tally.error('BENCH_UNPARSABLE_FRAME');
      return;
    }
    if (frame === null || typeof frame !== 'object' || typeof frame.type !== 'string') {
      options.tally.error('BENCH_UNPARSABLE_FRAME');
      return;
    }
    if (frame.type === 'message') {
      // Same frame with another key order: the slow path.
      const text = (frame['message'] as { text?: unknown } | undefined)?.text;
      const s = typeof text === 'string' ? stampOfText(text) : -1;
      if (s < 0) {
        client.unstampedMessages++;
        return;
      }
      client.stampedMessages++;
      client.lastStampUs = s;
      client.recorder?.deliver(s, atMs * 1000);
      return;
    }
    dispatch(frame, atMs);
  }

  ws.on('message', onMessage);
  ws.once('upgrade', (res) => {
    client.localPort = res.socket.localPort ?? 0;
  });
  ws.on('close', (code: number) => {
    client.closed = true;
    client.closeCode = code;
    client.closedAtMs = performance.now();
    if (!closing) options.tally.close(code);
    for (const w of waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new Error(`connection ${index} closed (code ${code}) while waiting for ${w.type}`));
    }
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => reject(new Error(`connection ${index}: ${e.message}`));
    ws.once('error', onError);
    ws.once('open', () => {
      ws.off('error', onError);
      // Later socket errors end in 'close'; count them there, never crash on them.
      ws.on('error', () => options.tally.error('BENCH_SOCKET_ERROR'));
      resolve();
    });
  });

  const { frame } = await client.request(
    {
      type: 'hello',
      protocol: 'rg-chat-v1',
      sessionId: `bench-${process.pid}-${index}`,
      profile: { name: `b${index}`, avatarId: index },
      ...(options.features && options.features.length > 0 ? { features: options.features } : {}),
    },
    'welcome',
  );
  const self = frame['self'] as { clientId?: unknown } | undefined;
  client.clientId = typeof self?.clientId === 'string' ? self.clientId : `conn-${index}`;
  // What was granted, not what was asked: a server without extensions (the baseline) grants none.
  const granted = frame['features'];
  if (Array.isArray(granted) && granted.includes('rooms')) client.roomListType = 'room_update';
  return client;
}
