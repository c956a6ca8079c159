import type { Pool, QueryResult, QueryResultRow } from 'pg';
import {
  ChatError,
  createWriteHealth,
  ErrorCode,
  roomAfter,
  silentLog,
  storedMessage,
  type AppendResult,
  type ChatStore,
  type Log,
  type MessageRecord,
  type NewMessage,
} from '@rgchat/chat-core';
import { latestVersion, migrate } from './migrations';
import { createPostgresExtensions } from './postgres-extensions';
import { createPostgresModeration } from './postgres-moderation';
import { withDeadline } from './with-deadline';
import { createPool } from './postgres-pool';
import { errText, resolveOptions, type PostgresOptions, type ResolvedOptions } from './postgres-options';
import { createRoomBatcher, type Outcome } from './room-batcher';
import { appendParams, prepared, statementsFor, toMessage, toRoom, type KeyedMessageRow, type MessageRow, type PreparedName, type RoomRow, type Statements } from './statements';

/** Caps one append statement; a larger burst in one room goes out as several. */
const MAX_GROUP_SIZE = 500;
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

/** SQLSTATE classes that blame the data of one statement (22 data exception, 23 integrity violation), not the connection. */
const isDataError = (e: unknown): boolean => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
};

/**
 * Whether Postgres itself answered a statement with an error, which means it
 * rolled the statement back. Not so for errors pg raises on its own side
 * (connection terminated, read timeout: no answer at all), nor for class 08
 * (connection exception) and 57P (the server shutting the session down:
 * with synchronous replication even a committed transaction can end so).
 */
const rolledBack = (e: unknown): boolean => {
  const { code, severity } = (e ?? {}) as { code?: unknown; severity?: unknown };
  if (typeof severity !== 'string' || typeof code !== 'string' || code.length !== 5) return false;
  return !code.startsWith('08') && !code.startsWith('57P');
};

/** The unique index that is the acks idempotency key (migration 5). */
const CLIENT_MSG_INDEX = 'messages_client_msg';

/** A failed outcome whose statement broke the idempotency key: a resend that raced in. */
const isKeyConflict = (o: Outcome<unknown> | undefined): boolean => {
  if (o === undefined || o.ok) return false;
  const { code, constraint } = (o.error ?? {}) as { code?: unknown; constraint?: unknown };
  return code === '23505' && constraint === CLIENT_MSG_INDEX;
};

const idempotencyKey = (authorKey: string | null | undefined, clientMsgId: string): string => `${authorKey ?? ''}\u0000${clientMsgId}`;

function createPostgresStore(pool: Pool, o: ResolvedOptions, log: Log): ChatStore {
  const sql: Statements = statementsFor(o.schema);
  let closed = false;
  let closing: Promise<void> | undefined;
  // A whole append group's failure, reported by check() until an append
  // succeeds again (see write-health.ts in chat-core).
  const writeHealth = createWriteHealth();

  /** Notes an append statement's fate for check(): SQLSTATE 22/23 blame one message's data, anything else the store. */
  const noteWrite = async <T>(write: Promise<T>): Promise<T> => {
    try {
      const result = await write;
      writeHealth.succeeded();
      return result;
    } catch (e) {
      if (!isDataError(e)) writeHealth.failed(e, performance.now());
      throw e;
    }
  };

  const query = async <R extends QueryResultRow>(text: string, values?: unknown[], name?: PreparedName): Promise<R[]> => {
    if (closed) throw new Error('Postgres store is closed');
    // pool.query releases (and on error destroys) the connection itself.
    const result = await pool.query<R>(name === undefined ? { text, values: values ?? [] } : prepared(name, text, values ?? []));
    return result.rows;
  };
  const extensions = createPostgresExtensions({ pool, sql, query, isClosed: () => closed });
  const moderation = createPostgresModeration({ pool, schema: o.schema, query, isClosed: () => closed });

  /**
   * One statement for messages of one room, in order. It commits on its own
   * (autocommit), so once it is sent only an answer tells whether it
   * committed: a failure to get a connection left nothing written, an error
   * Postgres reports for the statement rolled it back, but a connection lost
   * (or a client-side read timeout) while it ran leaves the outcome unknown,
   * and the callers get STORE_TIMEOUT instead of a "not stored" guess.
   */
  async function appendGroup(roomId: string, batch: readonly NewMessage[]): Promise<Outcome<AppendResult>[]> {
    const client = await pool.connect();
    let rows: QueryResult<RoomRow & { last_seq: string; inserted: string }>;
    try {
      rows = await noteWrite(client.query<RoomRow & { last_seq: string; inserted: string }>(prepared('append_to_room', sql.appendToRoom, appendParams(roomId, batch))));
      client.release();
    } catch (e) {
      // As pool.query does: a connection that failed a query is not reused.
      client.release(e instanceof Error ? e : true);
      if (!rolledBack(e)) {
        log('warn', 'postgres append outcome unknown', { roomId, groupSize: batch.length, err: errText(e) });
        throw new ChatError(ErrorCode.STORE_TIMEOUT, 'The database did not confirm the write; the message may still appear.');
      }
      throw e;
    }
    const row = rows.rows[0];
    if (row === undefined) {
      const error = new ChatError(ErrorCode.ROOM_NOT_FOUND, `No room "${roomId}".`);
      return batch.map(() => ({ ok: false, error }));
    }
    if (Number(row.inserted) !== batch.length) {
      // Cannot happen (the insert joins the one bumped row); never report seqs we did not write.
      throw new Error(`append inserted ${row.inserted} of ${batch.length} messages`);
    }
    const after = toRoom(row);
    const firstSeq = Number(row.last_seq) - batch.length + 1;
    const firstCount = after.messageCount - batch.length + 1;
    return batch.map((m, i) => {
      const message = storedMessage(m, firstSeq + i);
      // The room as it was right after THIS message, as the port promises.
      return { ok: true, value: { message, room: roomAfter(after, message, firstCount + i) } };
    });
  }

  /**
   * Messages of one room in one statement; when that fails on one message's
   * data (a duplicate id), one by one, so only the culprit fails.
   */
  async function appendOrSplit(roomId: string, batch: readonly NewMessage[]): Promise<Outcome<AppendResult>[]> {
    try {
      const outcomes = await appendGroup(roomId, batch);
      log('debug', 'postgres append group committed', { roomId, groupSize: batch.length });
      return outcomes;
    } catch (e) {
      if (!isDataError(e) || batch.length === 1) {
        log('warn', 'postgres append failed', { roomId, groupSize: batch.length, err: errText(e) });
        throw e;
      }
      // One bad message (a duplicate id) failed the statement and so the
      // group: write them one by one so only the culprit fails.
      const outcomes: Outcome<AppendResult>[] = [];
      for (const m of batch) {
        try {
          const [one] = await appendGroup(roomId, [m]);
          outcomes.push(one!);
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
      return outcomes;
    }
  }

  /** The stored originals of the batch's keyed messages (acks), by idempotency key. */
  async function findOriginals(roomId: string, batch: readonly NewMessage[]): Promise<Map<string, MessageRecord>> {
    const keyed = batch.filter((m) => m.clientMsgId !== undefined);
    if (keyed.length === 0) return new Map();
    const rows = await query<KeyedMessageRow>(sql.findByClientMsgIds, [
      roomId,
      keyed.map((m) => m.authorKey ?? null),
      keyed.map((m) => m.clientMsgId),
    ]);
    return new Map(rows.map((r) => [idempotencyKey(r.author_key, r.client_msg_id), toMessage(r)]));
  }

  /**
   * A group holding resends (acks): originals already stored are answered
   * from the table, a key twice in the group is written once, and the rest
   * goes through `appendOrSplit`. A key another instance stored between the
   * lookup and the insert fails its statement on messages_client_msg; the
   * group is then written one by one and that message answered from the
   * table too. A duplicate never fails its group-mates.
   */
  async function appendDeduplicated(roomId: string, batch: readonly NewMessage[]): Promise<Outcome<AppendResult>[]> {
    const originals = await findOriginals(roomId, batch);
    const fresh: NewMessage[] = [];
    const firstOfKey = new Map<string, number>();
    type Plan = { readonly fresh: number } | { readonly original: MessageRecord } | { readonly sameAs: number };
    const plans = batch.map((m): Plan => {
      if (m.clientMsgId === undefined) return { fresh: fresh.push(m) - 1 };
      const key = idempotencyKey(m.authorKey, m.clientMsgId);
      const original = originals.get(key);
      if (original) return { original };
      const earlier = firstOfKey.get(key);
      if (earlier !== undefined) return { sameAs: earlier };
      firstOfKey.set(key, fresh.length);
      return { fresh: fresh.push(m) - 1 };
    });
    let written: Outcome<AppendResult>[] = [];
    try {
      if (fresh.length > 0) written = await appendOrSplit(roomId, fresh);
    } catch (error) {
      // A group of one is not split: its key conflict comes back as the group's failure.
      if (fresh.length !== 1 || !isKeyConflict({ ok: false, error })) throw error;
      written = [{ ok: false, error }];
    }
    const raced = fresh.filter((_, i) => isKeyConflict(written[i]));
    const racedOriginals = raced.length > 0 ? await findOriginals(roomId, raced) : new Map<string, MessageRecord>();
    let room = [...written].reverse().find((o) => o.ok)?.value.room;
    if (room === undefined) {
      const [row] = await query<RoomRow>(sql.getRoom, [roomId]);
      if (!row) {
        const error = new ChatError(ErrorCode.ROOM_NOT_FOUND, `No room "${roomId}".`);
        return batch.map(() => ({ ok: false, error }));
      }
      room = toRoom(row);
    }
    const duplicateOf = (message: MessageRecord): Outcome<AppendResult> => ({ ok: true, value: { message, room: room!, duplicate: true } });
    const resolved = written.map((o, i): Outcome<AppendResult> => {
      const m = fresh[i]!;
      if (!isKeyConflict(o) || m.clientMsgId === undefined) return o;
      const original = racedOriginals.get(idempotencyKey(m.authorKey, m.clientMsgId));
      return original ? duplicateOf(original) : o;
    });
    return plans.map((p): Outcome<AppendResult> => {
      if ('original' in p) return duplicateOf(p.original);
      if ('fresh' in p) return resolved[p.fresh]!;
      const first = resolved[p.sameAs]!;
      return first.ok ? duplicateOf(first.value.message) : first;
    });
  }

  const batcher = createRoomBatcher<NewMessage, AppendResult>({
    keyOf: (m) => m.roomId,
    maxGroupSize: MAX_GROUP_SIZE,
    maxWaitMs: o.statementTimeoutMs,
    // v1 sends carry no clientMsgId: their groups take one statement, as before acks.
    writeGroup: (roomId, batch) =>
      batch.some((m) => m.clientMsgId !== undefined) ? appendDeduplicated(roomId, batch) : appendOrSplit(roomId, batch),
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
