import type { AttackRound } from './attack';
import { finish, openRawWebSocket, stopSoon } from './raw-ws';

/**
 * Attack 5, the ungreeted socket: completes the upgrade and then never sends
 * `hello` (nor anything else but pongs to the server's pings). Shows whether
 * the server ever lets go of a socket that never became a client, and what
 * each one costs it; many attackers make it a connection-slot attack.
 */
export const ungreeted: AttackRound = async (ctx, stats) => {
  const ws = await openRawWebSocket(ctx.url, ctx.origin, ctx.timeoutMs);
  await Promise.race([ws.ended, stopSoon(ctx.stopped)]);
  return finish(ws, stats);
};
