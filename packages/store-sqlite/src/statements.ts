import type { Database, Statement } from 'better-sqlite3';
import { messageRecord, type MessageRecord, type MessageType, type RoomRecord } from '@rgchat/chat-core';

interface RoomRow {
  id: string;
  name: string;
  created_at: number;
  message_count: number;
  last_message_ts: number | null;
}

/** A room row with its seq counter, for the append path only (RoomRecord does not carry it). */
interface TallyRow extends RoomRow {
  last_seq: number;
}

/** A history row as an array (better-sqlite3 raw mode), in HISTORY_COLUMNS order. */
type HistoryRow = [id: string, seq: number, ts: number, authorId: string, name: string, avatarId: number, type: MessageType, text: string];

const ROOM_COLUMNS = 'id, name, created_at, message_count, last_message_ts';
const MESSAGE_COLUMNS = 'id, room_id, seq, ts, author_id, name, avatar_id, type, text, author_key, client_msg_id';
// No room_id: the caller knows it. Raw arrays instead of row objects: turning
// 500 rows into keyed objects was most of a join's cost (measured ~2x faster).
const HISTORY_COLUMNS = 'id, seq, ts, author_id, name, avatar_id, type, text';

/** The history reads; both are range scans of messages_room_seq (a test checks the plan). */
export const historySql = {
  /** Newest first; the store reverses the (at most `limit`) rows. */
  // Deleted rows (extensions: delete) are skipped as the scan meets them: few per room, so no index of their own.
  recentMessages: `SELECT ${HISTORY_COLUMNS} FROM messages WHERE room_id = ? AND deleted = 0 ORDER BY seq DESC LIMIT ?`,
  messagesAfter: `SELECT ${HISTORY_COLUMNS} FROM messages WHERE room_id = ? AND seq > ? AND deleted = 0 ORDER BY seq ASC LIMIT ?`,
  /** A history page before a seq (or of the newest, with MAX_SAFE_INTEGER), newest first; the store reverses it. */
  pageBefore: `SELECT ${HISTORY_COLUMNS} FROM messages WHERE room_id = ? AND seq < ? AND deleted = 0 ORDER BY seq DESC LIMIT ?`,
} as const;

/**
 * Every statement the store runs, prepared once at open: preparing is the
 * costly part, and a prepared statement is also a plan we know uses the
 * indexes (see migrations.ts).
 */
export function prepareStatements(db: Database) {
  return {
    // A committed write, not a read: see migration 3.
    check: db.prepare('UPDATE health SET checked_at = ? WHERE id = 1') as Statement<[number]>,
    listRooms: db.prepare(`SELECT ${ROOM_COLUMNS} FROM rooms`) as Statement<[], RoomRow>,
    getRoom: db.prepare(`SELECT ${ROOM_COLUMNS} FROM rooms WHERE id = ?`) as Statement<[string], RoomRow>,
    getTally: db.prepare(`SELECT ${ROOM_COLUMNS}, last_seq FROM rooms WHERE id = ?`) as Statement<[string], TallyRow>,
    // DO NOTHING keeps the first writer's name and createdAt: creation is idempotent by id.
    insertRoom: db.prepare(
      'INSERT INTO rooms (id, name, created_at) VALUES (@id, @name, @createdAt) ON CONFLICT (id) DO NOTHING',
    ) as Statement<[{ id: string; name: string; createdAt: number }]>,
    // Empty rooms past their TTL, except the JSON array of ids in ?3. Rooms
    // with messages never match (message_count is written in the append's
    // transaction), and one statement is atomic against appends.
    removeEmptyRooms: db.prepare(
      `DELETE FROM rooms WHERE message_count = 0 AND created_at < ? AND id NOT IN (SELECT value FROM json_each(?))
       AND NOT EXISTS (SELECT 1 FROM messages WHERE messages.room_id = rooms.id) RETURNING id`,
    ) as Statement<[number, string], { id: string }>,
    // A batch's room writes, once per room per group commit (see sqlite-store.ts).
    setRoomTally: db.prepare('UPDATE rooms SET message_count = ?, last_seq = ?, last_message_ts = ? WHERE id = ?') as Statement<
      [number, number, number | null, string]
    >,
    // Positional parameters and no RETURNING: on the append path, named
    // parameters and RETURNING cost more than the writes themselves
    // (measured with better-sqlite3 12: ~13 µs vs ~5 µs).
    insertMessage: db.prepare(
      `INSERT INTO messages (${MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ) as Statement<[string, string, number, number, string, string, number, MessageType, string, string | null, string | null]>,
    // The original of a resend (acks): one probe of the messages_client_msg index.
    findByClientMsgId: db
      .prepare(`SELECT ${HISTORY_COLUMNS} FROM messages WHERE room_id = ? AND author_key = ? AND client_msg_id = ?`)
      .raw() as Statement<[string, string, string], HistoryRow>,
    // Deletion (extensions): the visible message, then its soft delete and the room's count, in one transaction.
    findVisible: db.prepare('SELECT seq, author_key FROM messages WHERE id = ? AND room_id = ? AND deleted = 0') as Statement<
      [string, string],
      { seq: number; author_key: string | null }
    >,
    markDeleted: db.prepare("UPDATE messages SET deleted = 1, text = '' WHERE id = ?") as Statement<[string]>,
    uncount: db.prepare(`UPDATE rooms SET message_count = message_count - 1 WHERE id = ? RETURNING ${ROOM_COLUMNS}, last_seq`) as Statement<
      [string],
      TallyRow
    >,
    unreact: db.prepare('DELETE FROM reactions WHERE message_id = ?') as Statement<[string]>,
    // Reactions (extensions): the message's state for one person and emoji, then the change.
    reactionState: db.prepare(
      `SELECT count(DISTINCT emoji) AS distinct_emoji,
              count(*) FILTER (WHERE emoji = @emoji) AS count,
              count(*) FILTER (WHERE emoji = @emoji AND user_key = @userKey) AS mine
         FROM reactions WHERE message_id = @messageId`,
    ) as Statement<[{ messageId: string; emoji: string; userKey: string }], { distinct_emoji: number; count: number; mine: number }>,
    addReaction: db.prepare('INSERT INTO reactions (message_id, emoji, user_key, ts) VALUES (?, ?, ?, ?)') as Statement<[string, string, string, number]>,
    removeReaction: db.prepare('DELETE FROM reactions WHERE message_id = ? AND emoji = ? AND user_key = ?') as Statement<[string, string, string]>,
    // A page's counts in one statement: the visible messages of room @roomId among the JSON array @ids.
    reactionCounts: db
      .prepare(
        `SELECT r.message_id, r.emoji, count(*) AS n
           FROM reactions r JOIN messages m ON m.id = r.message_id
          WHERE r.message_id IN (SELECT value FROM json_each(@ids)) AND m.room_id = @roomId AND m.deleted = 0
          GROUP BY r.message_id, r.emoji
          ORDER BY r.message_id, min(r.ts), r.emoji`,
      )
      .raw() as Statement<[{ roomId: string; ids: string }], [messageId: string, emoji: string, count: number]>,
    recentMessages: db.prepare(historySql.recentMessages).raw() as Statement<[string, number], HistoryRow>,
    messagesAfter: db.prepare(historySql.messagesAfter).raw() as Statement<[string, number, number], HistoryRow>,
    pageBefore: db.prepare(historySql.pageBefore).raw() as Statement<[string, number, number], HistoryRow>,
    lastSeq: db.prepare('SELECT last_seq FROM rooms WHERE id = ?').pluck() as Statement<[string], number>,
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

export const toRoom = (r: RoomRow): RoomRecord => ({
  id: r.id,
  name: r.name,
  createdAt: r.created_at,
  messageCount: r.message_count,
  lastMessageTs: r.last_message_ts,
});

export const toMessage = (roomId: string, r: HistoryRow): MessageRecord => messageRecord(roomId, r[1], r[0], r[2], r[3], r[4], r[5], r[6], r[7]);
