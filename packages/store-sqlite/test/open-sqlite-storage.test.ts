import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStorage, sqliteSettingProblem, SQLITE_SYNCHRONOUS_MODES } from '../src';

describe('sqlite settings', () => {
  test('synchronous modes and paths', () => {
    expect(SQLITE_SYNCHRONOUS_MODES).toEqual(['normal', 'full']);
    expect(sqliteSettingProblem('synchronous', 'full')).toBeUndefined();
    expect(sqliteSettingProblem('synchronous', 'off')).toMatch(/normal, full.*"off"/);
    expect(sqliteSettingProblem('path', './data/chat.db')).toBeUndefined();
    expect(sqliteSettingProblem('path', '  ')).toMatch(/empty/);
  });
});

describe('openSqliteStorage', () => {
  let dir = '';
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'rgchat-sqlite-storage-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('opens the file (creating its directory); close is idempotent and closes the store', async () => {
    const storage = await openSqliteStorage({ path: join(dir, 'nested', 'chat.db'), synchronous: 'full' });
    await storage.store.createRoom({ id: 'lobby', name: 'Lobby', createdAt: 1 });
    expect((await storage.store.listRooms()).map((r) => r.id)).toEqual(['lobby']);
    const first = storage.close();
    expect(storage.close()).toBe(first);
    await first;
    await expect(storage.store.listRooms()).rejects.toThrow(/closed/);
  });

  test('refuses bad settings before touching the disk', async () => {
    await expect(openSqliteStorage({ path: ' ', synchronous: 'off' as 'full' })).rejects.toThrow(/path .*synchronous /);
  });
});
