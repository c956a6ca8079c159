import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The local test server (trust auth); override with TEST_DATABASE_URL. */
export const BASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Unique per test file run: names our schemas and tags our connections so we only ever kill our own. */
export const RUN_ID = `rgchat_test_${process.pid}_${randomBytes(3).toString('hex')}`;

/** BASE_URL with `params` added to its query string. */
export function urlWith(params: Record<string, string>, base: string = BASE_URL): string {
  const u = new URL(base);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

/** URL whose connections show `application_name` in pg_stat_activity. */
export const urlFor = (appName: string, base?: string) => urlWith({ application_name: appName }, base);

let schemaCounter = 0;
export const freshSchema = (): string => `${RUN_ID}_${++schemaCounter}`;

/**
 * Probes the server once, synchronously (jest registers tests synchronously,
 * so the decision to skip must be made before any await).
 */
function probe(): string | undefined {
  const script = `
    const { Client } = require(${JSON.stringify(require.resolve('pg'))});
    const c = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
    c.on('error', () => {});
    c.connect().then(() => c.query('SELECT 1')).then(() => c.end()).then(
      () => process.exit(0),
      (e) => { console.error(String(e && e.message || e)); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', script, BASE_URL], { encoding: 'utf8', timeout: 10_000 });
  if (r.status === 0) return undefined;
  return (r.stderr || r.error?.message || `probe exited with ${r.status}`).trim();
}

let verdict: { readonly reason: string | undefined } | undefined;

/**
 * `describe` when Postgres answers. Otherwise: with CI=true the file fails
 * (an unreachable database in CI is a broken pipeline, never a pass);
 * locally the suite is skipped with a warning saying why.
 */
export function describePostgres(name: string, fn: () => void): void {
  verdict ??= { reason: probe() };
  const { reason } = verdict;
  if (reason === undefined) return describe(name, fn);
  const where = BASE_URL.replace(/\/\/[^@/]*@/, '//***@');
  if (process.env.CI === 'true') {
    throw new Error(`Postgres at ${where} is unreachable and CI=true: failing instead of skipping (${reason})`);
  }
  // eslint-disable-next-line no-console -- the skip must be visible in the test output
  console.warn(`SKIPPING "${name}": Postgres at ${where} is unreachable (${reason}). Start it or set TEST_DATABASE_URL; CI=true makes this fail.`);
  describe.skip(name, fn);
}

/** An admin connection with its own application_name, so kills never hit it. The caller ends it. */
export async function openAdmin(): Promise<Client> {
  const c = new Client({ connectionString: urlFor(`${RUN_ID}_admin`), connectionTimeoutMillis: 5000 });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

/** Runs `fn` on a short-lived admin connection. */
export async function withAdmin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = await openAdmin();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export const dropSchema = (schema: string) =>
  withAdmin((c) => c.query(`DROP SCHEMA IF EXISTS "${schema.replace(/"/g, '""')}" CASCADE`)).then(() => undefined);

/** Terminates every backend of this database whose application_name is `appName`; returns how many. */
export const killBackends = (appName: string): Promise<number> =>
  withAdmin(async (c) => {
    const r = await c.query(
      `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = $1`,
      [appName],
    );
    return r.rows.filter((row: { killed: boolean }) => row.killed).length;
  });

/** Backends of this database named `appName`; only those waiting on a lock when `waitingOnLock`. */
export const countBackends = (appName: string, waitingOnLock = false): Promise<number> =>
  withAdmin(async (c) => {
    const r = await c.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = $1 AND (NOT $2 OR wait_event_type = 'Lock')`,
      [appName, waitingOnLock],
    );
    return (r.rows[0] as { n: number }).n;
  });

/** Polls `cond` every 20 ms until it holds; fails after `timeoutMs`. */
export async function waitUntil(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** How `p` settled and how long it took, never rejecting. */
export async function settleTimed<T>(p: Promise<T>): Promise<{ ok: boolean; ms: number; value?: T; error?: unknown }> {
  const start = Date.now();
  try {
    const value = await p;
    return { ok: true, ms: Date.now() - start, value };
  } catch (error) {
    return { ok: false, ms: Date.now() - start, error };
  }
}
