import { connect, type Socket } from 'node:net';

/** RFC 6455 §5.2 opcodes a test or an attack writes or reads by hand. */
export const Opcode = { CONTINUATION: 0x0, TEXT: 0x1, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

/**
 * One masked client frame (RFC 6455 §5.2), for frames no library client
 * sends: unfinished fragmented messages, floods of tiny fragments. A zero
 * mask keeps the payload readable; it is still a masked frame.
 */
export function maskedFrame(opcode: number, fin: boolean, payload: Buffer | string): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const lengthBytes = data.length < 126 ? 0 : data.length < 65_536 ? 2 : 8;
  const frame = Buffer.alloc(2 + lengthBytes + 4 + data.length);
  frame[0] = (fin ? 0x80 : 0) | opcode;
  frame[1] = 0x80 | (lengthBytes === 0 ? data.length : lengthBytes === 2 ? 126 : 127);
  if (lengthBytes === 2) frame.writeUInt16BE(data.length, 2);
  if (lengthBytes === 8) frame.writeBigUInt64BE(BigInt(data.length), 2);
  data.copy(frame, 2 + lengthBytes + 4);
  return frame;
}

/** `count` one-byte continuation frames in one buffer (7 bytes each on the wire). */
export const oneByteContinuations = (count: number): Buffer => Buffer.concat(Array.from({ length: count }, () => maskedFrame(Opcode.CONTINUATION, false, 'x')));

/** A WebSocket opened by hand on a TCP socket; it reads the server's frames and writes whatever bytes a test gives it. */
export interface RawWebSocket {
  /** Text messages the server sent, in order. */
  readonly messages: string[];
  /** Resolves when the TCP connection is gone, with the server's close code (undefined when none came: 1006). */
  readonly closed: Promise<{ code: number | undefined }>;
  readonly isClosed: boolean;
  /** Writes raw bytes; false once the connection is gone. */
  write(bytes: Buffer): boolean;
  /** Drops the TCP connection. Idempotent. */
  destroy(): void;
}

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** Upgrades a fresh TCP connection to 127.0.0.1:`port` and resolves once the server answered 101. */
export function openRawWebSocket(port: number): Promise<RawWebSocket> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    socket.setNoDelay(true);
    const messages: string[] = [];
    let pending: Buffer = Buffer.alloc(0);
    let upgraded = false;
    let isClosed = false;
    let closeCode: number | undefined;
    const closed = new Promise<{ code: number | undefined }>((done) => socket.on('close', () => done({ code: closeCode })));
    socket.on('error', (err) => (upgraded ? undefined : reject(err)));
    socket.on('close', () => {
      isClosed = true;
      if (!upgraded) reject(new Error('closed before the upgrade was answered'));
    });
    const raw: RawWebSocket = {
      messages,
      closed,
      get isClosed() {
        return isClosed;
      },
      write: (bytes) => !isClosed && socket.write(bytes),
      destroy: () => void socket.destroy(),
    };
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (!upgraded) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = pending.subarray(0, end).toString('latin1');
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
        upgraded = true;
        pending = pending.subarray(end + 4);
        resolve(raw);
      }
      pending = readServerFrames(pending, (opcode, payload) => {
        if (opcode === Opcode.TEXT) messages.push(payload.toString('utf8'));
        if (opcode === Opcode.CLOSE) {
          closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : undefined;
          socket.destroy();
        }
      });
    });
  });
}

/** Hands every complete (unmasked, unfragmented) server frame in `bytes` to `onFrame`; returns the unparsed rest. */
function readServerFrames(bytes: Buffer, onFrame: (opcode: number, payload: Buffer) => void): Buffer {
  let rest = bytes;
  while (rest.length >= 2) {
    const short = (rest[1] as number) & 0x7f;
    const header = short < 126 ? 2 : short === 126 ? 4 : 10;
    if (rest.length < header) break;
    const length = short < 126 ? short : short === 126 ? rest.readUInt16BE(2) : Number(rest.readBigUInt64BE(2));
    if (rest.length < header + length) break;
    onFrame((rest[0] as number) & 0x0f, rest.subarray(header, header + length));
    rest = rest.subarray(header + length);
  }
  return rest;
}
