/** FIN + text opcode: every frame rgchat sends is one whole text message. */
const FIN_TEXT = 0x81;

/** A complete unmasked WebSocket text frame (RFC 6455 §5.2) holding `payload`. */
export function textFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const headerBytes = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerBytes + length);
  frame[0] = FIN_TEXT;
  if (headerBytes === 2) {
    frame[1] = length;
  } else if (headerBytes === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  payload.copy(frame, headerBytes);
  return frame;
}

/**
 * The wire bytes of a frame, built once while the same string is sent
 * again: core serialises a broadcast once and hands that string to every
 * member, so UTF-8 encoding and WebSocket framing happen once per broadcast
 * and each member costs one `socket.write` of shared bytes (ws's own `send`
 * would encode and frame again for every recipient).
 */
export function createFrameEncoder(): (frame: string) => Buffer {
  let lastFrame = '';
  let lastBytes = textFrame(Buffer.alloc(0));
  return (frame) => {
    if (frame !== lastFrame) {
      lastFrame = frame;
      lastBytes = textFrame(Buffer.from(frame, 'utf8'));
    }
    return lastBytes;
  };
}
