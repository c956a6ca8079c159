import { createServer } from 'node:net';
import { ErrorCode, type AppendResult, type ChatStore, type Log } from '@rgchat/chat-core';
import { createRecordingLog, newMessage } from '@rgchat/testkit';
import { openPostgresStore, SCHEMA_VERSION } from '../src';
import { migrations } from '../src/migrations';
import { appendParams, statementsFor } from '../src/statements';
import { countBackends, describePostgres, dropSchema, freshSchema, RUN_ID, settleTimed, urlFor, withAdmin } from './pg-test-env';

/** Log entries a store wrote, for asserting on what it did. */
function recordingLog() {
  const { log, entries } = createRecordingLog();
  /** One entry per committed append statement. */
  const statements = () => entries.filter((e) => e.msg === 'postgres append committed').map((e) => e.fields as { rooms: number; messages: number });
  return { log, entries, statements };
}

const APP = `${RUN_ID}_store`;
const url = urlFor(APP);

describePostgres('postgres store', () => {
  let schema: string;
  const toClose: ChatStore[] = [];
  const open = async (extra: { log?: Log; poolSize?: number } = {}) => {
    const store = await openPostgresStore({ url, schema, poolSize: 3, ...extra });
    toClose.push(store);
    return store;
  };

  beforeEach(() => {
    schema = freshSchema();
  });
  afterEach(async () => {
    for (const s of toClose.splice(0).reverse()) await s.close();
    await dropSchema(schema);
  });

  describe('open and migrations', () => {
    test('creates the schema, tables, constraints and indexes, and records the version', async () => {
      const { log, entries } = recordingLog();
      await open({ log });
      expect(entries).toContainEqual(expect.objectContaining({ level: 'info', msg: 'postgres schema migrated' }));
      await withAdmin(async (c) => {
        const versions = await c.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
        expect(versions.rows).toEqual(migrations.map((m) => ({ version: m.version })));
        expect(versions.rows.at(-1)).toEqual({ version: SCHEMA_VERSION });
        const idx = await c.query('SELECT indexname FROM pg_indexes WHERE schemaname = $1', [schema]);
        // rooms_last_message_ts is gone, as in SQLite (migration 2 in both).
        expect(idx.rows.map((r: { indexname: string }) => r.indexname).sort()).toEqual(
          ['bans_expires_at', 'bans_pkey', 'health_pkey', 'messages_client_msg', 'messages_pkey', 'messages_room_seq', 'reactions_pkey', 'rooms_pkey', 'schema_migrations_pkey'],
        );
        const types = await c.query(
          `SELECT table_name, column_name, data_type FROM information_schema.columns
            WHERE table_schema = $1 AND data_type = 'bigint' ORDER BY 1, 2`,
          [schema],
        );
        expect(types.rows.map((r: { table_name: string; column_name: string }) => `${r.table_name}.${r.column_name}`)).toEqual([
          'bans.created_at',
          'bans.expires_at',
          'health.checked_at',
          'messages.avatar_id',
          'messages.seq',
          'messages.ts',
          'reactions.ts',
          'rooms.created_at',
          'rooms.last_message_ts',
          'rooms.last_seq',
          'rooms.message_count',
        ]);
      });
    });

    test('two instances opening a fresh schema at once both succeed and migrate once', async () => {
      const a = recordingLog();
      const b = recordingLog();
      const results = await Promise.allSettled([open({ log: a.log }), open({ log: b.log }), open()]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      const migrated = [...a.entries, ...b.entries].filter((e) => e.msg === 'postgres schema migrated');
      expect(migrated.length).toBeLessThanOrEqual(1);
      await withAdmin(async (c) => {
        const versions = await c.query(`SELECT version FROM "${schema}".schema_migrations`);
        expect(versions.rowCount).toBe(migrations.length);
      });
    });

    test('a version 1 schema is upgraded in place and keeps its rooms and messages', async () => {
      const v1 = migrations.find((m) => m.version === 1)!;
      const s = `"${schema}"`;
      // Exactly what the release with one migration left behind.
      await withAdmin(async (c) => {
        await c.query(`CREATE SCHEMA ${s}`);
        await c.query(`CREATE TABLE ${s}.schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
        await c.query(v1.sql(s));
        await c.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES (1, $1)`, [v1.name]);
        await c.query(`INSERT INTO ${s}.rooms (id, name, created_at, last_message_ts, message_count) VALUES ('old', 'Old', 1, 5, 1)`);
        await c.query(
          `INSERT INTO ${s}.messages (id, room_id, seq, ts, author_id, name, avatar_id, type, text)
           VALUES ('m1', 'old', 1, 5, 'conn_1', 'alice', 3, 'message', 'from v1')`,
        );
        const before = await c.query('SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND indexname = $2', [schema, 'rooms_last_message_ts']);
        expect(before.rowCount).toBe(1);
      });

      const { log, entries } = recordingLog();
      const store = await open({ log });
      expect(entries).toContainEqual(
        expect.objectContaining({ msg: 'postgres schema migrated', fields: expect.objectContaining({ applied: migrations.filter((m) => m.version > 1).map((m) => m.version), version: SCHEMA_VERSION }) }),
      );
      expect(await store.getRoom('old')).toEqual({ id: 'old', name: 'Old', createdAt: 1, messageCount: 1, lastMessageTs: 5 });
      expect((await store.recentMessages('old', 10)).map((m) => m.text)).toEqual(['from v1']);
      expect((await store.appendMessage(newMessage('old'))).message.seq).toBe(2);
      // Migration 3's health row is there: the check's committed update finds it.
      await expect(store.check()).resolves.toBeUndefined();
      await withAdmin(async (c) => {
        const after = await c.query('SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND indexname = $2', [schema, 'rooms_last_message_ts']);
        expect(after.rowCount).toBe(0);
        const versions = await c.query(`SELECT version FROM ${s}.schema_migrations ORDER BY version`);
        expect(versions.rows.map((r: { version: number }) => r.version)).toEqual(migrations.map((m) => m.version));
      });
    });

    test('a schema written by a newer rgchat is refused, leaving no connection behind', async () => {
      const first = await open();
      await first.close();
      await withAdmin((c) => c.query(`INSERT INTO "${schema}".schema_migrations (version, name) VALUES (999, 'future')`));
      await expect(open()).rejects.toThrow(/newer than this rgchat supports/);
      expect(await countBackends(APP)).toBe(0);
    });

    test('bad options are refused before any I/O', async () => {
      await expect(openPostgresStore({ url: 'mysql://x', schema })).rejects.toThrow(RangeError);
      await expect(openPostgresStore({ url, schema: '' })).rejects.toThrow(RangeError);
      await expect(openPostgresStore({ url, schema, poolSize: 0 })).rejects.toThrow(RangeError);
    });

    test('an unreachable server makes open reject within the connect timeout', async () => {
      // A port that was free a moment ago: nothing listens there.
      const port = await new Promise<number>((resolve) => {
        const s = createServer();
        s.listen(0, '127.0.0.1', () => {
          const p = (s.address() as { port: number }).port;
          s.close(() => resolve(p));
        });
      });
      const r = await settleTimed(openPostgresStore({ url: `postgres://postgres@127.0.0.1:${port}/test`, schema, connectTimeoutMs: 1000 }));
      expect(r.ok).toBe(false);
      expect(r.ms).toBeLessThan(5000);
    });
  });

  describe('writes', () => {
    test('two instances writing one room concurrently get gapless, distinct seqs and an exact count', async () => {
      const a = await open({ poolSize: 4 });
      const b = await open({ poolSize: 4 });
      await a.createRoom({ id: 'shared', name: 'Shared', createdAt: 1 });
      await b.createRoom({ id: 'side', name: 'Side', createdAt: 1 });
      const perInstance = 150;
      const write = (store: ChatStore, tag: string) =>
        Array.from({ length: perInstance }, async (_, i) => {
          // Spread over several turns so groups of both instances interleave.
          if (i % 25 === 0) await new Promise((r) => setImmediate(r));
          const room = i % 10 === 0 ? 'side' : 'shared';
          return store.appendMessage(newMessage(room, { text: `${tag}${i}`, ts: 1000 + i }));
        });
      const results = await Promise.all([...write(a, 'a'), ...write(b, 'b')]);
      for (const room of ['shared', 'side']) {
        const mine = results.filter((r) => r.message.roomId === room);
        const seqs = mine.map((r) => r.message.seq).sort((x, y) => x - y);
        expect(seqs).toEqual(Array.from({ length: mine.length }, (_, i) => i + 1));
        const stored = await a.messagesAfter(room, 0, 1000);
        expect(stored.map((m) => m.seq)).toEqual(seqs);
        // What each caller was told is exactly what was stored at that seq.
        const bySeq = new Map(stored.map((m) => [m.seq, m]));
        for (const r of mine) expect(bySeq.get(r.message.seq)).toEqual(r.message);
        expect((await b.getRoom(room))!.messageCount).toBe(mine.length);
      }
      expect(results).toHaveLength(2 * perInstance);
    });

    test('two instances appending to the same rooms at once, in opposite orders: nothing fails, every room stays gapless', async () => {
      const a = await open({ poolSize: 4 });
      const b = await open({ poolSize: 4 });
      const rooms = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];
      for (const id of rooms) await a.createRoom({ id, name: id, createdAt: 1 });
      // Each turn, each instance writes every room in one statement, a in id order and b in reverse.
      // A deadlock would fail a statement (40P01); the lock order itself is checked on the plan below.
      const turns = 30;
      const writes: Promise<AppendResult>[] = [];
      for (let t = 0; t < turns; t++) {
        for (const id of rooms) writes.push(a.appendMessage(newMessage(id, { text: `a${t}` })));
        for (const id of [...rooms].reverse()) writes.push(b.appendMessage(newMessage(id, { text: `b${t}` })));
        await new Promise((r) => setImmediate(r));
      }
      const settled = await Promise.allSettled(writes);
      expect(settled.filter((r) => r.status === 'rejected')).toEqual([]);
      for (const id of rooms) {
        const stored = await b.messagesAfter(id, 0, 1000);
        expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 2 * turns }, (_, i) => i + 1));
        expect((await a.getRoom(id))!.messageCount).toBe(2 * turns);
      }
    });

    test("a duplicate id in one room of a statement fails only that message; the other rooms' messages are stored", async () => {
      const store = await open();
      await store.createRoom({ id: 'x', name: 'x', createdAt: 1 });
      await store.createRoom({ id: 'y', name: 'y', createdAt: 1 });
      const first = await store.appendMessage(newMessage('x', { text: 'x0' }));
      const settled = await Promise.allSettled(
        [
          newMessage('y', { text: 'y1' }),
          newMessage('x', { text: 'x1' }),
          newMessage('x', { text: 'dup', id: first.message.id }),
          newMessage('y', { text: 'y2' }),
          newMessage('x', { text: 'x2' }),
        ].map((m) => store.appendMessage(m)),
      );
      expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({ code: '23505' });
      expect((await store.recentMessages('x', 10)).map((m) => [m.seq, m.text])).toEqual([
        [1, 'x0'],
        [2, 'x1'],
        [3, 'x2'],
      ]);
      expect((await store.recentMessages('y', 10)).map((m) => [m.seq, m.text])).toEqual([
        [1, 'y1'],
        [2, 'y2'],
      ]);
    });

    test('resends (acks) of several rooms in one write: one statement for what is new, originals answered as duplicates', async () => {
      const { log, statements } = recordingLog();
      const store = await open({ log });
      for (const id of ['ka', 'kb', 'kc']) await store.createRoom({ id, name: id, createdAt: 1 });
      const stored = await store.appendMessage(newMessage('ka', { text: 'first', authorKey: 'usr_1', clientMsgId: 'c1' }));
      const results = await Promise.all(
        [
          newMessage('ka', { text: 'resend', authorKey: 'usr_1', clientMsgId: 'c1' }),
          newMessage('ka', { text: 'new', authorKey: 'usr_1', clientMsgId: 'c2' }),
          newMessage('kb', { text: 'twice', authorKey: 'usr_2', clientMsgId: 'c1' }),
          newMessage('kb', { text: 'twice again', authorKey: 'usr_2', clientMsgId: 'c1' }),
          newMessage('kc', { text: 'plain' }),
        ].map((m) => store.appendMessage(m)),
      );
      // The resend is the stored original; a key twice in one write is stored once.
      expect(results[0]).toMatchObject({ duplicate: true, message: { id: stored.message.id, seq: 1, text: 'first' } });
      expect(results[1]).toMatchObject({ message: { seq: 2, text: 'new' } });
      expect(results[1]!.duplicate).toBeUndefined();
      expect(results[2]).toMatchObject({ message: { seq: 1, text: 'twice' } });
      expect(results[3]).toMatchObject({ duplicate: true, message: { id: results[2]!.message.id, seq: 1, text: 'twice' } });
      expect(results[4]).toMatchObject({ message: { roomId: 'kc', seq: 1 } });
      // After the first append's own statement: ONE statement for the three rooms' new messages.
      expect(statements()).toEqual([
        { rooms: 1, messages: 1 },
        { rooms: 3, messages: 3 },
      ]);
      expect((await store.recentMessages('kb', 10)).map((m) => m.text)).toEqual(['twice']);
      expect((await store.getRoom('ka'))!.messageCount).toBe(2);
    });

    test('rooms of one statement fail apart: a missing room fails only its own messages', async () => {
      const { log, statements } = recordingLog();
      const store = await open({ log });
      await store.createRoom({ id: 'here', name: 'Here', createdAt: 1 });
      const settled = await Promise.allSettled(
        [newMessage('here', { text: 'h1' }), newMessage('gone', { text: 'g1' }), newMessage('here', { text: 'h2' })].map((m) => store.appendMessage(m)),
      );
      expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ code: ErrorCode.ROOM_NOT_FOUND });
      expect(statements()).toEqual([{ rooms: 2, messages: 3 }]);
      expect((await store.recentMessages('here', 10)).map((m) => [m.seq, m.text])).toEqual([
        [1, 'h1'],
        [2, 'h2'],
      ]);
      expect(await store.getRoom('gone')).toBeUndefined();
    });

    test('a burst over two rooms costs one statement, not one per message or room, and each caller gets its own result', async () => {
      const { log, statements } = recordingLog();
      const store = await open({ log });
      await store.createRoom({ id: 'burst', name: 'Burst', createdAt: 1 });
      await store.createRoom({ id: 'other', name: 'Other', createdAt: 1 });
      const sent = Array.from({ length: 200 }, (_, i) => newMessage(i % 4 === 0 ? 'other' : 'burst', { ts: 5000 + i, text: `m${i}` }));
      const results = await Promise.all(sent.map((m) => store.appendMessage(m)));
      results.forEach((r, i) => {
        expect(r.message).toMatchObject({ id: sent[i]!.id, text: sent[i]!.text, roomId: sent[i]!.roomId });
        // The room as it was right after this message.
        expect(r.room).toMatchObject({ id: sent[i]!.roomId, messageCount: r.message.seq, lastMessageTs: sent[i]!.ts });
      });
      // Per room, enqueue order is seq order.
      const burstSeqs = results.filter((r) => r.message.roomId === 'burst').map((r) => r.message.seq);
      expect(burstSeqs).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
      // Enqueued in one turn: both rooms' groups went out in one statement.
      expect(statements()).toEqual([{ rooms: 2, messages: 200 }]);
      expect(await store.getRoom('burst')).toMatchObject({ messageCount: 150, lastMessageTs: 5000 + 199 });
    });

    test('a failing message in a burst rejects only its own promise; seqs stay gapless', async () => {
      const store = await open();
      await store.createRoom({ id: 'r', name: 'r', createdAt: 1 });
      const existing = await store.appendMessage(newMessage('r'));
      const burst = [
        newMessage('r', { text: 'ok1' }),
        newMessage('r', { text: 'dup', id: existing.message.id }),
        newMessage('ghost', { text: 'no room' }),
        newMessage('r', { text: 'ok2' }),
      ];
      const settled = await Promise.allSettled(burst.map((m) => store.appendMessage(m)));
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
      expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ code: '23505' });
      expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({ code: ErrorCode.ROOM_NOT_FOUND });
      const stored = await store.recentMessages('r', 10);
      expect(stored.map((m) => [m.seq, m.text])).toEqual([
        [1, existing.message.text],
        [2, 'ok1'],
        [3, 'ok2'],
      ]);
      expect(await store.getRoom('ghost')).toBeUndefined();
      expect((await store.getRoom('r'))!.messageCount).toBe(3);
    });

    test('close writes what was queued first, then rejects new calls', async () => {
      const store = await open();
      await store.createRoom({ id: 'q', name: 'q', createdAt: 1 });
      const pending = Array.from({ length: 20 }, (_, i) => store.appendMessage(newMessage('q', { text: `q${i}` })));
      await store.close();
      expect((await Promise.all(pending)).map((r) => r.message.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      await expect(store.appendMessage(newMessage('q'))).rejects.toThrow(/closed/);
      await expect(store.listRooms()).rejects.toThrow(/closed/);
      await expect(store.check()).rejects.toThrow(/closed/);
      const again = await open();
      expect((await again.getRoom('q'))!.messageCount).toBe(20);
    });
  });

  test('an append locks its rooms in id order before it updates them, so instances queue instead of deadlocking', async () => {
    await open();
    const sql = statementsFor(schema);
    await withAdmin(async (c) => {
      const params = appendParams([
        { key: 'b', items: [newMessage('b')] },
        { key: 'a', items: [newMessage('a')] },
      ]);
      const plan = await c.query(`EXPLAIN ${sql.appendToRooms}`, params);
      const text = plan.rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
      // The locking CTE: rows sorted by id, then locked one by one in that order.
      expect(text).toMatch(/CTE locked\s*\n\s*->\s+LockRows[^\n]*\n\s*->\s+Sort[^\n]*\n\s*Sort Key: r\.id\b/);
    });
  });

  test('history reads are index range scans on (room_id, seq)', async () => {
    await open();
    const sql = statementsFor(schema);
    await withAdmin(async (c) => {
      // Tiny tables would make a seq scan the cheapest plan; ask whether the index CAN serve it.
      await c.query('SET enable_seqscan = off');
      await c.query('SET enable_bitmapscan = off');
      for (const [sqlText, params] of [
        [sql.recentMessages, ['r', 500]],
        [sql.messagesAfter, ['r', 10, 500]],
      ] as const) {
        const plan = await c.query(`EXPLAIN ${sqlText}`, [...params]);
        const text = plan.rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
        expect(text).toMatch(/Index Scan( Backward)? using messages_room_seq/);
        // Rows come out of the index in order: no sort of the room's history.
        expect(text).not.toMatch(/Sort/);
      }
    });
  });
});
