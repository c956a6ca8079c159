import type { Member, Presence } from '../ports/presence';
import type { RoomRecord } from '../ports/store';
import type { WireRoom } from '../protocol/frames';
import type { RoomDirectory } from '../room-directory';
import type { RoomListPushes } from '../room-list-pusher';
import type { Session } from '../session';
import type { TypingRelay } from '../typing/typing-relay';
import { toWireRoom } from '../wire';
import { toWireRoomOnline, type OnlineRoomList } from './online-room-list';
import type { PresenceFrames } from './presence-frames';

/**
 * The room list a connection gets: v1's, or with `online` once it
 * negotiated `presence`; kept current by whole lists, or by `room_update`
 * diffs once it negotiated `rooms`.
 */
export interface RoomListView {
  /** What the room-list pusher keeps it current with; `pushes.source.listFrame()` is its whole list now. */
  readonly pushes: RoomListPushes;
  list(): WireRoom[];
  /** One room as this connection's lists show it. */
  wire(room: RoomRecord): WireRoom;
}

/**
 * What a session's place in a room means for presence and typing, in one
 * place so room-membership.ts, hello and set_profile each make one call:
 * every connection in a room is a member (v1 ones too); only those that
 * negotiated `presence` or `typing` watch the room's frames of that kind.
 */
export interface RoomPresence {
  /** `s` is now in `roomId` (just before `joined_room`): it is a member; `members` for its `joined_room` when it negotiated presence. */
  entered(s: Session, roomId: string): Member[] | undefined;
  /** `s` leaves `roomId` (another join, or the close): a typist's `active: false`, and it is no member any more. */
  left(s: Session, roomId: string): void;
  /** After a `hello` or `set_profile`: its profile, userId or negotiated features may have changed. */
  changed(s: Session): void;
  /** `s` sent a message to `roomId`: a typist stops typing. */
  sentMessage(s: Session, roomId: string): void;
  listFor(s: Session): RoomListView;
  /** `online` of `roomId`: connections in it on every instance. */
  online(roomId: string): number;
}

export interface RoomPresenceDeps {
  readonly presence: Presence;
  readonly frames: PresenceFrames;
  readonly typing: TypingRelay;
  readonly directory: RoomDirectory;
  readonly onlineRooms: OnlineRoomList;
}

export const memberOf = (s: Session): Member => ({ clientId: s.id, userId: s.userId, name: s.profile.name, avatarId: s.profile.avatarId });

export function createRoomPresence({ presence, frames, typing, directory, onlineRooms }: RoomPresenceDeps): RoomPresence {
  /** Watches exactly the kinds of frames `s` negotiated. */
  function watch(s: Session, roomId: string): void {
    if (s.features.has('presence')) frames.watch(s.connection, roomId);
    else frames.unwatch(s.connection, roomId);
    if (s.features.has('typing')) typing.watch(s.connection, s.id, roomId);
    else typing.unwatch(s.connection, s.id, roomId);
  }

  const v1: RoomListView = { pushes: { source: directory }, list: () => directory.list(), wire: toWireRoom };
  const v1Diffs: RoomListView = { ...v1, pushes: { source: directory, diffs: true } };
  const withOnline: RoomListView = {
    pushes: { source: onlineRooms },
    list: () => onlineRooms.list(),
    wire: (room) => toWireRoomOnline(room, presence.count(room.id)),
  };
  const withOnlineDiffs: RoomListView = { ...withOnline, pushes: { source: onlineRooms.updates, diffs: true } };

  return {
    entered(s, roomId) {
      presence.join(roomId, memberOf(s));
      watch(s, roomId);
      return s.features.has('presence') ? presence.members(roomId) : undefined;
    },
    left(s, roomId) {
      typing.stop(s.id, s.profile.name, roomId);
      frames.unwatch(s.connection, roomId);
      typing.unwatch(s.connection, s.id, roomId);
      presence.leave(roomId, s.id);
    },
    changed(s) {
      if (s.roomId === undefined) return;
      presence.join(s.roomId, memberOf(s));
      watch(s, s.roomId);
    },
    sentMessage(s, roomId) {
      typing.stop(s.id, s.profile.name, roomId);
    },
    listFor(s) {
      const diffs = s.features.has('rooms');
      if (s.features.has('presence')) return diffs ? withOnlineDiffs : withOnline;
      return diffs ? v1Diffs : v1;
    },
    online: (roomId) => presence.count(roomId),
  };
}
