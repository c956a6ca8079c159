/**
 * UTF-8 bytes of a frame, reused while the same string is sent again: core
 * serialises a broadcast once and hands that string to every member, so the
 * encoding happens once per broadcast rather than once per recipient (ws would
 * otherwise `Buffer.from` it on every `send`).
 */
export function createFrameEncoder(): (frame: string) => Buffer {
  let lastFrame = '';
  let lastBytes = Buffer.alloc(0);
  return (frame) => {
    if (frame !== lastFrame) {
      lastFrame = frame;
      lastBytes = Buffer.from(frame, 'utf8');
    }
    return lastBytes;
  };
}
