import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { ErrorCode, type ChatStore } from '@rgchat/chat-core';
import { createRecordingLog, newMessage, waitUntil } from '@rgchat/testkit';
import { openSqliteStore, SCHEMA_VERSION } from '../src';
import { migrate, migrations } from '../src/migrations';
import { historySql } from '../src/statements';

/** Log entries a store wrote, for asserting on what it did. */
function recordingLog() {
  const { log, entries } = createRecordingLog();
  const batches = () =>
    entries.filter((e) => e.msg === 'sqlite append batch committed').map((e) => e.fields as { batchSize: number; failed: number });
  return { log, entries, batches };
}

describe('sqlite store', () => {
  let dir: string;
  let path: string;
  const toClose: { close(): unknown }[] = [];
  const track = <T extends { close(): unknown }>(x: T): T => {
    toClose.push(x);
    return x;
  };
  /** A second, independent connection to the same file, as another process would have. */
  const otherConnection = () => track(new Sqlite(path));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rgchat-sqlite-'));
    path = join(dir, 'nested', 'deeper', 'chat.db');
  });
  afterEach(async () => {
    for (const x of toClose.splice(0).reverse()) await x.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('open and migrations', () => {
    test('creates the directory, enables WAL and sets user_version', async () => {
      const { log, entries } = recordingLog();
      track(await openSqliteStore({ path, log }));
      expect(existsSync(path)).toBe(true);
      const other = otherConnection();
      // journal_mode=WAL is persistent in the file, so another connection sees it.
      expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(other.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(1);
      // A new file gets the store's smaller page (see NEW_DATABASE_PAGE_SIZE_BYTES).
      expect(other.pragma('page_size', { simple: true })).toBe(1024);
      expect(entries).toContainEqual(expect.objectContaining({ level: 'info', msg: 'sqlite schema migrated' }));
      const indexes = other.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").pluck().all();
      expect(indexes).toEqual(['messages_room_seq', 'messages_client_msg', 'bans_expires_at']);
    });

    test('history reads use the (room_id, seq) index', async () => {
      track(await openSqliteStore({ path }));
      const other = otherConnection();
      const plan = (sql: string, ...params: unknown[]) =>
        other
          .prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .all(...params)
          .map((r) => (r as { detail: string }).detail)
          .join('\n');
      // Index range scans, and no temp B-tree: the index already yields seq order.
      const recent = plan(historySql.recentMessages, 'r', 5);
      expect(recent).toMatch(/USING INDEX messages_room_seq \(room_id=\?\)/);
      expect(recent).not.toMatch(/TEMP B-TREE/);
      const after = plan(historySql.messagesAfter, 'r', 5, 5);
      expect(after).toMatch(/USING INDEX messages_room_seq \(room_id=\? AND seq>\?\)/);
      expect(after).not.toMatch(/TEMP B-TREE/);
    });

    test('re-opening migrates nothing and keeps the data', async () => {
      const first = await openSqliteStore({ path });
      await first.createRoom({ id: 'r', name: 'R', createdAt: 1 });
      await first.appendMessage(newMessage('r'));
      await first.close();

      const { log, entries } = recordingLog();
      const again = track(await openSqliteStore({ path, log }));
      expect(entries.filter((e) => e.msg === 'sqlite schema migrated')).toEqual([]);
      expect(await again.getRoom('r')).toMatchObject({ messageCount: 1 });

      const other = otherConnection();
      expect(migrate(other, path)).toEqual([]);
      expect(other.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    });

    test('a version 1 database is upgraded in place and keeps its rooms and messages', async () => {
      const { mkdirSync } = await import('node:fs');
      const { dirname } = await import('node:path');
      mkdirSync(dirname(path), { recursive: true });
      const v1 = new Sqlite(path);
      v1.exec(migrations.find((m) => m.version === 1)!.sql);
      v1.pragma('user_version = 1');
      v1.prepare('INSERT INTO rooms (id, name, created_at, last_message_ts, message_count) VALUES (?, ?, ?, ?, ?)').run('old', 'Old', 1, 5, 1);
      v1.prepare(
        'INSERT INTO messages (id, room_id, seq, ts, author_id, name, avatar_id, type, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ).run('m1', 'old', 1, 5, 'conn_1', 'alice', 3, 'message', 'from v1');
      v1.close();

      const { log, entries } = recordingLog();
      const store = track(await openSqliteStore({ path, log }));
      expect(entries).toContainEqual(expect.objectContaining({ msg: 'sqlite schema migrated', fields: expect.objectContaining({ applied: migrations.filter((m) => m.version > 1).map((m) => m.version) }) }));
      expect(await store.getRoom('old')).toEqual({ id: 'old', name: 'Old', createdAt: 1, messageCount: 1, lastMessageTs: 5 });
      expect((await store.recentMessages('old', 10)).map((m) => m.text)).toEqual(['from v1']);
      const appended = await store.appendMessage(newMessage('old'));
      expect(appended.message.seq).toBe(2);
      const other = otherConnection();
      expect(other.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(other.prepare("SELECT name FROM sqlite_master WHERE name = 'rooms_last_message_ts'").all()).toEqual([]);
      // An existing file keeps the page size it was created with.
      expect(other.pragma('page_size', { simple: true })).toBe(4096);
    });

    test('refuses a database written by a newer schema, and leaves it alone', async () => {
      await (await openSqliteStore({ path })).close();
      const other = otherConnection();
      other.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      await expect(openSqliteStore({ path })).rejects.toThrow(/newer than this rgchat supports/);
      expect(other.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    });

    test('CHECK(type) and UNIQUE(room_id, seq) guard the message table', async () => {
      track(await openSqliteStore({ path }));
      const other = otherConnection();
      other.prepare("INSERT INTO rooms (id, name, created_at) VALUES ('r', 'r', 1)").run();
      const insert = other.prepare(
        "INSERT INTO messages (id, room_id, seq, ts, author_id, name, avatar_id, type, text) VALUES (?, 'r', ?, 1, 'a', 'n', 0, ?, 't')",
      );
      insert.run('m1', 1, 'emote');
      expect(() => insert.run('m2', 2, 'shout')).toThrow(/CHECK constraint/);
      expect(() => insert.run('m3', 1, 'message')).toThrow(/UNIQUE constraint/);
    });
  });

  describe('group commit', () => {
    test('same-turn appends share one transaction; each gets its own seq and result', async () => {
      const { log, batches } = recordingLog();
      const store = track(await openSqliteStore({ path, log }));
      await store.createRoom({ id: 'a', name: 'a', createdAt: 1 });
      await store.createRoom({ id: 'b', name: 'b', createdAt: 1 });
      const reader = otherConnection();
      const committed = reader.prepare('SELECT count(*) FROM messages WHERE id = ?').pluck();

      const seenCommitted: boolean[] = [];
      const appends = Array.from({ length: 100 }, (_, i) =>
        store.appendMessage(newMessage(i % 2 === 0 ? 'a' : 'b', { text: `t${i}` })).then((r) => {
          // Read through another connection: only committed data is visible there.
          seenCommitted.push(committed.get(r.message.id) === 1);
          return r;
        }),
      );
      const ghost = store.appendMessage(newMessage('ghost'));
      const results = await Promise.all(appends);
      await expect(ghost).rejects.toMatchObject({ code: ErrorCode.ROOM_NOT_FOUND });

      expect(batches()).toEqual([{ batchSize: 101, failed: 1 }]);
      expect(seenCommitted).toEqual(Array(100).fill(true));
      const seqs = (room: string) => results.filter((r) => r.message.roomId === room).map((r) => r.message.seq);
      expect(seqs('a')).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(seqs('b')).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      // Each result carries the room as it was right after that message.
      for (const r of results) expect(r.room).toMatchObject({ id: r.message.roomId, messageCount: r.message.seq, lastMessageTs: r.message.ts });
      expect(await store.getRoom('ghost')).toBeUndefined();
      // The rooms rows hold each room's last message of the batch.
      const lastOf = (room: string) => results.filter((r) => r.message.roomId === room).at(-1)!.message;
      for (const id of ['a', 'b']) {
        const row = reader.prepare('SELECT message_count AS messageCount, last_message_ts AS lastMessageTs FROM rooms WHERE id = ?').get(id);
        expect(row).toEqual({ messageCount: 50, lastMessageTs: lastOf(id).ts });
      }
    });

    test('a failing message in a batch undoes only itself: no seq gap, the rest commit', async () => {
      const store = track(await openSqliteStore({ path }));
      await store.createRoom({ id: 'r', name: 'r', createdAt: 1 });
      const first = newMessage('r');
      await store.appendMessage(first);
      const [a, dup, b] = await Promise.allSettled([
        store.appendMessage(newMessage('r', { text: 'a' })),
        store.appendMessage(newMessage('r', { id: first.id })),
        store.appendMessage(newMessage('r', { text: 'b' })),
      ]);
      expect(dup.status).toBe('rejected');
      expect(a).toMatchObject({ status: 'fulfilled', value: { message: { seq: 2, text: 'a' } } });
      expect(b).toMatchObject({ status: 'fulfilled', value: { message: { seq: 3, text: 'b' } } });
      expect(await store.getRoom('r')).toMatchObject({ messageCount: 3 });
      expect((await store.recentMessages('r', 10)).map((m) => m.seq)).toEqual([1, 2, 3]);
    });

    test('a burst larger than one batch is split, and nothing is lost', async () => {
      const { log, batches } = recordingLog();
      const store = track(await openSqliteStore({ path, log }));
      await store.createRoom({ id: 'r', name: 'r', createdAt: 1 });
      const results = await Promise.all(Array.from({ length: 600 }, () => store.appendMessage(newMessage('r'))));
      expect(results.map((r) => r.message.seq)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
      const sizes = batches().map((b) => b.batchSize);
      expect(sizes.reduce((x, y) => x + y, 0)).toBe(600);
      expect(sizes.length).toBeGreaterThan(1);
      expect(sizes.length).toBeLessThan(10);
    });
  });

  describe('locks', () => {
    test('a write blocked by another connection rejects promptly, reads go on, and writes resume after', async () => {
      const store = track(await openSqliteStore({ path, busyTimeoutMs: 100 }));
      await store.createRoom({ id: 'r', name: 'r', createdAt: 1 });
      await store.appendMessage(newMessage('r'));
      const other = otherConnection();
      other.exec('BEGIN EXCLUSIVE');
      try {
        const started = Date.now();
        await expect(store.appendMessage(newMessage('r'))).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
        await expect(store.createRoom({ id: 'x', name: 'x', createdAt: 1 })).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
        // A hang guard, not a performance bound: busy_timeout is 100 ms.
        expect(Date.now() - started).toBeLessThan(10_000);
        // WAL: readers are not blocked by a writer.
        expect(await store.recentMessages('r', 10)).toHaveLength(1);
        // The health check commits a write and reports a failed append (issue #10), so it fails as appends do.
        await expect(store.check()).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
      } finally {
        other.exec('ROLLBACK');
      }
      const next = await store.appendMessage(newMessage('r'));
      expect(next.message.seq).toBe(2);
      await expect(store.check()).resolves.toBeUndefined();
      expect(await store.getRoom('r')).toMatchObject({ messageCount: 2 });
      expect((await store.createRoom({ id: 'x', name: 'x', createdAt: 1 })).created).toBe(true);
    });

    test('two stores on one file create a room once', async () => {
      const one = track(await openSqliteStore({ path }));
      const two = track(await openSqliteStore({ path }));
      const results = await Promise.all([
        one.createRoom({ id: 'same', name: 'one', createdAt: 1 }),
        two.createRoom({ id: 'same', name: 'two', createdAt: 2 }),
      ]);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(results[0]!.room).toEqual(results[1]!.room);
    });
  });

  describe('checkpoints', () => {
    const sizeOf = (file: string) => (existsSync(file) ? statSync(file).size : 0);
    async function fill(store: ChatStore, n: number) {
      await store.createRoom({ id: 'r', name: 'R', createdAt: 1 });
      await Promise.all(Array.from({ length: n }, () => store.appendMessage(newMessage('r'))));
    }

    test('a worker thread copies the WAL into the database file while the store is open', async () => {
      const { log, entries } = recordingLog();
      const store = track(await openSqliteStore({ path, log, checkpointIntervalMs: 50 }));
      const before = sizeOf(path);
      await fill(store, 400);
      // Nothing on the event loop checkpoints (wal_autocheckpoint = 0), so only the thread can grow the file.
      await waitUntil(() => sizeOf(path) > before + 4096 * 10, 'the database file grows by the checkpointed pages', 10_000);
      await store.close();
      // The last checkpoint ran at close: the data is in the database file itself.
      const other = otherConnection();
      other.pragma('journal_mode = DELETE');
      expect(other.prepare('SELECT count(*) FROM messages').pluck().get()).toBe(400);
      expect(entries.filter((e) => e.level === 'warn')).toEqual([]);
    });

    test('with the thread off, SQLite checkpoints only inside COMMIT once the WAL is large', async () => {
      const store = track(await openSqliteStore({ path, checkpointIntervalMs: 0 }));
      const before = sizeOf(path);
      await fill(store, 400);
      await new Promise((r) => setTimeout(r, 300));
      // 400 small messages stay well under the 1000-page automatic threshold.
      expect(sizeOf(path)).toBe(before);
      expect(sizeOf(`${path}-wal`)).toBeGreaterThan(0);
    });
  });

  describe('close', () => {
    test('flushes queued appends first, then rejects every call', async () => {
      let store: ChatStore = await openSqliteStore({ path });
      await store.createRoom({ id: 'r', name: 'r', createdAt: 1 });
      const pending = Array.from({ length: 10 }, (_, i) => store.appendMessage(newMessage('r', { text: `p${i}` })));
      const ghost = store.appendMessage(newMessage('ghost'));
      await store.close();
      expect((await Promise.all(pending)).map((r) => r.message.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
      await expect(ghost).rejects.toMatchObject({ code: ErrorCode.ROOM_NOT_FOUND });

      await expect(store.close()).resolves.toBeUndefined();
      await expect(store.check()).rejects.toThrow(/closed/);
      await expect(store.appendMessage(newMessage('r'))).rejects.toThrow(/closed/);
      await expect(store.listRooms()).rejects.toThrow(/closed/);
      await expect(store.recentMessages('r', 10)).rejects.toThrow(/closed/);

      store = track(await openSqliteStore({ path }));
      expect(await store.getRoom('r')).toMatchObject({ messageCount: 10 });
    });
  });
});
