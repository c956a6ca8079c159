import type { Database } from 'better-sqlite3';
import type { DeleteOutcome, MessagePage, PageQuery, ReactionChange, ReactionCounts, ReactOutcome } from '@rgchat/chat-core';
import { toMessage, toRoom, type Statements } from './statements';

/** The store operations of the extensions (history pages, delete, reactions), synchronous; the store wraps them. */
export interface SqliteExtensions {
  messagesPage(roomId: string, query: PageQuery): MessagePage | undefined;
  deleteMessage(roomId: string, messageId: string, authorKey: string | null): DeleteOutcome;
  react(change: ReactionChange): ReactOutcome;
  reactionCounts(roomId: string, messageIds: readonly string[]): ReadonlyMap<string, ReactionCounts>;
}

export function createSqliteExtensions(db: Database, stmts: Statements): SqliteExtensions {
  // Synchronous, so it runs between append batches, never inside one.
  const deleteOne = db.transaction((roomId: string, messageId: string, authorKey: string | null): DeleteOutcome => {
    const target = stmts.findVisible.get(messageId, roomId);
    if (target === undefined) return { kind: 'not_found' };
    // null: a moderator, who may delete anyone's message.
    if (authorKey !== null && (target.author_key === null || target.author_key !== authorKey)) return { kind: 'forbidden' };
    stmts.markDeleted.run(messageId);
    stmts.unreact.run(messageId);
    const row = stmts.uncount.get(roomId);
    if (row === undefined) throw new Error(`room "${roomId}" of message "${messageId}" is missing`);
    return { kind: 'deleted', seq: target.seq, room: toRoom(row), lastSeq: row.last_seq };
  });

  // One transaction per change: the cap and the counts hold against every other writer.
  const reactOne = db.transaction(({ roomId, messageId, emoji, userKey, on, ts, maxEmoji }: ReactionChange): ReactOutcome => {
    if (stmts.findVisible.get(messageId, roomId) === undefined) return { kind: 'not_found' };
    const state = stmts.reactionState.get({ messageId, emoji, userKey })!;
    if (on) {
      if (state.mine > 0) return { kind: 'unchanged', count: state.count };
      if (state.count === 0 && state.distinct_emoji >= maxEmoji) return { kind: 'too_many' };
      stmts.addReaction.run(messageId, emoji, userKey, ts);
      return { kind: 'changed', count: state.count + 1 };
    }
    if (state.mine === 0) return { kind: 'unchanged', count: state.count };
    stmts.removeReaction.run(messageId, emoji, userKey);
    return { kind: 'changed', count: state.count - 1 };
  });

  return {
    // One synchronous run: the counter and the rows are read with no append in between.
    messagesPage(roomId, { before, after, limit }) {
      const lastSeq = stmts.lastSeq.get(roomId);
      if (lastSeq === undefined) return undefined;
      const older = after === undefined;
      const rows = older
        ? stmts.pageBefore.all(roomId, before ?? Number.MAX_SAFE_INTEGER, limit + 1)
        : stmts.messagesAfter.all(roomId, after, limit + 1);
      const hasMore = rows.length > limit;
      const messages = rows.slice(0, limit).map((r) => toMessage(roomId, r));
      return { messages: older ? messages.reverse() : messages, hasMore, lastSeq };
    },
    deleteMessage: (roomId, messageId, authorKey) => deleteOne.immediate(roomId, messageId, authorKey),
    react: (change) => reactOne.immediate(change),
    reactionCounts(roomId, messageIds) {
      const out = new Map<string, Array<readonly [string, number]>>();
      for (const [messageId, emoji, count] of stmts.reactionCounts.all({ roomId, ids: JSON.stringify(messageIds) })) {
        let list = out.get(messageId);
        if (!list) out.set(messageId, (list = []));
        list.push([emoji, count]);
      }
      return out;
    },
  };
}
