import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { maskedFrame, Opcode } from '@rgchat/testkit';

/** A WebSocket over a bare TCP socket: the handshake and the frames are ours, pings are answered. */
export interface RawWebSocket {
  /** Writes bytes; false when the socket's buffer is full (then await `drained()`). */
  write(bytes: Buffer): boolean;
  /** Resolves when the socket can take more, or has closed. */
  drained(): Promise<void>;
  /** Resolves when the connection ends: the server's close code, if it sent a close frame. */
  readonly ended: Promise<{ code: number | undefined }>;
  readonly isEnded: boolean;
  /** Frames and bytes received from the server. */
  readonly framesIn: number;
  readonly bytesIn: number;
  destroy(): void;
}

/** Opens a TCP connection to a ws:// URL and completes the opening handshake (status 101) by hand. */
export function openRawWebSocket(url: string, origin: string | undefined, timeoutMs: number): Promise<RawWebSocket> {
  const u = new URL(url);
  if (u.protocol !== 'ws:') return Promise.reject(new Error('raw attacks speak plain ws:// only'));
  const socket: Socket = connect(Number(u.port || 80), u.hostname);
  socket.setNoDelay(true);
  let pending: Buffer = Buffer.alloc(0);
  let upgraded = false;
  let closeCode: number | undefined;
  let ended = false;
  const state = { framesIn: 0, bytesIn: 0 };
  let endResolve: (v: { code: number | undefined }) => void = () => undefined;
  const endedP = new Promise<{ code: number | undefined }>((r) => (endResolve = r));

  /** Reads complete server frames (unmasked) off `pending`, answering pings and recording a close. */
  const readFrames = () => {
    for (;;) {
      if (pending.length < 2) return;
      const opcode = pending[0]! & 0x0f;
      const masked = (pending[1]! & 0x80) !== 0;
      let len = pending[1]! & 0x7f;
      let at = 2;
      if (len === 126) {
        if (pending.length < 4) return;
        len = pending.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (pending.length < 10) return;
        len = Number(pending.readBigUInt64BE(2));
        at = 10;
      }
      if (masked) at += 4;
      if (pending.length < at + len) return;
      const payload = pending.subarray(at, at + len);
      state.framesIn++;
      if (opcode === Opcode.PING) socket.write(maskedFrame(Opcode.PONG, true, payload));
      if (opcode === Opcode.CLOSE) {
        closeCode = len >= 2 ? payload.readUInt16BE(0) : undefined;
        socket.end(maskedFrame(Opcode.CLOSE, true, payload.subarray(0, 2)));
      }
      pending = pending.subarray(at + len);
    }
  };

  return new Promise<RawWebSocket>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no handshake answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      const headers = [
        `GET ${u.pathname}${u.search} HTTP/1.1`,
        `Host: ${u.host}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
        ...(origin === undefined ? [] : [`Origin: ${origin}`]),
      ];
      socket.write(`${headers.join('\r\n')}\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      state.bytesIn += chunk.length;
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      if (!upgraded) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const status = pending.subarray(0, pending.indexOf('\r\n')).toString('latin1');
        if (!/^HTTP\/1\.1 101 /.test(status)) {
          clearTimeout(timer);
          socket.destroy();
          reject(new Error(`upgrade refused: ${status}`));
          return;
        }
        upgraded = true;
        pending = pending.subarray(end + 4);
        clearTimeout(timer);
        resolve(raw);
      }
      readFrames();
    });
    // Errors end in 'close'; an attack client never crashes on them.
    socket.on('error', () => undefined);
    socket.once('close', () => {
      ended = true;
      clearTimeout(timer);
      if (!upgraded) reject(new Error('connection closed during the handshake'));
      endResolve({ code: closeCode });
    });

    const raw: RawWebSocket = {
      write: (bytes) => !ended && socket.write(bytes),
      drained: () =>
        ended
          ? Promise.resolve()
          : new Promise<void>((r) => {
              const done = () => {
                socket.off('drain', done);
                socket.off('close', done);
                r();
              };
              socket.once('drain', done);
              socket.once('close', done);
            }),
      ended: endedP,
      get isEnded() {
        return ended;
      },
      get framesIn() {
        return state.framesIn;
      },
      get bytesIn() {
        return state.bytesIn;
      },
      destroy: () => socket.destroy(),
    };
  });
}

/** Polls the window's end, so a flood blocked on a server that stopped reading still ends with the window. */
export function stopSoon(stopped: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const t = setInterval(() => {
      if (stopped()) {
        clearInterval(t);
        resolve();
      }
    }, 50);
  });
}

/** Records what the server sent and how the connection ended; destroys it if the window ended first. */
export async function finish(ws: RawWebSocket, stats: { framesReceived: number; bytesReceived: number }) {
  const closedByServer = ws.isEnded;
  if (!closedByServer) ws.destroy();
  const { code } = await ws.ended;
  stats.framesReceived += ws.framesIn;
  stats.bytesReceived += ws.bytesIn;
  return { closedByServer, code };
}
