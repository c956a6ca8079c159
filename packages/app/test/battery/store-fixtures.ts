import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/build-app';
import { BASE_URL, dropSchema, freshSchema, postgresEnv } from '../support/postgres-env';
import type { BatteryApp } from './battery-app';
import { startStallProxy, type StallProxy } from './stall-proxy';
import { postgresTexts, sqliteTexts } from './stored-texts';

/** One store under the battery's store faults. */
export interface StoreFixture {
  readonly label: 'sqlite' | 'postgres';
  /** App settings selecting the store (SQLite: the battery app's own file). */
  env(): Record<string, string>;
  /** How long `fault` lasts: past the 5 s store timeout where the store can hang (Postgres). */
  readonly faultMs: number;
  /** Puts the fault in place and resolves once it holds; the inner promise resolves when it has ended. */
  fault(app: BatteryApp): Promise<{ ended: Promise<void> }>;
  texts(app: BatteryApp, roomId: string): Promise<Set<string>>;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
}

/**
 * SQLite cannot hang past the store timeout (better-sqlite3 is synchronous
 * and busy_timeout is 250 ms), so its fault is another process holding the
 * write lock for 2 s: appends fail for sure, and must say so truthfully.
 */
export function sqliteFixture(): StoreFixture {
  const driver = require.resolve('better-sqlite3', { paths: [join(REPO_ROOT, 'packages/store-sqlite')] });
  const script = `const D = require(${JSON.stringify(driver)}); const db = new D(process.argv[1]);
    db.exec('BEGIN IMMEDIATE'); process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, Number(process.argv[2]));`;
  const faultMs = 2000;
  return {
    label: 'sqlite',
    env: () => ({}),
    faultMs,
    fault: (app) =>
      new Promise((resolve, reject) => {
        const holder = spawn(process.execPath, ['-e', script, app.sqlitePath, String(faultMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
        const ended = new Promise<void>((done) => holder.on('exit', () => done()));
        holder.on('error', reject);
        holder.stdout.once('data', () => resolve({ ended }));
      }),
    texts: (app, roomId) => sqliteTexts(app.sqlitePath, roomId),
    setUp: async () => undefined,
    tearDown: async () => undefined,
  };
}

/** Postgres through a stall proxy: the connection hangs 6.5 s (past the 5 s store timeout), then the writes sent meanwhile arrive. */
export function postgresFixture(): StoreFixture {
  const schema = freshSchema();
  let proxy: StallProxy | undefined;
  const faultMs = 6500;
  return {
    label: 'postgres',
    env() {
      if (!proxy) throw new Error('setUp first');
      const via = new URL(BASE_URL);
      via.hostname = '127.0.0.1';
      via.port = String(proxy.port);
      return postgresEnv(schema, via.toString());
    },
    faultMs,
    async fault() {
      const p = proxy;
      if (!p) throw new Error('setUp first');
      p.stall();
      return { ended: new Promise<void>((done) => setTimeout(() => (p.resume(), done()), faultMs)) };
    },
    texts: (_app, roomId) => postgresTexts(schema, roomId),
    async setUp() {
      const server = new URL(BASE_URL);
      proxy = await startStallProxy({ host: server.hostname, port: Number(server.port || 5432) });
    },
    async tearDown() {
      await proxy?.close();
      await dropSchema(schema);
    },
  };
}
