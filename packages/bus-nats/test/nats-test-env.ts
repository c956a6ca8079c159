import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** The local test server; override with TEST_NATS_URL. */
export const NATS_TEST_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** Unique per test file run: prefixes our subjects, so other runs on the same server never hear ours. */
export const RUN_ID = `rgchat_test_${process.pid}_${randomBytes(3).toString('hex')}`;

let subjectCounter = 0;
/** A subject of its own per call. */
export const freshSubject = (): string => `${RUN_ID}.s${++subjectCounter}`;

/**
 * Probes the server once, synchronously (jest registers tests synchronously,
 * so the decision to skip must be made before any await): a NATS server
 * greets every new connection with an INFO line.
 */
function probe(): string | undefined {
  const { hostname, port } = new URL(NATS_TEST_URL);
  const script = `
    const s = require('node:net').connect(Number(process.argv[2]), process.argv[1]);
    const t = setTimeout(() => { console.error('no INFO within 3 s'); process.exit(1); }, 3000);
    s.on('error', (e) => { console.error(e.message); process.exit(1); });
    s.once('data', (d) => { clearTimeout(t); s.destroy(); process.exit(String(d).startsWith('INFO') ? 0 : 1); });`;
  const r = spawnSync(process.execPath, ['-e', script, hostname, port || '4222'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status === 0) return undefined;
  return (r.stderr || r.error?.message || `probe exited with ${r.status}`).trim();
}

let verdict: { readonly reason: string | undefined } | undefined;

/**
 * `describe` when NATS answers. Otherwise: with CI=true the file fails (an
 * unreachable server in CI is a broken pipeline, never a pass); locally the
 * suite is skipped with a warning saying why.
 */
export function describeNats(name: string, fn: () => void): void {
  verdict ??= { reason: probe() };
  const { reason } = verdict;
  if (reason === undefined) return describe(name, fn);
  const where = NATS_TEST_URL.replace(/\/\/[^@/]*@/, '//***@');
  if (process.env.CI === 'true') {
    throw new Error(`NATS at ${where} is unreachable and CI=true: failing instead of skipping (${reason})`);
  }
  // eslint-disable-next-line no-console -- the skip must be visible in the test output
  console.warn(`SKIPPING "${name}": NATS at ${where} is unreachable (${reason}). Start nats-server or set TEST_NATS_URL; CI=true makes this fail.`);
  describe.skip(name, fn);
}
