import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { openSqliteStore } from '../src';
import { historySql } from '../src/statements';

// Issue #11: one page of history is one range scan of messages_room_seq,
// never a sort of the room (the contract suite proves what the pages hold).
test('sqlite history pages are range scans of (room_id, seq), without a sort', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rgchat-pages-'));
  const path = join(dir, 'chat.db');
  const store = await openSqliteStore({ path });
  const db = new Sqlite(path, { readonly: true });
  try {
    const plan = (sql: string, ...params: unknown[]) =>
      db
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all(...params)
        .map((r) => (r as { detail: string }).detail)
        .join('\n');
    const before = plan(historySql.pageBefore, 'r', 50, 51);
    expect(before).toMatch(/USING INDEX messages_room_seq \(room_id=\? AND seq<\?\)/);
    expect(before).not.toMatch(/TEMP B-TREE/);
  } finally {
    db.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
