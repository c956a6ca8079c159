import type { AttackRound } from './attack';
import { openGreetedSocket, pump } from './greeted-socket';

/** An unknown request type padded to 1 KiB: valid JSON, so the server parses all of it before refusing. */
const UNKNOWN_TYPE_FRAME = JSON.stringify({ type: 'x_junk', pad: 'j'.repeat(1024 - 26) });
/** Truncated JSON: refused by the parser. */
const BAD_JSON_FRAME = '{"type":"send_message","roomId":"lobby","message":{"text":"unterminated';

/**
 * Attack 2, junk frames: after hello, alternating bad JSON and 1 KiB
 * frames of an unknown type, as fast as the socket takes them. Each earns an
 * `error` frame, so it also tests whether errors are rate-limited.
 */
export const junkFrames: AttackRound = async (ctx, stats, attacker) => {
  const socket = await openGreetedSocket(ctx, stats, `junk${attacker}`);
  let n = 0;
  return pump(ctx, stats, socket, () => (n++ % 2 === 0 ? BAD_JSON_FRAME : UNKNOWN_TYPE_FRAME));
};
