import { ChatError, ErrorCode } from '../error-codes';
import type { RoomRecord } from '../ports/store';
import { PROTOCOL } from '../protocol/frames';
import { isObject, own } from '../protocol/json-object';
import { wellFormed } from '../protocol/text';
import type { RequestContext } from '../request-context';
import type { RequestSpec } from '../request-spec';
import { negotiate, type Feature } from '../features';
import { lenientSince } from '../history';
import { guestName, NO_FEATURES, type Session } from '../session';
import { selfOf, sendFrame } from '../session-frames';
import { userIdOfSession } from '../user-id';
import { wantsPlus } from '../wire';

const nothingToStop = (): void => {};

/** Longest `sessionId` kept; longer ones are cut. */
const MAX_SESSION_ID = 128;

export interface HelloRequest {
  readonly type: 'hello';
  /**
   * What `hello.features` negotiates (asked for and enabled, in the
   * contract's order); undefined when the frame had no `features` array, and
   * then `welcome` has no `features` key.
   */
  readonly features: readonly Feature[] | undefined;
  readonly sessionId: string | undefined;
  readonly name: string | undefined;
  readonly avatarId: number | undefined;
  readonly resumeRoomId: string | undefined;
  /** The last seq the client holds of `resumeRoomId` (used only where `recovery` is negotiated); a bad one is none. */
  readonly since: number | undefined;
}

/**
 * `welcome` carries the directory's current list (at most `roomListLimit`
 * rooms); from then on the client gets `room_list` pushes when it changes.
 */
function welcome(ctx: RequestContext, s: Session, r: HelloRequest, activeRoomId: string | undefined): void {
  if (s.closed) return;
  // With presence negotiated the list carries `online`; with `rooms`, later pushes are
  // room_update diffs from this version on (each welcome negotiates again).
  const lists = ctx.presence.listFor(s);
  ctx.roomLists.delivered(s.connection, lists.pushes.source.listFrame(), lists.pushes);
  sendFrame(s, {
    type: 'welcome',
    protocol: PROTOCOL,
    self: selfOf(s),
    ...(activeRoomId === undefined ? {} : { activeRoomId }),
    rooms: lists.list(),
    ...(r.features === undefined ? {} : { features: [...r.features] }),
  });
}

/** The features a hello leaves the connection with: a hello without `features` makes it plain rg-chat-v1 again. */
const featureSet = (r: HelloRequest): ReadonlySet<string> => (r.features === undefined || r.features.length === 0 ? NO_FEATURES : new Set(r.features));

async function resume(ctx: RequestContext, s: Session, r: HelloRequest, roomId: string): Promise<void> {
  let room: RoomRecord | undefined;
  try {
    room = await ctx.rooms.find(roomId);
  } catch (e) {
    // The seed: resume a room that exists, ignore one that does not.
    if (!(e instanceof ChatError && e.code === ErrorCode.ROOM_NOT_FOUND)) throw e;
  }
  if (!room) return welcome(ctx, s, r, s.roomId);
  const target = room;
  const since = s.features.has('recovery') ? r.since : undefined;
  await ctx.rooms.join(s, target, () => welcome(ctx, s, r, target.id), since);
}

/**
 * `hello`: sets the profile (an invalid name or avatar falls back instead of
 * failing), subscribes to room lists, answers `welcome`, and with
 * `resumeRoomId` joins that room if it exists. May be repeated; each hello
 * negotiates `features` anew (none without the key: plain rg-chat-v1).
 */
export const hello: RequestSpec<HelloRequest> = {
  type: 'hello',
  feature: undefined,
  needsHello: false,
  pipelines: false,
  decode(o, read) {
    const protocol = own(o, 'protocol');
    if (protocol !== undefined && protocol !== PROTOCOL) {
      throw new ChatError(ErrorCode.UNSUPPORTED_PROTOCOL, `Only "${PROTOCOL}" is supported.`);
    }
    const rawSession = own(o, 'sessionId');
    const profile = own(o, 'profile');
    const p = isObject(profile) ? profile : {};
    const resumeRoomId = own(o, 'resumeRoomId');
    const features = own(o, 'features');
    return {
      type: 'hello',
      features: Array.isArray(features) ? negotiate(features, read.enabledFeatures) : undefined,
      sessionId: typeof rawSession === 'string' ? wellFormed(rawSession).slice(0, MAX_SESSION_ID) : undefined,
      name: read.lenient(read.schemas.name, own(p, 'name')),
      avatarId: read.lenient(read.schemas.avatarId, own(p, 'avatarId')),
      resumeRoomId: resumeRoomId === undefined || resumeRoomId === null ? undefined : read.lenient(read.schemas.roomId, resumeRoomId),
      since: lenientSince(own(o, 'since')),
    };
  },
  admitted(s, r) {
    s.featuresAhead = featureSet(r);
  },
  handle(ctx, s, r) {
    s.profile = { name: r.name ?? guestName(ctx.ids), avatarId: r.avatarId ?? s.profile.avatarId };
    if (r.sessionId !== undefined) {
      s.sessionId = r.sessionId;
      s.userId = userIdOfSession(r.sessionId);
    }
    s.features = featureSet(r);
    // Already in a room: its live messages follow the new negotiation from now on.
    if (s.roomId !== undefined) ctx.feed.setVariant(s.connection, s.roomId, wantsPlus(s.features));
    // Its profile and userId as a member, and which presence and typing frames it watches.
    ctx.presence.changed(s);
    // Which deletion and reaction events it receives in its room.
    ctx.events.renegotiate(s.connection, s.roomId, s.features);
    s.greeted = true;
    // Greeted: the deadline's timer would only fire to find that out, holding its closure (and the Timeout) until then.
    s.stopHelloDeadline();
    s.stopHelloDeadline = nothingToStop;
    if (r.resumeRoomId === undefined) return welcome(ctx, s, r, s.roomId);
    return resume(ctx, s, r, r.resumeRoomId);
  },
};
