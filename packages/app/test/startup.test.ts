import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { httpGet } from '@rgchat/testkit';
import { nativeUwsPath } from '@rgchat/transport-uws';
import { runAppToExit, startAppProcess, stopAllApps } from './support/app-process';
import { buildApp } from './support/build-app';
import { dropClients, greet, roundTrip, within } from './support/chat-client';
import { describePostgres, dropSchema, freshSchema, postgresEnv, withAdmin } from './support/postgres-env';

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

  // Starting is all this checks; uws-sqlite.e2e.test.ts runs the end-to-end suite on uWS.
  test('CHAT_TRANSPORT=uws starts on the native uWebSockets.js binary and serves', async () => {
    const app = await startAppProcess({ CHAT_TRANSPORT: 'uws', SQLITE_PATH: join(dir, 'uws', 'chat.db') }, dir);
    expect(await app.waitForLog((l) => l['msg'] === 'listening')).toMatchObject({ transport: 'uws', storage: 'sqlite' });
    expect(await app.waitForLog((l) => l['msg'] === 'uws transport listening')).toMatchObject({ port: app.port });
    expect((await httpGet(`${app.httpUrl}/healthz`)).status).toBe(200);
    const { client } = await greet(app.url, 'native');
    await roundTrip(client, 'served-by-uws');
    app.signal('SIGTERM');
    expect((await within(client.closed, 10_000, 'the client to be closed')).code).toBe(1001);
    expect(await within(app.exited, 10_000, 'the app to exit')).toEqual({ code: 0, signal: null });
    // The package's own entry would have announced its ws-based fallback here.
    expect(app.stdout() + app.stderr()).not.toMatch(/fallback/i);
  });

  test('CHAT_TRANSPORT=uws refuses to start when the native binary does not load, and suggests ws', async () => {
    // What a binary built for another Node ABI does at load time, made real: a preload (test-only,
    // through NODE_OPTIONS) hands dlopen the package's binary for another ABI instead of ours.
    const ours = nativeUwsPath();
    const other = readdirSync(dirname(ours)).find((f) => f.startsWith(`uws_${process.platform}_${process.arch}_`) && f !== basename(ours));
    expect(other).toBeDefined();
    const preload = join(dir, 'other-abi-preload.js');
    writeFileSync(
      preload,
      `const dlopen = process.dlopen;
process.dlopen = (module, filename, ...rest) =>
  dlopen.call(process, module, filename === ${JSON.stringify(ours)} ? ${JSON.stringify(join(dirname(ours), other ?? ''))} : filename, ...rest);
`,
    );
    const dbFile = join(dir, 'uws-refused', 'chat.db');
    const result = await runAppToExit({ CHAT_TRANSPORT: 'uws', SQLITE_PATH: dbFile, NODE_OPTIONS: `--require ${preload}` }, dir);
    expect(result.code).toBe(1);
    const fatal = result.logs.find((l) => l['level'] === 'fatal');
    expect(fatal?.['msg']).toMatch(/CHAT_TRANSPORT=uws: uWebSockets\.js native binary failed to load on Node .*refusing its JS fallback.*CHAT_TRANSPORT=ws/);
    expect(result.stdout + result.stderr).not.toMatch(/Falling back/);
    // The transport is checked before the store opens.
    expect(existsSync(dbFile)).toBe(false);
  });

  // Starting is all this checks; ws-postgres.e2e.test.ts runs the end-to-end suite on Postgres.
  describePostgres('with a postgres DATABASE_URL', () => {
    const schema = freshSchema();
    afterAll(() => dropSchema(schema));

    test('it starts on Postgres in DATABASE_SCHEMA, /healthz is 200, and the password never reaches the logs', async () => {
      const env = postgresEnv(schema);
      const url = new URL(env['DATABASE_URL'] ?? '');
      // The test server trusts local connections and ignores a password, so one can be added to prove it is never logged.
      const secret = url.password === '' ? 'hunter2' : undefined;
      if (secret) url.password = secret;
      const unusedSqlite = join(dir, 'unused', 'chat.db');
      const app = await startAppProcess({ ...env, DATABASE_URL: url.toString(), SQLITE_PATH: unusedSqlite }, dir);

      const starting = await app.waitForLog((l) => l['msg'] === 'starting rgchat');
      expect(starting['config']['storage']).toMatchObject({ kind: 'postgres', schema, poolSize: 10 });
      expect(await app.waitForLog((l) => l['msg'] === 'listening')).toMatchObject({ storage: 'postgres' });
      expect((await httpGet(`${app.httpUrl}/healthz`)).status).toBe(200);
      // The migrations ran in the chosen schema, and SQLite was never touched.
      const tables = await withAdmin((c) =>
        c.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]),
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['rooms', 'messages', 'schema_migrations']));
      expect(existsSync(unusedSqlite)).toBe(false);

      app.signal('SIGTERM');
      expect(await within(app.exited, 10_000, 'the app to exit')).toEqual({ code: 0, signal: null });
      if (secret) {
        expect(starting['config']['storage']['url']).toContain(':***@');
        expect(app.stdout()).not.toContain(secret);
        expect(app.stderr()).not.toContain(secret);
      }
    });
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
