import { own } from '../protocol/json-object';
import type { RequestSpec } from '../request-spec';

export interface JoinRoomRequest {
  readonly type: 'join_room';
  readonly roomId: string;
}

/** `join_room`: leaves the current room, answers `joined_room` with history, then live messages. */
export const joinRoom: RequestSpec<JoinRoomRequest> = {
  type: 'join_room',
  feature: undefined,
  needsHello: true,
  pipelines: false,
  decode(o, read) {
    return { type: 'join_room', roomId: read.roomId(own(o, 'roomId')) };
  },
  async handle(ctx, s, r) {
    await ctx.rooms.join(s, await ctx.rooms.find(r.roomId));
  },
};
