import WebSocket from 'ws';
import { bump, type AttackContext, type AttackStats } from './attack';

/** Bytes an attacker lets sit in its own send buffer before it yields: "as fast as the socket takes them". */
const SEND_BUFFER_BYTES = 256 * 1024;
const ERROR_PREFIX = '{"type":"error"';
const WELCOME_PREFIX = '{"type":"welcome"';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface GreetedSocket {
  readonly ws: WebSocket;
  /** Resolves with the close code once the connection has closed. */
  readonly closed: Promise<number>;
}

/**
 * A `ws` connection that has said hello and got its welcome, counting what
 * the server sends without decoding it (a joined_room of 500 messages costs
 * the tool a length, not a parse); only `error` frames are read, for their code.
 */
export async function openGreetedSocket(ctx: AttackContext, stats: AttackStats, name: string): Promise<GreetedSocket> {
  const ws = new WebSocket(ctx.url, {
    perMessageDeflate: false,
    skipUTF8Validation: true,
    handshakeTimeout: ctx.timeoutMs,
    ...(ctx.origin === undefined ? {} : { headers: { Origin: ctx.origin } }),
  });
  ws.on('error', () => undefined);
  const closed = new Promise<number>((r) => ws.once('close', (code: number) => r(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no welcome in time')), ctx.timeoutMs);
    ws.once('close', () => {
      clearTimeout(timer);
      reject(new Error('closed before welcome'));
    });
    ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', protocol: 'rg-chat-v1', profile: { name, avatarId: 0 } })));
    ws.on('message', (data: Buffer) => {
      stats.framesReceived++;
      stats.bytesReceived += data.length;
      if (data.length > ERROR_PREFIX.length && data.toString('latin1', 0, ERROR_PREFIX.length) === ERROR_PREFIX) {
        const code = (JSON.parse(data.toString()) as { code?: unknown }).code;
        bump(stats.errorsByCode, String(code));
      } else if (data.toString('latin1', 0, WELCOME_PREFIX.length) === WELCOME_PREFIX) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { ws, closed };
}

/**
 * Sends `next()` frames as fast as the socket takes them until the window
 * ends or the server closes; resolves how it ended.
 */
export async function pump(ctx: AttackContext, stats: AttackStats, { ws, closed }: GreetedSocket, next: () => string) {
  while (!ctx.stopped() && ws.readyState === WebSocket.OPEN) {
    if (ws.bufferedAmount >= SEND_BUFFER_BYTES) {
      await sleep(1);
      continue;
    }
    for (let i = 0; i < 64; i++) {
      const frame = next();
      ws.send(frame);
      stats.framesSent++;
      stats.bytesSent += frame.length;
    }
    await new Promise((r) => setImmediate(r));
  }
  const closedByServer = ws.readyState !== WebSocket.OPEN;
  if (!closedByServer) ws.terminate();
  const code = await closed;
  return { closedByServer, code: closedByServer ? code : undefined };
}
