import type { AttackRound } from './attack';
import { openGreetedSocket, pump } from './greeted-socket';

/**
 * Attack 4, join amplification: alternate `join_room` of two full rooms (the
 * mode seeds them first) as fast as the socket takes them. A join is a few
 * dozen bytes in and a store read plus a joined_room of up to 500 messages
 * out: the cheapest request with the largest answer.
 */
export const joinAmplify: AttackRound = async (ctx, stats, attacker) => {
  const [a, b] = ctx.fullRooms;
  if (a === undefined || b === undefined) throw new Error('join-amplify needs two seeded rooms');
  const socket = await openGreetedSocket(ctx, stats, `amp${attacker}`);
  const frames = [JSON.stringify({ type: 'join_room', roomId: a }), JSON.stringify({ type: 'join_room', roomId: b })];
  let n = 0;
  return pump(ctx, stats, socket, () => frames[n++ % 2]!);
};
