import type { ChatStore, Log } from '@rgchat/chat-core';
import { newMessage } from '@rgchat/testkit';
import { openPostgresStore, SCHEMA_VERSION } from '../src';
import { migrations } from '../src/migrations';
import { describePostgres, dropSchema, freshSchema, RUN_ID, urlFor, withAdmin } from './pg-test-env';

const url = urlFor(`${RUN_ID}_ext_upgrade`);

// Issue #11 (acks, delete, reactions): a schema of the version before them
// (4) is upgraded in place and keeps working.
describePostgres('postgres upgrade from version 4 to the extensions schema', () => {
  let schema: string;
  const open: ChatStore[] = [];
  beforeEach(() => {
    schema = freshSchema();
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    await dropSchema(schema);
  });

  test('rooms and messages stay; old messages can be reacted to but not deleted; new ones get every extension', async () => {
    const s = `"${schema}"`;
    await withAdmin(async (c) => {
      await c.query(`CREATE SCHEMA ${s}`);
      await c.query(`CREATE TABLE ${s}.schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
      for (const m of migrations.filter((x) => x.version <= 4)) {
        await c.query(m.sql(s));
        await c.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      }
      await c.query(`INSERT INTO ${s}.rooms (id, name, created_at, last_message_ts, message_count, last_seq) VALUES ('old', 'Old', 1, 102, 2, 2)`);
      for (const [id, seq, text] of [['old-1', 1, 'one'], ['old-2', 2, 'two']] as const) {
        await c.query(
          `INSERT INTO ${s}.messages (id, room_id, seq, ts, author_id, name, avatar_id, type, text) VALUES ($1, 'old', $2, $3, 'conn_1', 'alice', 3, 'message', $4)`,
          [id, seq, 100 + seq, text],
        );
      }
    });
    const entries: Array<{ msg: string; fields: Record<string, unknown> | undefined }> = [];
    const log: Log = (_level, m, fields) => void entries.push({ msg: m, fields });
    const store = await openPostgresStore({ url, schema, poolSize: 3, log });
    open.push(store);
    expect(entries).toContainEqual({
      msg: 'postgres schema migrated',
      fields: expect.objectContaining({ applied: migrations.filter((m) => m.version > 4).map((m) => m.version), version: SCHEMA_VERSION }),
    });
    expect((await store.recentMessages('old', 10)).map((m) => [m.seq, m.text])).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
    expect(await store.deleteMessage('old', 'old-1', 'usr_alice')).toEqual({ kind: 'forbidden' });
    expect(await store.react({ roomId: 'old', messageId: 'old-1', emoji: '👍', userKey: 'usr_a', on: true, ts: 5, maxEmoji: 20 })).toEqual({ kind: 'changed', count: 1 });
    const keyed = newMessage('old', { authorKey: 'usr_alice', clientMsgId: 'c-1' });
    const stored = await store.appendMessage(keyed);
    expect(stored.message.seq).toBe(3);
    expect((await store.appendMessage(keyed)).duplicate).toBe(true);
    expect((await store.deleteMessage('old', stored.message.id, 'usr_alice')).kind).toBe('deleted');
    expect(await store.getRoom('old')).toMatchObject({ messageCount: 2 });
  });
});
