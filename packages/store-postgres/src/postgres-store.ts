import type { Pool, QueryResultRow } from 'pg';
import { createWriteHealth, silentLog, type AppendResult, type ChatStore, type Log, type NewMessage } from '@rgchat/chat-core';
import { latestVersion, migrate } from './migrations';
import { createPostgresAppend } from './postgres-append';
import { createPostgresExtensions } from './postgres-extensions';
import { createPostgresModeration } from './postgres-moderation';
import { withDeadline } from './with-deadline';
import { createPool } from './postgres-pool';
import { resolveOptions, type PostgresOptions, type ResolvedOptions } from './postgres-options';
import { createRoomBatcher } from './room-batcher';
import { prepared, statementsFor, toMessage, toRoom, type MessageRow, type PreparedName, type RoomRow, type Statements } from './statements';

/** Caps one room's share of an append statement; a larger burst in one room goes out as several. */
const MAX_GROUP_SIZE = 500;
/** Caps one append statement, all its rooms together (its parameters are arrays of this length). */
const MAX_WRITE_SIZE = 2000;
/** Upper bound on a health check, in ms: /healthz must answer quickly, even when the pool is stuck. */
const CHECK_TIMEOUT_MS = 2000;

/**
 * Opens a pool on `options.url`, brings the schema up to date (safe when
 * several instances start at once) and returns the store. Rejects, leaving
 * nothing open, when Postgres is unreachable or the schema is newer than
 * this code.
 */
export async function openPostgresStore(options: PostgresOptions): Promise<ChatStore> {
  const o = resolveOptions(options);
  const log = options.log ?? silentLog;
  const pool = createPool(o, o.poolSize, log, 'store');
  try {
    const applied = await migrate(pool, o.schema);
    if (applied.length > 0) log('info', 'postgres schema migrated', { schema: o.schema, applied, version: latestVersion });
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw e;
  }
  return createPostgresStore(pool, o, log);
}

function createPostgresStore(pool: Pool, o: ResolvedOptions, log: Log): ChatStore {
  const sql: Statements = statementsFor(o.schema);
  let closed = false;
  let closing: Promise<void> | undefined;
  // A whole append group's failure, reported by check() until an append
  // succeeds again (see write-health.ts in chat-core).
  const writeHealth = createWriteHealth();

  const query = async <R extends QueryResultRow>(text: string, values?: unknown[], name?: PreparedName): Promise<R[]> => {
    if (closed) throw new Error('Postgres store is closed');
    // pool.query releases (and on error destroys) the connection itself.
    const result = await pool.query<R>(name === undefined ? { text, values: values ?? [] } : prepared(name, text, values ?? []));
    return result.rows;
  };
  const extensions = createPostgresExtensions({ pool, sql, query, isClosed: () => closed });
  const moderation = createPostgresModeration({ pool, schema: o.schema, query, isClosed: () => closed });

  const batcher = createRoomBatcher<NewMessage, AppendResult>({
    keyOf: (m) => m.roomId,
    maxGroupSize: MAX_GROUP_SIZE,
    maxWriteSize: MAX_WRITE_SIZE,
    maxWaitMs: o.statementTimeoutMs,
    writeGroups: createPostgresAppend({ pool, sql, query, log, writeHealth }),
  });

  return {
    listRooms: async () => (await query<RoomRow>(sql.listRooms)).map(toRoom),
    getRoom: async (id) => {
      const [row] = await query<RoomRow>(sql.getRoom, [id]);
      return row && toRoom(row);
    },
    async createRoom(room) {
      const [inserted] = await query<RoomRow>(sql.insertRoom, [room.id, room.name, room.createdAt]);
      if (inserted) return { room: toRoom(inserted), created: true };
      // A separate statement, so its snapshot sees a row another transaction
      // committed while our insert waited on it.
      const [existing] = await query<RoomRow>(sql.getRoom, [room.id]);
      if (!existing) throw new Error(`room "${room.id}" conflicted on insert but cannot be read`);
      return { room: toRoom(existing), created: false };
    },
    removeEmptyRooms: async (createdBefore, keep) =>
      (await query<{ id: string }>(sql.removeEmptyRooms, [createdBefore, keep])).map((r) => r.id),
    appendMessage(message) {
      if (closed) return Promise.reject(new Error('Postgres store is closed'));
      return batcher.enqueue(message);
    },
    recentMessages: async (roomId, limit) => (await query<MessageRow>(sql.recentMessages, [roomId, limit], 'recent_messages')).map(toMessage).reverse(),
    messagesAfter: async (roomId, afterSeq, limit) =>
      (await query<MessageRow>(sql.messagesAfter, [roomId, afterSeq, limit], 'messages_after')).map(toMessage),
    ...extensions,
    ...moderation,
    async check() {
      if (closed) throw new Error('Postgres store is closed');
      writeHealth.assertWritable(performance.now());
      // A committed write in its own transaction, as appends commit theirs:
      // /healthz stops answering 200 when writes fail, not only reads.
      const probe = pool.query(sql.check, [Date.now()]);
      const { rowCount } = await withDeadline(probe, Math.min(CHECK_TIMEOUT_MS, o.queryTimeoutMs), 'postgres health check timed out');
      if (rowCount !== 1) throw new Error('Postgres health row is missing');
    },
    close() {
      closing ??= (async () => {
        closed = true;
        // Queued appends are written (or fail) before the pool goes away;
        // every write is bounded by the pool's timeouts.
        await batcher.idle();
        await pool.end();
      })();
      return closing;
    },
  };
}
