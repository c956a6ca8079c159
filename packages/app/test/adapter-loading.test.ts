import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildApp, REPO_ROOT } from './support/build-app';
import { describeNats, NATS_TEST_URL } from '../../bus-nats/test/nats-test-env';
import { describePostgres, dropSchema, freshSchema, postgresEnv } from './support/postgres-env';

/** Which drivers a fresh Node process has loaded (require.cache) after each step of the built app. */
interface Loaded {
  readonly afterConfig: readonly string[];
  readonly afterStart: readonly string[];
  readonly listening: Record<string, unknown> | undefined;
  readonly warnings: readonly string[];
}

const DRIVERS = {
  pg: /[\\/]node_modules[\\/]pg[\\/]/,
  'better-sqlite3': /[\\/]node_modules[\\/]better-sqlite3[\\/]/,
  nats: /[\\/]node_modules[\\/]nats[\\/]/,
};

// Runs in the child: the app's own dist, as `pnpm start` would load it, and nothing else of ours.
const SCRIPT = `
const app = require(${JSON.stringify(join(REPO_ROOT, 'packages/app/dist/index.js'))});
const drivers = ${JSON.stringify(Object.fromEntries(Object.entries(DRIVERS).map(([k, r]) => [k, r.source])))};
const loaded = () => Object.keys(drivers).filter((name) => Object.keys(require.cache).some((f) => new RegExp(drivers[name]).test(f)));
(async () => {
  const config = app.loadConfig(process.env, process.cwd());
  const afterConfig = loaded();
  let listening;
  const warnings = [];
  const log = (level, msg, fields) => {
    if (msg === 'listening') listening = fields;
    if (level === 'warn') warnings.push(msg);
  };
  const running = await app.startApp(config, { log });
  const afterStart = loaded();
  await running.close();
  process.stdout.write(JSON.stringify({ afterConfig, afterStart, listening, warnings }));
})().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;

async function loadedBy(env: Record<string, string>, cwd: string): Promise<Loaded> {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', SCRIPT], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOST: '127.0.0.1', PORT: '0', ...env },
  });
  return JSON.parse(stdout) as Loaded;
}

describe('only the chosen storage driver is ever loaded', () => {
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rgchat-loading-'));
    await buildApp();
  }, 180_000);
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  test('a SQLite user never loads pg: not to validate the config, not to run', async () => {
    const loaded = await loadedBy({ SQLITE_PATH: join(dir, 'chat.db') }, dir);
    expect(loaded.afterConfig).toEqual([]);
    expect(loaded.afterStart).toEqual(['better-sqlite3']);
    expect(loaded.listening).toMatchObject({ storage: 'sqlite', bus: 'none' });
  });

  // A URL that would fail to connect: validating it must still load nothing.
  test('validating a Postgres config loads neither driver', async () => {
    const env = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', DATABASE_SCHEMA: 'chat_eu', SQLITE_PATH: join(dir, 'unused.db') };
    const script = `const app = require(${JSON.stringify(join(REPO_ROOT, 'packages/app/dist/index.js'))});
app.loadConfig(process.env, process.cwd());
process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: dir, env: { PATH: process.env['PATH'] ?? '', ...env } });
    const files = JSON.parse(stdout) as string[];
    expect(files.length).toBeGreaterThan(10);
    for (const driver of Object.values(DRIVERS)) expect(files.filter((f) => driver.test(f))).toEqual([]);
  });

  describePostgres('on Postgres', () => {
    const schema = freshSchema();
    afterAll(() => dropSchema(schema));

    test('a Postgres user never loads better-sqlite3, and BUS=none runs it as a single instance with a warning', async () => {
      const loaded = await loadedBy(postgresEnv(schema), dir);
      expect(loaded.afterConfig).toEqual([]);
      expect(loaded.afterStart).toEqual(['pg']);
      expect(loaded.listening).toMatchObject({ storage: 'postgres', bus: 'postgres', instanceId: expect.stringMatching(/-\d+-[0-9a-f]{8}$/) });

      const single = await loadedBy({ ...postgresEnv(schema), BUS: 'none' }, dir);
      expect(single.afterStart).toEqual(['pg']);
      expect(single.listening).toMatchObject({ storage: 'postgres', bus: 'none' });
      expect(single.warnings).toContainEqual(expect.stringMatching(/^BUS=none on postgres storage: this instance hears no other/));
      expect(loaded.warnings.filter((w) => w.startsWith('BUS='))).toEqual([]);
    });

    describeNats('with NATS', () => {
      test('BUS=nats loads the NATS client only when it starts, and is no single instance', async () => {
        const loaded = await loadedBy({ ...postgresEnv(schema), BUS: 'nats', NATS_URL: NATS_TEST_URL, NATS_SUBJECT: `${schema}.bus` }, dir);
        expect(loaded.afterConfig).toEqual([]);
        expect(loaded.afterStart).toEqual(['pg', 'nats']);
        expect(loaded.listening).toMatchObject({ storage: 'postgres', bus: 'nats' });
        expect(loaded.warnings.filter((w) => w.startsWith('BUS='))).toEqual([]);
      });
    });
  });
});
