import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import Sqlite, { type Database } from 'better-sqlite3';
import {
  ChatError,
  createWriteHealth,
  ErrorCode,
  isChatError,
  roomAfter,
  silentLog,
  storedMessage,
  type AppendResult,
  type ChatStore,
  type Log,
  type NewMessage,
  type RoomRecord,
} from '@rgchat/chat-core';
import { createAppendQueue, type Outcome } from './append-queue';
import { startCheckpointer, type Checkpointer } from './checkpointer';
import { latestVersion, migrate } from './migrations';
import { createSqliteExtensions } from './sqlite-extensions';
import { createSqliteModeration } from './sqlite-moderation';
import { prepareStatements, toMessage, toRoom } from './statements';

export interface SqliteStoreOptions {
  /** Database file; its directory is created if missing. */
  readonly path: string;
  readonly log?: Log;
  /**
   * How long a write waits for a lock held by another connection before
   * failing, in milliseconds. better-sqlite3 waits synchronously, so this is
   * also the longest a locked database can stall the event loop. Default 250.
   */
  readonly busyTimeoutMs?: number;
  /**
   * When a commit reaches the disk. `normal` (default): the WAL is written
   * on every commit and fsynced at checkpoints, so a committed message
   * survives a crash or `kill -9` of rgchat but not necessarily a power
   * loss or kernel crash. `full`: every commit also fsyncs the WAL, which
   * survives power loss too, but better-sqlite3 is synchronous, so each
   * fsync stalls the event loop (one per group commit).
   */
  readonly synchronous?: SqliteSynchronous;
  /**
   * How often a worker thread checkpoints the WAL into the database file
   * (see checkpointer.ts), in milliseconds. Default 1000. 0 leaves it to
   * SQLite's automatic checkpoint inside COMMIT, on the event loop.
   */
  readonly checkpointIntervalMs?: number;
}

export type SqliteSynchronous = 'normal' | 'full';

/** Default for `busyTimeoutMs`: short enough that a stuck lock is an error, not a frozen server. */
export const DEFAULT_BUSY_TIMEOUT_MS = 250;

/**
 * Caps one group-commit transaction. A few hundred appends take a few
 * milliseconds; the rest of a burst waits for the next event-loop turn.
 */
const MAX_BATCH_SIZE = 256;

export const DEFAULT_CHECKPOINT_INTERVAL_MS = 1000;
/**
 * Page size of a database this store creates. Every group commit writes
 * each page it touched to the WAL whole, and at ~13 messages over ~10 rooms
 * a commit touches about one page per message (each room's tail of the
 * (room_id, seq) index is on its own page). 1 KiB pages instead of SQLite's
 * 4 KiB made an append ~10 % cheaper in an in-process loop, with joins of
 * 500 messages unchanged within noise (docs/benchmarks.md). A page size is
 * fixed once a WAL database has its first table, so existing files keep
 * theirs.
 */
const NEW_DATABASE_PAGE_SIZE_BYTES = 1024;

/** SQLite's own default, used again if the checkpoint thread dies. */
const INLINE_AUTOCHECKPOINT_PAGES = 1000;
/** The WAL file is cut back to this after a checkpoint let it restart. */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Opens (creating if needed) the SQLite database at `options.path`, applies
 * pending migrations and returns the store. Rejects when the file cannot be
 * opened, is locked past the busy timeout, or was written by a newer rgchat.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<ChatStore> {
  const log = options.log ?? silentLog;
  const path = options.path;
  await mkdir(dirname(path), { recursive: true });

  // `timeout` is SQLite's busy_timeout.
  const db = new Sqlite(path, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  let applied: number[];
  try {
    // Only takes effect on a new, empty file; must precede journal_mode=WAL.
    db.pragma(`page_size = ${NEW_DATABASE_PAGE_SIZE_BYTES}`);
    // WAL: readers never block the writer nor the writer readers, and a
    // commit appends to the log instead of rewriting pages in place.
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') log('warn', 'sqlite could not enable WAL', { path, journalMode: mode });
    // Core broadcasts a message once appendMessage resolves, i.e. after
    // COMMIT returned. In WAL mode even NORMAL has written the commit to the
    // OS by then, so it outlives the process; FULL adds an fsync per commit
    // for power loss, at the price of blocking the event loop on the disk.
    const synchronous = options.synchronous ?? 'normal';
    db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    // Off by default in SQLite; makes messages.room_id REFERENCES rooms real.
    db.pragma('foreign_keys = ON');
    applied = migrate(db, path);
  } catch (e) {
    db.close();
    throw e;
  }
  if (applied.length > 0) log('info', 'sqlite schema migrated', { path, applied, version: latestVersion });

  const intervalMs = options.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS;
  let checkpointer: Checkpointer | undefined;
  if (intervalMs > 0) {
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    db.pragma('wal_autocheckpoint = 0');
    checkpointer = startCheckpointer({
      path,
      intervalMs,
      busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
      log,
      onFailure: () => {
        if (db.open) db.pragma(`wal_autocheckpoint = ${INLINE_AUTOCHECKPOINT_PAGES}`);
      },
    });
  }
  return createSqliteStore(db, log, checkpointer);
}

/** An error one message causes (missing room, duplicate id): its batch-mates can still commit. */
const isMessageError = (e: unknown): boolean =>
  isChatError(e) || (typeof (e as { code?: unknown })?.code === 'string' && (e as { code: string }).code.startsWith('SQLITE_CONSTRAINT'));

function createSqliteStore(db: Database, log: Log, checkpointer: Checkpointer | undefined): ChatStore {
  const stmts = prepareStatements(db);
  const extensions = createSqliteExtensions(db, stmts);
  const moderation = createSqliteModeration(db);
  let closed = false;
  let closing: Promise<void> | undefined;
  // A whole append batch's failure, reported by check() (see write-health.ts
  // in chat-core: after a failed append has left the WAL's last bytes
  // allocated, the one-row probe still fits there while every append fails).
  const writeHealth = createWriteHealth();

  /** Each room of the batch as it stands after the batch's messages so far, with its seq counter. */
  type Tallies = Map<string, { room: RoomRecord; lastSeq: number }>;

  // Each room is read once and written once per batch, not per message: the
  // IMMEDIATE transaction holds the write lock, so no other connection can
  // move message_count meanwhile. Two statements per message fewer: ~12 %
  // less time per message in a batch of 12, the typical size under load.
  const insertOne = (m: NewMessage, tallies: Tallies): AppendResult => {
    let before = tallies.get(m.roomId);
    if (before === undefined) {
      const row = stmts.getTally.get(m.roomId);
      if (row === undefined) throw new ChatError(ErrorCode.ROOM_NOT_FOUND, `No room "${m.roomId}".`);
      before = { room: toRoom(row), lastSeq: row.last_seq };
    }
    if (m.clientMsgId !== undefined) {
      // Inside the batch's transaction, so it also sees a batch-mate with the
      // same key written just before: the resend is answered, not failed.
      const original = stmts.findByClientMsgId.get(m.roomId, m.authorKey ?? '', m.clientMsgId);
      if (original !== undefined) return { message: toMessage(m.roomId, original), room: before.room, duplicate: true };
    }
    const seq = before.lastSeq + 1;
    stmts.insertMessage.run(m.id, m.roomId, seq, m.ts, m.authorId, m.name, m.avatarId, m.type, m.text, m.authorKey ?? null, m.clientMsgId ?? null);
    // Only after the insert succeeded: a failed one leaves its room as it was.
    const message = storedMessage(m, seq);
    const room = roomAfter(before.room, message);
    tallies.set(m.roomId, { room, lastSeq: seq });
    return { message, room };
  };

  const writeTallies = (tallies: Tallies): void => {
    for (const { room, lastSeq } of tallies.values()) stmts.setRoomTally.run(room.messageCount, lastSeq, room.lastMessageTs, room.id);
  };

  // The common case: every message of the batch is fine, one transaction
  // and no savepoints (a SAVEPOINT per message roughly doubles the cost).
  const appendAll = db.transaction((batch: readonly NewMessage[]): Outcome<AppendResult>[] => {
    const tallies: Tallies = new Map();
    const outcomes = batch.map((m): Outcome<AppendResult> => ({ ok: true, value: insertOne(m, tallies) }));
    writeTallies(tallies);
    return outcomes;
  });

  // After appendAll rolled back: each message in its own SAVEPOINT (a nested
  // transaction function), so a failing one (missing room, duplicate id)
  // undoes only its own insert and the rest of the batch still commits.
  const insertIsolated = db.transaction(insertOne);

  const appendEach = db.transaction((batch: readonly NewMessage[]): Outcome<AppendResult>[] => {
    const tallies: Tallies = new Map();
    const outcomes = batch.map((m): Outcome<AppendResult> => {
      try {
        return { ok: true, value: insertIsolated(m, tallies) };
      } catch (error) {
        // A statement error that aborted the whole transaction (I/O, disk
        // full) is not this message's fault: fail the batch.
        if (!db.inTransaction) throw error;
        return { ok: false, error };
      }
    });
    writeTallies(tallies);
    return outcomes;
  });

  const queue = createAppendQueue<NewMessage, AppendResult>({
    // IMMEDIATE takes the write lock up front, so waiting for another
    // connection goes through busy_timeout instead of failing mid-way.
    writeBatch: (batch) => {
      try {
        let outcomes: Outcome<AppendResult>[];
        try {
          outcomes = appendAll.immediate(batch);
        } catch (e) {
          // A lock or I/O error is the batch's, not a message's: retrying
          // would only wait out busy_timeout a second time.
          if (!isMessageError(e)) throw e;
          // Rolled back as a whole; sort out which messages fail.
          outcomes = appendEach.immediate(batch);
        }
        writeHealth.succeeded();
        log('debug', 'sqlite append batch committed', {
          batchSize: batch.length,
          failed: outcomes.filter((o) => !o.ok).length,
        });
        return outcomes;
      } catch (e) {
        writeHealth.failed(e, performance.now());
        log('warn', 'sqlite append batch failed', { batchSize: batch.length, err: String(e) });
        throw e;
      }
    },
    maxBatchSize: MAX_BATCH_SIZE,
  });

  /** Runs a synchronous read or write as a promise; rejects after close. */
  const run = async <T>(fn: () => T): Promise<T> => {
    if (closed) throw new Error('SQLite store is closed');
    return fn();
  };

  return {
    listRooms: () => run(() => stmts.listRooms.all().map(toRoom)),
    getRoom: (id) =>
      run(() => {
        const row = stmts.getRoom.get(id);
        return row && toRoom(row);
      }),
    createRoom: (room) =>
      run(() => {
        // Synchronous, so no other call interleaves between insert and read;
        // ON CONFLICT also covers another process creating it first.
        const created = stmts.insertRoom.run(room).changes === 1;
        const row = stmts.getRoom.get(room.id);
        if (row === undefined) throw new Error(`room "${room.id}" vanished right after insert`);
        return { room: toRoom(row), created };
      }),
    // Synchronous, so it runs between append batches, never inside one.
    removeEmptyRooms: (createdBefore, keep) =>
      run(() => stmts.removeEmptyRooms.all(createdBefore, JSON.stringify(keep)).map((r) => r.id)),
    appendMessage: (message) => {
      if (closed) return Promise.reject(new Error('SQLite store is closed'));
      return queue.enqueue(message);
    },
    recentMessages: (roomId, limit) => run(() => stmts.recentMessages.all(roomId, limit).map((r) => toMessage(roomId, r)).reverse()),
    messagesAfter: (roomId, afterSeq, limit) =>
      run(() => stmts.messagesAfter.all(roomId, afterSeq, limit).map((r) => toMessage(roomId, r))),
    messagesPage: (roomId, query) => run(() => extensions.messagesPage(roomId, query)),
    deleteMessage: (roomId, messageId, authorKey) => run(() => extensions.deleteMessage(roomId, messageId, authorKey)),
    react: (change) => run(() => extensions.react(change)),
    reactionCounts: (roomId, messageIds) => run(() => extensions.reactionCounts(roomId, messageIds)),
    addBan: (ban) => run(() => moderation.addBan(ban)),
    liftBan: (id) => run(() => moderation.liftBan(id)),
    activeBans: (now) => run(() => moderation.activeBans(now)),
    // Synchronous, so it runs between append batches, never inside one.
    deleteRoom: (roomId) => run(() => moderation.deleteRoom(roomId)),
    check: () =>
      run(() => {
        writeHealth.assertWritable(performance.now());
        // Its own transaction, through the connection the appends use: it
        // fails as they would (disk full, read-only file, lock held past
        // busy_timeout), so /healthz stops answering 200 when writes fail.
        if (stmts.check.run(Date.now()).changes !== 1) throw new Error('SQLite health row is missing');
      }),
    close() {
      closing ??= (async () => {
        closed = true;
        try {
          // Every queued append is written (or rejected) before the file closes.
          queue.drain();
        } finally {
          // Its last checkpoint runs while this connection is still open, so
          // closing here finds an empty WAL and has nothing left to copy.
          await checkpointer?.close();
          db.close();
        }
      })();
      return closing;
    },
  };
}
