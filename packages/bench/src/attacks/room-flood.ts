import { randomBytes } from 'node:crypto';
import type { AttackRound } from './attack';
import { openGreetedSocket, pump } from './greeted-socket';

/** Per run, so reruns against the same store keep creating new rooms. */
const RUN_TAG = randomBytes(3).toString('hex');

/**
 * Attack 3a, the room-create flood: `create_room` with a new name every
 * time, as fast as the socket takes them. Every room is stored for good and
 * lands in every greeted client's room_list, so its cost grows with the run.
 */
export const roomFlood: AttackRound = async (ctx, stats, attacker) => {
  const socket = await openGreetedSocket(ctx, stats, `flood${attacker}`);
  let n = 0;
  // Room names are at most 40 characters: f + 6 hex + attacker + counter fits.
  return pump(ctx, stats, socket, () => JSON.stringify({ type: 'create_room', name: `f${RUN_TAG}-${attacker}-${n++}` }));
};

/** Attack 3b: `create_room` of one existing room over and over (idempotent, but each answers a full room_list). */
export const roomRecreate: AttackRound = async (ctx, stats, attacker) => {
  const socket = await openGreetedSocket(ctx, stats, `recreate${attacker}`);
  const frame = JSON.stringify({ type: 'create_room', name: `${ctx.roomPrefix}-recreate` });
  return pump(ctx, stats, socket, () => frame);
};
