import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { ErrorCode, isChatError } from '@rgchat/chat-core';
import { newMessage } from '@rgchat/testkit';
import { openSqliteStore } from '../src';

// Issue #10 item 5: a SQLite append's failure is always certain. The batch
// runs in one synchronous transaction that either commits before the call
// settles or is rolled back, so it never says "outcome unknown" (STORE_TIMEOUT).

describe('sqlite append outcomes', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rgchat-outcome-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a batch that cannot take the write lock fails as a plain error, and nothing of it is stored', async () => {
    const path = join(dir, 'chat.db');
    const store = await openSqliteStore({ path, busyTimeoutMs: 50, checkpointIntervalMs: 0 });
    try {
      await store.createRoom({ id: 'r', name: 'R', createdAt: 1 });
      await store.appendMessage(newMessage('r', { text: 'before' }));
      const other = new Sqlite(path);
      other.exec('BEGIN IMMEDIATE');
      const failed = await Promise.all([
        store.appendMessage(newMessage('r', { text: 'locked-1' })).then(() => undefined, (e: unknown) => e),
        store.appendMessage(newMessage('r', { text: 'locked-2' })).then(() => undefined, (e: unknown) => e),
      ]);
      other.exec('ROLLBACK');
      other.close();
      for (const e of failed) {
        expect(e).toMatchObject({ code: 'SQLITE_BUSY' });
        expect(isChatError(e) && e.code === ErrorCode.STORE_TIMEOUT).toBe(false);
      }
      await store.appendMessage(newMessage('r', { text: 'after' }));
      expect((await store.messagesAfter('r', 0, 10)).map((m) => [m.seq, m.text])).toEqual([
        [1, 'before'],
        [2, 'after'],
      ]);
    } finally {
      await store.close();
    }
  });
});
