import { ChatError, ErrorCode } from './error-codes';
import type { ChatStore, MessageRecord, ReactionCounts, RoomRecord } from './ports/store';
import type { RoomPresence } from './presence/room-presence';
import type { RoomDirectory } from './room-directory';
import type { RoomEvents } from './room-events';
import type { RoomFeed } from './room-feed';
import type { Session } from './session';
import { sendFrame } from './session-frames';
import type { StoreGuard } from './store-guard';
import { toWireMessage, toWireMessagePlus, wantsPlus } from './wire';

const NO_REACTIONS: ReadonlyMap<string, ReactionCounts> = new Map();

/** Which room a session is in (rg-chat-v1: one at a time), and moving it. */
export interface RoomMembership {
  /** The room with this id, from the directory or else the store; ROOM_NOT_FOUND. */
  find(id: string): Promise<RoomRecord>;
  /**
   * Leaves the current room and joins `room`: `joined_room` with its history,
   * then its live messages with no gap. `before` runs just before
   * `joined_room` goes out (hello sends `welcome` there). `since` (only
   * where `recovery` was negotiated) asks for recovery: `joined_room` then
   * carries `recovered` (see `FeedJoinOptions.since`).
   */
  join(s: Session, room: RoomRecord, before?: () => void, since?: number): Promise<void>;
  /** Leaves the current room, if any. */
  leave(s: Session): void;
}

export interface MembershipDeps {
  readonly store: ChatStore;
  readonly guard: StoreGuard;
  readonly directory: RoomDirectory;
  readonly feed: RoomFeed;
  /** Extension events (deletions, reactions) to the members that negotiated them. */
  readonly events: RoomEvents;
  /** Who is in the room, for presence and typing (every connection is a member). */
  readonly presence?: RoomPresence;
}

export function createRoomMembership({ store, guard, directory, feed, events, presence }: MembershipDeps): RoomMembership {
  function leave(s: Session): void {
    if (s.roomId === undefined) return;
    presence?.left(s, s.roomId);
    feed.leave(s.connection, s.roomId);
    events.detach(s.connection);
    s.roomId = undefined;
  }

  return {
    async find(id) {
      // Another instance may have created it and its bus event not arrived yet.
      const room = directory.get(id) ?? (await guard('getRoom', () => store.getRoom(id)));
      if (!room) throw new ChatError(ErrorCode.ROOM_NOT_FOUND, `No room "${id}".`);
      directory.upsert(room);
      return room;
    },

    async join(s, room, before, since) {
      leave(s);
      // Decided once: a hello that negotiates again cannot run while this join is in flight.
      const plus = wantsPlus(s.features);
      // Extension events published while the history is read reach the joiner after joined_room.
      const window = plus ? events.open(room.id) : undefined;
      let reactions: ReadonlyMap<string, ReactionCounts> = NO_REACTIONS;
      // One read for the whole history, only for connections that show reactions.
      const readAlso = s.features.has('reactions')
        ? async (history: readonly MessageRecord[]) => {
            const ids = history.map((m) => m.id);
            if (ids.length > 0) reactions = await guard('reactionCounts', () => store.reactionCounts(room.id, ids));
          }
        : undefined;
      let joined = false;
      try {
        joined = await feed.join(
          s.connection,
          room.id,
          () => !s.closed,
          (history: MessageRecord[], recovered: boolean | undefined) => {
            s.roomId = room.id;
            const members = presence?.entered(s, room.id);
            before?.();
            sendFrame(s, {
              type: 'joined_room',
              room: { id: room.id, name: room.name, createdAt: room.createdAt },
              messages: plus ? history.map((m) => toWireMessagePlus(m, reactions.get(m.id))) : history.map(toWireMessage),
              ...(recovered === undefined ? {} : { recovered }),
              ...(members ? { members } : {}),
            });
            window?.attach(s.connection, s.features);
          },
          readAlso ? { plus, since, readAlso } : { plus, since },
        );
      } finally {
        window?.close();
      }
      if (!joined) s.roomId = undefined;
    },

    leave,
  };
}
