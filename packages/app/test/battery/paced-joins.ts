import WebSocket from 'ws';
import type { AttackRound } from '@rgchat/bench';
import { openGreetedSocket } from '@rgchat/bench';

/** 9 joins a second: inside the default per-connection rate (10/s), as issue #10's finding 4 was measured. */
const JOIN_EVERY_MS = 111;

/**
 * Finding 4 as the issue measured it: alternate `join_room` of two full
 * rooms *within* the rate limit, reading every answer promptly. (The bench's
 * `join-amplify` pumps as fast as the socket takes frames, which today gets
 * it refused and dropped as a slow reader before it amplifies much.)
 */
export const pacedJoins: AttackRound = async (ctx, stats, attacker) => {
  const [a, b] = ctx.fullRooms;
  if (a === undefined || b === undefined) throw new Error('paced joins need two full rooms');
  const { ws, closed } = await openGreetedSocket(ctx, stats, `paced${attacker}`);
  for (let n = 0; !ctx.stopped() && ws.readyState === WebSocket.OPEN; n++) {
    const frame = JSON.stringify({ type: 'join_room', roomId: n % 2 === 0 ? a : b });
    ws.send(frame);
    stats.framesSent++;
    stats.bytesSent += frame.length;
    await new Promise((r) => setTimeout(r, JOIN_EVERY_MS));
  }
  const closedByServer = ws.readyState !== WebSocket.OPEN;
  if (!closedByServer) ws.terminate();
  const code = await closed;
  return { closedByServer, code: closedByServer ? code : undefined };
};
