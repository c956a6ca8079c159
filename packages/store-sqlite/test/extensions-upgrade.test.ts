import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Sqlite from 'better-sqlite3';
import type { ChatStore, Log } from '@rgchat/chat-core';
import { newMessage } from '@rgchat/testkit';
import { openSqliteStore, SCHEMA_VERSION } from '../src';
import { migrations } from '../src/migrations';

// Issue #11 (acks, delete, reactions): a database of the schema before them
// (version 4) is upgraded in place and keeps working.
describe('sqlite upgrade from version 4 to the extensions schema', () => {
  let dir: string;
  let path: string;
  const open: ChatStore[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rgchat-ext-upgrade-'));
    path = join(dir, 'chat.db');
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('rooms and messages stay; old messages can be reacted to but not deleted; new ones get every extension', async () => {
    mkdirSync(dirname(path), { recursive: true });
    const db = new Sqlite(path);
    for (const m of migrations.filter((x) => x.version <= 4)) db.exec(m.sql);
    db.pragma('user_version = 4');
    db.prepare("INSERT INTO rooms (id, name, created_at, last_message_ts, message_count, last_seq) VALUES ('old', 'Old', 1, 102, 2, 2)").run();
    const msg = db.prepare("INSERT INTO messages (id, room_id, seq, ts, author_id, name, avatar_id, type, text) VALUES (?, 'old', ?, ?, 'conn_1', 'alice', 3, 'message', ?)");
    msg.run('old-1', 1, 101, 'one');
    msg.run('old-2', 2, 102, 'two');
    db.close();

    const entries: Array<{ msg: string; fields: Record<string, unknown> | undefined }> = [];
    const log: Log = (_level, m, fields) => void entries.push({ msg: m, fields });
    const store = await openSqliteStore({ path, log });
    open.push(store);
    expect(entries).toContainEqual({
      msg: 'sqlite schema migrated',
      fields: expect.objectContaining({ applied: migrations.filter((m) => m.version > 4).map((m) => m.version), version: SCHEMA_VERSION }),
    });
    expect((await store.recentMessages('old', 10)).map((m) => [m.seq, m.text])).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
    // No author key was stored before: nobody may delete these.
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
