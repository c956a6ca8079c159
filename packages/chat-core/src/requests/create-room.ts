import { ErrorCode } from '../error-codes';
import { own } from '../protocol/json-object';
import type { RequestSpec } from '../request-spec';
import { sendAnswer } from '../session-frames';

export interface CreateRoomRequest {
  readonly type: 'create_room';
  /** The normalised id (slug of the name). */
  readonly id: string;
  /** The display name. */
  readonly name: string;
}

/**
 * `create_room`: idempotent by normalised id; answers the room list. A new
 * room is announced on the bus (every instance's directory learns it there).
 */
export const createRoom: RequestSpec<CreateRoomRequest> = {
  type: 'create_room',
  feature: undefined,
  needsHello: true,
  pipelines: false,
  decode(o, read) {
    const room = read.field(read.schemas.roomName, own(o, 'name'), ErrorCode.INVALID_ROOM);
    return { type: 'create_room', id: room.id, name: room.name };
  },
  async handle(ctx, s, r) {
    const { room, created } = await ctx.guard('createRoom', () =>
      ctx.store.createRoom({ id: r.id, name: r.name, createdAt: ctx.clock.now() }),
    );
    if (created) ctx.bus.publish({ kind: 'room', room });
    else ctx.directory.upsert(room);
    sendAnswer(s, ctx.directory.listFrame());
  },
};
