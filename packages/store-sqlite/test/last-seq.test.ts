import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Sqlite from 'better-sqlite3';
import type { ChatStore, Log } from '@rgchat/chat-core';
import { newMessage } from '@rgchat/testkit';
import { openSqliteStore, SCHEMA_VERSION } from '../src';
import { migrations } from '../src/migrations';

// Issue #11: seq comes from the room's own counter (rooms.last_seq), apart
// from the visible message_count, and a database of the previous schema
// (version 3) gets that counter in place.
describe('sqlite rooms.last_seq', () => {
  let dir: string;
  let path: string;
  const open: ChatStore[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rgchat-last-seq-'));
    path = join(dir, 'chat.db');
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    await rm(dir, { recursive: true, force: true });
  });
  const openStore = async (log?: Log) => {
    const s = await openSqliteStore({ path, ...(log ? { log } : {}) });
    open.push(s);
    return s;
  };

  /** A file exactly as the release with schema version 3 left it, holding `rooms` with n messages each. */
  function writeVersion3(rooms: Record<string, number>): void {
    mkdirSync(dirname(path), { recursive: true });
    const db = new Sqlite(path);
    for (const m of migrations.filter((x) => x.version <= 3)) db.exec(m.sql);
    db.pragma('user_version = 3');
    const room = db.prepare('INSERT INTO rooms (id, name, created_at, last_message_ts, message_count) VALUES (?, ?, 1, ?, ?)');
    const msg = db.prepare(
      "INSERT INTO messages (id, room_id, seq, ts, author_id, name, avatar_id, type, text) VALUES (?, ?, ?, ?, 'conn_1', 'alice', 3, 'message', ?)",
    );
    for (const [id, n] of Object.entries(rooms)) {
      room.run(id, id, n === 0 ? null : 100 + n, n);
      for (let seq = 1; seq <= n; seq++) msg.run(`${id}-${seq}`, id, seq, 100 + seq, `${id} ${seq}`);
    }
    db.close();
  }

  test('a version 3 database is upgraded in place: each room counts on from its highest seq', async () => {
    writeVersion3({ busy: 3, quiet: 0 });
    const entries: Array<{ msg: string; fields: Record<string, unknown> | undefined }> = [];
    const store = await openStore((_level, msg, fields) => void entries.push({ msg, fields }));
    expect(entries).toContainEqual({ msg: 'sqlite schema migrated', fields: expect.objectContaining({ applied: migrations.filter((m) => m.version > 3).map((m) => m.version), version: SCHEMA_VERSION }) });
    const other = new Sqlite(path, { readonly: true });
    try {
      expect(other.prepare('SELECT id, last_seq FROM rooms ORDER BY id').all()).toEqual([
        { id: 'busy', last_seq: 3 },
        { id: 'quiet', last_seq: 0 },
      ]);
    } finally {
      other.close();
    }
    expect(await store.getRoom('busy')).toEqual({ id: 'busy', name: 'busy', createdAt: 1, messageCount: 3, lastMessageTs: 103 });
    expect((await store.appendMessage(newMessage('busy'))).message.seq).toBe(4);
    expect((await store.appendMessage(newMessage('quiet'))).message.seq).toBe(1);
    expect((await store.recentMessages('busy', 10)).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  test('seq follows last_seq, not message_count: a lower count (as a delete leaves it) never reuses a seq', async () => {
    const store = await openStore();
    await store.createRoom({ id: 'r', name: 'r', createdAt: 1 });
    for (let i = 0; i < 3; i++) await store.appendMessage(newMessage('r'));
    await store.close();
    // What a deletion does to the room row (a later part of issue #11): the count drops, the counter stays.
    const db = new Sqlite(path);
    db.prepare("DELETE FROM messages WHERE room_id = 'r' AND seq = 3").run();
    db.prepare("UPDATE rooms SET message_count = message_count - 1 WHERE id = 'r'").run();
    db.close();
    const again = await openStore();
    const next = await again.appendMessage(newMessage('r'));
    expect(next.message.seq).toBe(4);
    expect(next.room.messageCount).toBe(3);
    const [a, b] = await Promise.all([again.appendMessage(newMessage('r')), again.appendMessage(newMessage('r'))]);
    expect([a.message.seq, b.message.seq]).toEqual([5, 6]);
    expect([a.room.messageCount, b.room.messageCount]).toEqual([4, 5]);
    expect(await again.getRoom('r')).toMatchObject({ messageCount: 5 });
  });
});
