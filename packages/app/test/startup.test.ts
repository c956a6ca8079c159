import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAppToExit, startAppProcess, stopAllApps } from './support/app-process';
import { buildApp } from './support/build-app';
import { dropClients, greet, within } from './support/chat-client';

/** Start-up and shutdown of the process itself, independent of the adapters under test. */
describe('app process start-up and shutdown', () => {
  let dir = '';
  const dbPath = () => join(dir, 'data', 'chat.db');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rgchat-startup-'));
    await buildApp();
  }, 180_000);

  afterAll(async () => {
    dropClients();
    await stopAllApps();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a bad environment exits non-zero before opening anything, naming every bad variable', async () => {
    const result = await runAppToExit({ PORT: 'abc', HISTORY_LIMIT: '-1', SQLITE_PATH: dbPath() }, dir);
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    const fatal = result.logs.find((l) => l['level'] === 'fatal');
    expect(fatal?.['msg']).toMatch(/PORT/);
    expect(fatal?.['msg']).toMatch(/HISTORY_LIMIT/);
    expect(result.stderr).toMatch(/PORT/);
    expect(result.stderr).toMatch(/HISTORY_LIMIT/);
    expect(existsSync(dbPath())).toBe(false);
  });

  // Changes when issue 4 lands: then CHAT_TRANSPORT=uws runs the end-to-end suite instead.
  test('CHAT_TRANSPORT=uws refuses to start with a clear message (not in this build yet)', async () => {
    const result = await runAppToExit({ CHAT_TRANSPORT: 'uws', SQLITE_PATH: dbPath() }, dir);
    expect(result.code).toBe(1);
    const fatal = result.logs.find((l) => l['level'] === 'fatal');
    expect(fatal?.['msg']).toMatch(/CHAT_TRANSPORT=uws.*not available.*CHAT_TRANSPORT=ws/);
    // The transport is checked before the store opens.
    expect(existsSync(dbPath())).toBe(false);
  });

  // Changes when issue 3 lands: then a postgres DATABASE_URL runs the end-to-end suite instead.
  test('a postgres DATABASE_URL refuses to start with a clear message (not in this build yet)', async () => {
    const result = await runAppToExit({ DATABASE_URL: 'postgres://rgchat:hunter2@127.0.0.1:5432/test' }, dir);
    expect(result.code).toBe(1);
    const fatal = result.logs.find((l) => l['level'] === 'fatal');
    expect(fatal?.['msg']).toMatch(/DATABASE_URL.*postgres.*not available.*SQLite/);
    expect(result.stdout).not.toContain('hunter2');
  });

  test('the startup log shows the effective config and warns when any origin is allowed', async () => {
    const app = await startAppProcess({ SQLITE_PATH: dbPath(), MAX_MESSAGE_LENGTH: '300' }, dir);
    const starting = await app.waitForLog((l) => l['msg'] === 'starting rgchat');
    expect(starting['config']).toMatchObject({
      storage: { kind: 'sqlite', path: dbPath() },
      transport: { kind: 'ws', host: '127.0.0.1', port: 0 },
      limits: { maxMessageLength: 300, historyLimit: 500 },
      allowedOrigins: 'any',
    });
    expect(app.logs.some((l) => l['level'] === 'warn' && /ALLOWED_ORIGINS/.test(String(l['msg'])))).toBe(true);
    expect(existsSync(dbPath())).toBe(true);

    // A second instance on the same port fails to start, cleanly.
    const clash = await runAppToExit({ SQLITE_PATH: join(dir, 'other', 'chat.db'), PORT: String(app.port) }, dir);
    expect(clash.code).toBe(1);
    expect(clash.stdout).toMatch(/EADDRINUSE/);

    app.signal('SIGTERM');
    expect(await within(app.exited, 10_000, 'the app to exit')).toEqual({ code: 0, signal: null });
  });

  test('SIGINT stops gracefully too; a second signal while stopping changes nothing', async () => {
    const app = await startAppProcess({ SQLITE_PATH: dbPath() }, dir);
    const { client } = await greet(app.url, 'ctrl-c');
    app.signal('SIGINT');
    app.signal('SIGINT');
    expect((await within(client.closed, 10_000, 'the client to be closed')).code).toBe(1001);
    expect(await within(app.exited, 10_000, 'the app to exit')).toEqual({ code: 0, signal: null });
    expect(app.logs.filter((l) => l['msg'] === 'stopping')).toHaveLength(1);
  });
});
