/**
 * Byte-level helpers for the receive hot path: a `message` frame carrying a
 * bench stamp is recognised and its send time read without decoding the frame
 * to a string or parsing JSON. Everything else goes through JSON.parse.
 */

/** Marker that precedes the sender's timestamp (integer microseconds) in the message text. */
export const STAMP_MARKER = '~bt~';
const STAMP_MARKER_BYTES = Buffer.from(STAMP_MARKER);
/** rgchat and the baseline serialise `type` first; other key orders take the slow path. */
const MESSAGE_PREFIX = Buffer.from('{"type":"message"');
const TYPE_PREFIX = Buffer.from('{"type":"');

const DIGIT_0 = 48;
const DIGIT_9 = 57;
const QUOTE = 34;

/** Text of a stamped bench message: marker, send time, marker, padding up to `textChars`. */
export function stampedText(sentUs: number, padding: string): string {
  return STAMP_MARKER + sentUs + STAMP_MARKER + padding;
}

/** Padding that brings a stamped text to about `textChars` characters (stamps are ~20). */
export function paddingFor(textChars: number): string {
  return 'x'.repeat(Math.max(0, textChars - 24));
}

function startsWith(data: Buffer, prefix: Buffer): boolean {
  if (data.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (data[i] !== prefix[i]) return false;
  return true;
}

/** Reads the digits after the first stamp marker at or after `from`; -1 when there is none. */
export function readStamp(data: Buffer, from = 0): number {
  const at = data.indexOf(STAMP_MARKER_BYTES, from);
  if (at < 0) return -1;
  let i = at + STAMP_MARKER_BYTES.length;
  let value = 0;
  let digits = 0;
  for (; i < data.length; i++) {
    const b = data[i]!;
    if (b < DIGIT_0 || b > DIGIT_9) break;
    value = value * 10 + (b - DIGIT_0);
    digits++;
  }
  return digits === 0 ? -1 : value;
}

/** Send time of a `message` frame's stamp if the frame is one (fast path), else -1. */
export function stampOfMessageFrame(data: Buffer): number {
  return startsWith(data, MESSAGE_PREFIX) ? readStamp(data, MESSAGE_PREFIX.length) : -1;
}

/** Stamp read from an already decoded text (slow path). */
export function stampOfText(text: string): number {
  const at = text.indexOf(STAMP_MARKER);
  if (at < 0) return -1;
  const n = parseInt(text.slice(at + STAMP_MARKER.length), 10);
  return Number.isFinite(n) ? n : -1;
}

/**
 * The frame's `type` when it is serialised first (`{"type":"…"`), without
 * parsing; undefined otherwise. Lets big frames such as `room_list` be
 * skipped and `joined_room` be timed before it is parsed.
 */
export function leadingType(data: Buffer): string | undefined {
  if (!startsWith(data, TYPE_PREFIX)) return undefined;
  const end = data.indexOf(QUOTE, TYPE_PREFIX.length);
  if (end < 0 || end - TYPE_PREFIX.length > 32) return undefined;
  return data.toString('latin1', TYPE_PREFIX.length, end);
}
