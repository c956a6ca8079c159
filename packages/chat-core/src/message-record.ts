import type { MessageType } from './protocol/frames';
import type { MessageRecord, NewMessage, RoomRecord } from './ports/store';

/**
 * Builds a `MessageRecord`; every store builds its records here, so all of
 * them have one shape (same keys, same order). Core reads these on the hot
 * path (room feed, frame encoding), and objects of one shape keep that
 * property access monomorphic: hence a literal, never a spread (c3d5226,
 * 4e74200). Positional rather than one object argument, so a store maps its
 * own row shape (a raw SQLite array, a pg row with int8 strings) without an
 * intermediate object per row. Arguments in `MessageRecord`'s field order.
 */
export function messageRecord(
  roomId: string,
  seq: number,
  id: string,
  ts: number,
  authorId: string,
  name: string,
  avatarId: number,
  type: MessageType,
  text: string,
): MessageRecord {
  return { roomId, seq, id, ts, authorId, name, avatarId, type, text };
}

/** `message` as stored at position `seq` of its room. */
export const storedMessage = (message: NewMessage, seq: number): MessageRecord =>
  messageRecord(message.roomId, seq, message.id, message.ts, message.authorId, message.name, message.avatarId, message.type, message.text);

/**
 * `room` as it stands right after `message` (the port's `AppendResult.room`):
 * `messageCount` messages (default: one more than `room`, the room right
 * before the message) and the message's ts as last activity. The count is
 * not the seq: seq comes from the room's never-reused `last_seq` counter,
 * the count is what is visible (issue #11: deleted messages leave holes).
 * A literal, for the same reason as `messageRecord`.
 */
export const roomAfter = (room: RoomRecord, message: MessageRecord, messageCount: number = room.messageCount + 1): RoomRecord => ({
  id: room.id,
  name: room.name,
  createdAt: room.createdAt,
  messageCount,
  lastMessageTs: message.ts,
});
