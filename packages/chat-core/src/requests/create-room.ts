import { ChatError, ErrorCode } from '../error-codes';
import { utf8Length } from '../edge/http-answer';
import type { RoomRecord } from '../ports/store';
import { own } from '../protocol/json-object';
import type { RequestContext } from '../request-context';
import type { RequestSpec } from '../request-spec';
import type { Session } from '../session';
import { sendAnswer } from '../session-frames';

export interface CreateRoomRequest {
  readonly type: 'create_room';
  /** The normalised id (slug of the name). */
  readonly id: string;
  /** The display name. */
  readonly name: string;
}

/**
 * The room, from the store, creating it if it is new there. A new room costs
 * one from the address's hourly quota, taken before the write; with none
 * left the room is only looked up, so re-creating an existing room is never
 * refused. (An instance whose directory has not yet heard of a room another
 * one created pays for it once.)
 */
async function createOrFind(ctx: RequestContext, s: Session, r: CreateRoomRequest): Promise<RoomRecord> {
  if (!ctx.roomCreates.take(s.connection.remoteAddress, ctx.clock.now())) {
    const existing = await ctx.guard('getRoom', () => ctx.store.getRoom(r.id));
    if (existing) return existing;
    const perHour = ctx.limits.roomCreatesPerIpPerHour;
    throw new ChatError(
      ErrorCode.RATE_LIMITED,
      `Too many new rooms: at most ${perHour} per hour from one address. Join an existing room or try again later.`,
    );
  }
  const { room, created } = await ctx.guard('createRoom', () =>
    ctx.store.createRoom({ id: r.id, name: r.name, createdAt: ctx.clock.now() }),
  );
  if (created) ctx.bus.publish({ kind: 'room', room });
  return room;
}

/**
 * `create_room`: idempotent by normalised id; answers the room list (at most
 * `roomListLimit` rooms, plus the requested room if it is not among them, so
 * the client always finds it). A room the directory already knows is
 * answered from memory: no store call, no quota. A new room is announced on
 * the bus (every instance's directory learns it there).
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
    // Another instance may have created it and its bus event not arrived yet:
    // a room unknown here still goes to the store.
    const room = ctx.directory.get(r.id) ?? (await createOrFind(ctx, s, r));
    ctx.directory.upsert(room);
    if (s.closed) return;
    // With presence negotiated the list carries `online`.
    const lists = ctx.presence.listFor(s);
    if (s.features.has('rooms')) {
      // Extensions: the answer is that room as a change; the pushes keep their own version.
      sendAnswer(s, JSON.stringify({ type: 'room_update', rooms: [lists.wire(room)], removed: [] }));
      return;
    }
    const frame = lists.pushes.source.listFrame();
    if (lists.list().some((w) => w.id === room.id)) {
      sendAnswer(s, frame.text);
      ctx.roomLists.delivered(s.connection, frame, lists.pushes);
      return;
    }
    const text = JSON.stringify({ type: 'room_list', rooms: [...lists.list(), lists.wire(room)] });
    sendAnswer(s, text);
    ctx.roomLists.delivered(s.connection, { version: frame.version, bytes: utf8Length(text) }, lists.pushes);
  },
};
