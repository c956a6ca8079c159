import type { ChatStore, Log } from '@rgchat/chat-core';
import { newMessage } from '@rgchat/testkit';
import { openPostgresStore, SCHEMA_VERSION } from '../src';
import { migrations } from '../src/migrations';
import { describePostgres, dropSchema, freshSchema, RUN_ID, urlFor, withAdmin } from './pg-test-env';

const url = urlFor(`${RUN_ID}_last_seq`);

// Issue #11: seq comes from the room's own counter (rooms.last_seq), apart
// from the visible message_count, and a schema of the previous version (3)
// gets that counter in place.
describePostgres('postgres rooms.last_seq', () => {
  let schema: string;
  const open: ChatStore[] = [];
  beforeEach(() => {
    schema = freshSchema();
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    await dropSchema(schema);
  });
  const openStore = async (log?: Log) => {
    const s = await openPostgresStore({ url, schema, poolSize: 3, ...(log ? { log } : {}) });
    open.push(s);
    return s;
  };
  const q = (text: string) => text.replace(/§/g, `"${schema}"`);

  test('a version 3 schema is upgraded in place: each room counts on from its highest seq', async () => {
    await withAdmin(async (c) => {
      const s = `"${schema}"`;
      await c.query(`CREATE SCHEMA ${s}`);
      await c.query(`CREATE TABLE ${s}.schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
      for (const m of migrations.filter((x) => x.version <= 3)) {
        await c.query(m.sql(s));
        await c.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      }
      await c.query(q(`INSERT INTO §.rooms (id, name, created_at, last_message_ts, message_count) VALUES ('busy', 'busy', 1, 103, 3), ('quiet', 'quiet', 1, NULL, 0)`));
      for (let seq = 1; seq <= 3; seq++) {
        await c.query(
          q(`INSERT INTO §.messages (id, room_id, seq, ts, author_id, name, avatar_id, type, text)
             VALUES ($1, 'busy', $2, $3, 'conn_1', 'alice', 3, 'message', $4)`),
          [`busy-${seq}`, seq, 100 + seq, `busy ${seq}`],
        );
      }
    });
    const entries: Array<{ msg: string; fields: Record<string, unknown> | undefined }> = [];
    const store = await openStore((_level, msg, fields) => void entries.push({ msg, fields }));
    expect(entries).toContainEqual({ msg: 'postgres schema migrated', fields: expect.objectContaining({ applied: migrations.filter((m) => m.version > 3).map((m) => m.version), version: SCHEMA_VERSION }) });
    const counters = await withAdmin((c) => c.query(q('SELECT id, last_seq::int AS last_seq FROM §.rooms ORDER BY id')));
    expect(counters.rows).toEqual([
      { id: 'busy', last_seq: 3 },
      { id: 'quiet', last_seq: 0 },
    ]);
    expect(await store.getRoom('busy')).toEqual({ id: 'busy', name: 'busy', createdAt: 1, messageCount: 3, lastMessageTs: 103 });
    expect((await store.appendMessage(newMessage('busy'))).message.seq).toBe(4);
    expect((await store.appendMessage(newMessage('quiet'))).message.seq).toBe(1);
    expect((await store.recentMessages('busy', 10)).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  test('seq follows last_seq, not message_count: a lower count (as a delete leaves it) never reuses a seq', async () => {
    const store = await openStore();
    await store.createRoom({ id: 'r', name: 'r', createdAt: 1 });
    for (let i = 0; i < 3; i++) await store.appendMessage(newMessage('r'));
    // What a deletion does to the room row (a later part of issue #11): the count drops, the counter stays.
    await withAdmin(async (c) => {
      await c.query(q("DELETE FROM §.messages WHERE room_id = 'r' AND seq = 3"));
      await c.query(q("UPDATE §.rooms SET message_count = message_count - 1 WHERE id = 'r'"));
    });
    const next = await store.appendMessage(newMessage('r'));
    expect(next.message.seq).toBe(4);
    expect(next.room.messageCount).toBe(3);
    // One group of two in one statement: each gets its own seq and the count right after it.
    const [a, b] = await Promise.all([store.appendMessage(newMessage('r')), store.appendMessage(newMessage('r'))]);
    expect([a.message.seq, b.message.seq]).toEqual([5, 6]);
    expect([a.room.messageCount, b.room.messageCount]).toEqual([4, 5]);
    expect(await store.getRoom('r')).toMatchObject({ messageCount: 5 });
  });

  test('an instance of the previous release appending meanwhile (count bumped, counter not) does not make seqs collide', async () => {
    const store = await openStore();
    await store.createRoom({ id: 'r', name: 'r', createdAt: 1 });
    await store.appendMessage(newMessage('r'));
    // What the release before migration 4 does: seq = message_count + 1, last_seq untouched.
    await withAdmin(async (c) => {
      await c.query(q("UPDATE §.rooms SET message_count = 2 WHERE id = 'r'"));
      await c.query(
        q(`INSERT INTO §.messages (id, room_id, seq, ts, author_id, name, avatar_id, type, text) VALUES ('old-2', 'r', 2, 5, 'c', 'n', 1, 'message', 'old')`),
      );
    });
    expect((await store.appendMessage(newMessage('r'))).message.seq).toBe(3);
  });
});
