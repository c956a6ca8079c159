import { messageRecord, type MessageRecord, type MessageType, type NewMessage, type RoomRecord } from '@rgchat/chat-core';
import type { QueryConfig } from 'pg';
import { quoteIdent } from './postgres-options';

/** BIGINT columns arrive as strings from pg (they may exceed 2^53); ours never do. */
export type Int8 = string;

export interface RoomRow {
  id: string;
  name: string;
  created_at: Int8;
  message_count: Int8;
  last_message_ts: Int8 | null;
}

export interface MessageRow {
  id: string;
  room_id: string;
  seq: Int8;
  ts: Int8;
  author_id: string;
  name: string;
  avatar_id: Int8;
  type: MessageType;
  text: string;
}

/** A message row with its idempotency key (acks). */
export interface KeyedMessageRow extends MessageRow {
  author_key: string | null;
  client_msg_id: string;
}

const ROOM_COLUMNS = 'id, name, created_at, message_count, last_message_ts';
const MESSAGE_COLUMNS = 'id, room_id, seq, ts, author_id, name, avatar_id, type, text';

export const toRoom = (r: RoomRow): RoomRecord => ({
  id: r.id,
  name: r.name,
  createdAt: Number(r.created_at),
  messageCount: Number(r.message_count),
  lastMessageTs: r.last_message_ts === null ? null : Number(r.last_message_ts),
});

export const toMessage = (r: MessageRow): MessageRecord =>
  messageRecord(r.room_id, Number(r.seq), r.id, Number(r.ts), r.author_id, r.name, Number(r.avatar_id), r.type, r.text);

/** The hot statements: the append, the history reads of joins, recovery and paging, and the bus's NOTIFY (one per turn). */
export type PreparedName = 'append_to_rooms' | 'recent_messages' | 'messages_after' | 'page_before' | 'page_after' | 'notify';

/**
 * A hot statement as a named (prepared) query: Postgres parses, analyses and
 * plans it once per pooled connection instead of on every call. Under the
 * join load (docs/benchmarks.md) parsing and planning were a visible share
 * of Postgres's CPU, which on a small box runs on the server's cores. A name
 * stands for one text per pool: each store's statements are fixed at open.
 */
export const prepared = (name: PreparedName, text: string, values: unknown[]): QueryConfig => ({ name: `rgchat_${name}`, text, values });

/** Every statement the store runs, with table names qualified by the schema (no search_path games). */
export function statementsFor(schema: string) {
  const s = quoteIdent(schema);
  return {
    /** A committed write, not a read: see migration 3. $1 is ms since the epoch. */
    check: `UPDATE ${s}.health SET checked_at = $1 WHERE id = 1`,
    listRooms: `SELECT ${ROOM_COLUMNS} FROM ${s}.rooms`,
    getRoom: `SELECT ${ROOM_COLUMNS} FROM ${s}.rooms WHERE id = $1`,
    /** Returns the row only when this call inserted it. */
    insertRoom: `INSERT INTO ${s}.rooms (id, name, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (id) DO NOTHING RETURNING ${ROOM_COLUMNS}`,
    /**
     * Empty rooms past their TTL, except the ids in $2. Under READ COMMITTED
     * a row an append has locked is re-checked once that append commits, so
     * it is skipped (its count moved); an append waiting on a row this
     * deleted finds no room and inserts nothing. last_seq = 0: a room whose
     * messages were all deleted did receive messages, and keeps them (soft
     * deleted) and itself. The rows are locked first, in id order as
     * appendToRooms locks them, so a sweep and a first append to several
     * empty rooms cannot deadlock.
     */
    removeEmptyRooms: `
      WITH doomed AS (
        SELECT id FROM ${s}.rooms
         WHERE message_count = 0 AND last_seq = 0 AND created_at < $1 AND NOT (id = ANY($2::text[]))
         ORDER BY id FOR UPDATE
      )
      DELETE FROM ${s}.rooms r USING doomed d WHERE r.id = d.id AND r.message_count = 0 AND r.last_seq = 0 RETURNING r.id`,
    /** Newest first; the store reverses the (at most `limit`) rows. Both reads scan messages_room_seq. */
    recentMessages: `SELECT ${MESSAGE_COLUMNS} FROM ${s}.messages WHERE room_id = $1 AND NOT deleted ORDER BY seq DESC LIMIT $2`,
    messagesAfter: `SELECT ${MESSAGE_COLUMNS} FROM ${s}.messages WHERE room_id = $1 AND seq > $2 AND NOT deleted ORDER BY seq ASC LIMIT $3`,
    /**
     * Soft-deletes message $2 of room $1 if $3 wrote it, and takes one from
     * the room's count under its row lock (as appends take theirs), in one
     * statement. One row when the message is visible: `deleted_seq` set
     * when this call deleted it, null when the author differs (or a
     * concurrent delete won: under READ COMMITTED the UPDATE re-checks
     * `NOT deleted` once the other commits). No row: no such message.
     */
    deleteMessage: `
      WITH target AS (
        SELECT seq, author_key FROM ${s}.messages WHERE id = $2 AND room_id = $1 AND NOT deleted
      ), gone AS (
        UPDATE ${s}.messages m SET deleted = true, text = ''
          FROM target t
         WHERE m.id = $2 AND m.room_id = $1 AND NOT m.deleted AND ($3::text IS NULL OR t.author_key = $3)
        RETURNING m.seq
      ), unreacted AS (
        DELETE FROM ${s}.reactions WHERE message_id = $2 AND EXISTS (SELECT 1 FROM gone)
      ), uncounted AS (
        UPDATE ${s}.rooms SET message_count = message_count - 1
         WHERE id = $1 AND EXISTS (SELECT 1 FROM gone)
        RETURNING ${ROOM_COLUMNS}, last_seq
      )
      SELECT t.author_key, (SELECT seq FROM gone) AS deleted_seq, u.*
        FROM target t LEFT JOIN uncounted u ON true`,
    /**
     * A history page and the room's counter in ONE statement (one snapshot,
     * one round trip): no row means no room; a row with a NULL id is a room
     * without messages in that range. The lateral read is a range scan of
     * messages_room_seq that skips deleted rows (extensions: delete), as the
     * other history reads do; the store puts its at most $3 rows in order.
     */
    pageBefore: `SELECT r.last_seq, m.* FROM ${s}.rooms r LEFT JOIN LATERAL (
                   SELECT ${MESSAGE_COLUMNS} FROM ${s}.messages WHERE room_id = r.id AND seq < $2 AND NOT deleted ORDER BY seq DESC LIMIT $3
                 ) m ON true WHERE r.id = $1`,
    pageAfter: `SELECT r.last_seq, m.* FROM ${s}.rooms r LEFT JOIN LATERAL (
                  SELECT ${MESSAGE_COLUMNS} FROM ${s}.messages WHERE room_id = r.id AND seq > $2 AND NOT deleted ORDER BY seq ASC LIMIT $3
                ) m ON true WHERE r.id = $1`,
    /**
     * Appends the messages of one or more rooms in one statement, so one
     * round trip and one commit. $1 holds each message's room, and a room's
     * messages come in seq order. Each room's UPDATE takes its row lock,
     * which serialises writers of that room across every instance; the rows
     * are locked first, in id order (`locked`), so two instances appending
     * to overlapping rooms always queue and never deadlock. A room's new
     * last_seq is its last message's seq, and its messages take the n seqs
     * before it, in array order. A room with no row back does not exist, and
     * nothing was inserted for it. A statement is atomic, so a failing
     * insert (duplicate id) undoes every bump too: no seq is spent on a
     * message that was not stored. A resend (acks) is filtered out before
     * this statement (see postgres-store.ts); one that races in from another
     * instance fails it on messages_client_msg, and the store then writes
     * room by room, message by message. GREATEST(last_seq, message_count):
     * an instance of the release before migration 4 still running during a
     * rolling upgrade bumps only message_count (seq = count), and this keeps
     * both agreeing until it is gone; once deletes exist last_seq >=
     * message_count anyway.
     */
    appendToRooms: `
      WITH m AS (
        SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[])
                 WITH ORDINALITY AS m(room_id, id, ts, author_id, name, avatar_id, type, text, author_key, client_msg_id, ord)
      ), g AS (
        -- last_ts: "last activity" is the newest message's ts, i.e. the highest seq's.
        SELECT room_id, count(*) AS n, (array_agg(ts ORDER BY ord DESC))[1] AS last_ts FROM m GROUP BY room_id
      ), locked AS (
        SELECT r.id FROM ${s}.rooms r JOIN g ON g.room_id = r.id ORDER BY r.id FOR UPDATE OF r
      ), bumped AS (
        UPDATE ${s}.rooms r
           SET message_count = r.message_count + g.n,
               last_seq = GREATEST(r.last_seq, r.message_count) + g.n,
               last_message_ts = g.last_ts
          FROM g JOIN locked l ON l.id = g.room_id
         WHERE r.id = g.room_id
        RETURNING r.id, r.name, r.created_at, r.message_count, r.last_message_ts, r.last_seq, g.n
      ), inserted AS (
        INSERT INTO ${s}.messages (${MESSAGE_COLUMNS}, author_key, client_msg_id)
        SELECT m.id, m.room_id, b.last_seq - b.n + row_number() OVER (PARTITION BY m.room_id ORDER BY m.ord),
               m.ts, m.author_id, m.name, m.avatar_id, m.type, m.text, m.author_key, m.client_msg_id
          FROM m JOIN bumped b ON b.id = m.room_id
        RETURNING room_id
      )
      SELECT b.id, b.name, b.created_at, b.message_count, b.last_message_ts, b.last_seq, COALESCE(i.n, 0) AS inserted
        FROM bumped b LEFT JOIN (SELECT room_id, count(*) AS n FROM inserted GROUP BY room_id) i ON i.room_id = b.id`,
    /**
     * Reactions (extensions): a change runs in a transaction that first
     * locks the message row (visible ones only; a delete takes the same
     * lock), so the distinct-emoji cap and the counts hold against every
     * instance. Then the state for person $3 and emoji $2 of message $1.
     */
    lockVisible: `SELECT 1 FROM ${s}.messages WHERE id = $1 AND room_id = $2 AND NOT deleted FOR UPDATE`,
    reactionState: `
      SELECT count(DISTINCT emoji)::int AS distinct_emoji,
             (count(*) FILTER (WHERE emoji = $2))::int AS count,
             (count(*) FILTER (WHERE emoji = $2 AND user_key = $3))::int AS mine
        FROM ${s}.reactions WHERE message_id = $1`,
    addReaction: `INSERT INTO ${s}.reactions (message_id, emoji, user_key, ts) VALUES ($1, $2, $3, $4)`,
    removeReaction: `DELETE FROM ${s}.reactions WHERE message_id = $1 AND emoji = $2 AND user_key = $3`,
    /** A page's counts in one statement: visible messages $2 of room $1; each message's emoji in the order first given. */
    reactionCounts: `
      SELECT r.message_id, r.emoji, count(*)::int AS n
        FROM ${s}.reactions r JOIN ${s}.messages m ON m.id = r.message_id
       WHERE r.message_id = ANY($2::text[]) AND m.room_id = $1 AND NOT m.deleted
       GROUP BY r.message_id, r.emoji
       ORDER BY r.message_id, min(r.ts), r.emoji COLLATE "C"`,
    /**
     * The originals of resends (acks), of any rooms: stored messages whose
     * (room_id, author_key, client_msg_id) is one of the triples in
     * $1/$2/$3. Probes the partial unique index messages_client_msg.
     */
    findByClientMsgIds: `
      SELECT ${MESSAGE_COLUMNS}, author_key, client_msg_id FROM ${s}.messages
       WHERE client_msg_id IS NOT NULL
         AND (room_id, author_key, client_msg_id) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`,
  } as const;
}

export type Statements = ReturnType<typeof statementsFor>;

/** A room's row after `appendToRooms`, with its new counter and how many of the statement's messages it took. */
export interface AppendedRoomRow extends RoomRow {
  last_seq: Int8;
  inserted: Int8;
}

/** Parameters of `appendToRooms`: each room's messages in seq order, one room after another. */
export function appendParams(groups: readonly { readonly key: string; readonly items: readonly NewMessage[] }[]): unknown[] {
  const roomIds: string[] = [];
  const messages: NewMessage[] = [];
  for (const { key, items } of groups) {
    for (const m of items) {
      roomIds.push(key);
      messages.push(m);
    }
  }
  if (messages.length === 0) throw new Error('appendParams needs at least one message');
  return [
    roomIds,
    messages.map((m) => m.id),
    messages.map((m) => m.ts),
    messages.map((m) => m.authorId),
    messages.map((m) => m.name),
    messages.map((m) => m.avatarId),
    messages.map((m) => m.type),
    messages.map((m) => m.text),
    messages.map((m) => m.authorKey ?? null),
    messages.map((m) => m.clientMsgId ?? null),
  ];
}
