import type { Pool, QueryResultRow } from 'pg';
import type { ChatStore, ReactOutcome } from '@rgchat/chat-core';
import { withTransaction } from './with-transaction';
import { toMessage, toRoom, type Int8, type MessageRow, type PreparedName, type RoomRow, type Statements } from './statements';

/** A row of a page read: the room's counter, and a message or (no message in range) NULLs. */
type PageRow = { last_seq: string } & ({ [K in keyof MessageRow]: MessageRow[K] } | { [K in keyof MessageRow]: null });

/** What the extension operations share with the store: its pool, statements and closed-aware query. */
export interface PostgresExtensionDeps {
  readonly pool: Pool;
  readonly sql: Statements;
  readonly query: <R extends QueryResultRow>(text: string, values?: unknown[], name?: PreparedName) => Promise<R[]>;
  readonly isClosed: () => boolean;
}

/** The store operations of the extensions (history pages, delete, reactions) on Postgres. */
export type PostgresExtensions = Pick<ChatStore, 'messagesPage' | 'deleteMessage' | 'react' | 'reactionCounts'>;

export function createPostgresExtensions({ pool, sql, query, isClosed }: PostgresExtensionDeps): PostgresExtensions {
  return {
    async messagesPage(roomId, { before, after, limit }) {
      const older = after === undefined;
      const rows = older
        ? await query<PageRow>(sql.pageBefore, [roomId, before ?? Number.MAX_SAFE_INTEGER, limit + 1], 'page_before')
        : await query<PageRow>(sql.pageAfter, [roomId, after, limit + 1], 'page_after');
      const first = rows[0];
      if (first === undefined) return undefined;
      const found = rows.filter((r): r is PageRow & MessageRow => r.id !== null).map(toMessage);
      found.sort((x, y) => x.seq - y.seq);
      const hasMore = found.length > limit;
      // The extra row is the oldest one for a page going back, the newest for one going forward.
      const messages = hasMore ? (older ? found.slice(1) : found.slice(0, limit)) : found;
      return { messages, hasMore, lastSeq: Number(first.last_seq) };
    },
    async deleteMessage(roomId, messageId, authorKey) {
      type Row = Partial<RoomRow> & { author_key: string | null; deleted_seq: Int8 | null; last_seq: Int8 | null };
      const [row] = await query<Row>(sql.deleteMessage, [roomId, messageId, authorKey]);
      if (!row) return { kind: 'not_found' };
      // Not deleted by this statement: someone else deleted it first (not found), or it is not this author's.
      if (row.deleted_seq === null || row.last_seq === null) return authorKey === null || row.author_key === authorKey ? { kind: 'not_found' } : { kind: 'forbidden' };
      return { kind: 'deleted', seq: Number(row.deleted_seq), room: toRoom(row as RoomRow), lastSeq: Number(row.last_seq) };
    },
    async react({ roomId, messageId, emoji, userKey, on, ts, maxEmoji }) {
      if (isClosed()) throw new Error('Postgres store is closed');
      return withTransaction(pool, async (client): Promise<ReactOutcome> => {
        const locked = await client.query(sql.lockVisible, [messageId, roomId]);
        if (locked.rowCount === 0) return { kind: 'not_found' };
        const state = (await client.query<{ distinct_emoji: number; count: number; mine: number }>(sql.reactionState, [messageId, emoji, userKey])).rows[0]!;
        if (on && state.mine > 0) return { kind: 'unchanged', count: state.count };
        if (on && state.count === 0 && state.distinct_emoji >= maxEmoji) return { kind: 'too_many' };
        if (on) {
          await client.query(sql.addReaction, [messageId, emoji, userKey, ts]);
          return { kind: 'changed', count: state.count + 1 };
        }
        if (state.mine === 0) return { kind: 'unchanged', count: state.count };
        await client.query(sql.removeReaction, [messageId, emoji, userKey]);
        return { kind: 'changed', count: state.count - 1 };
      });
    },
    async reactionCounts(roomId, messageIds) {
      const out = new Map<string, Array<readonly [string, number]>>();
      if (messageIds.length === 0) return out;
      for (const r of await query<{ message_id: string; emoji: string; n: number }>(sql.reactionCounts, [roomId, messageIds])) {
        let list = out.get(r.message_id);
        if (!list) out.set(r.message_id, (list = []));
        list.push([r.emoji, r.n]);
      }
      return out;
    },
  };
}
