import { sinceField } from '../history';
import { own } from '../protocol/json-object';
import type { RequestSpec } from '../request-spec';

export interface JoinRoomRequest {
  readonly type: 'join_room';
  readonly roomId: string;
  /** The last seq the client holds (feature `recovery`; never read elsewhere). */
  readonly since: number | undefined;
}

/**
 * `join_room`: leaves the current room, answers `joined_room` with history,
 * then live messages. With `recovery` negotiated, `since` (a seq, whole
 * number from 0; anything else INVALID_REQUEST) asks for the messages after
 * it and `joined_room` says `recovered`; elsewhere `since` is ignored, as v1
 * ignores any field it does not know.
 */
export const joinRoom: RequestSpec<JoinRoomRequest> = {
  type: 'join_room',
  feature: undefined,
  needsHello: true,
  pipelines: false,
  decode(o, read, features) {
    const roomId = read.roomId(own(o, 'roomId'));
    const since = features.has('recovery') ? sinceField(own(o, 'since')) : undefined;
    return { type: 'join_room', roomId, since };
  },
  async handle(ctx, s, r) {
    await ctx.rooms.join(s, await ctx.rooms.find(r.roomId), undefined, r.since);
  },
};
