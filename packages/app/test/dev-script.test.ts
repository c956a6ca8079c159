import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitUntil } from '@rgchat/testkit';

// `pnpm dev` (packages/app/scripts/dev.js) on a throwaway TypeScript project, so the test edits no
// file of the repository: real tsc in watch mode, a real server process restarted after each good
// build, pretty log lines, and a broken build that leaves the last good server running.
const DEV_JS = resolve(__dirname, '..', 'scripts', 'dev.js');

const mainTs = (generation: number) => `declare const process: any;
declare const console: any;
declare const setInterval: any;
declare const clearInterval: any;
const log = (msg: string, extra: object = {}) => console.log(JSON.stringify({ level: 30, time: Date.now(), msg, ...extra }));
log('listening', { generation: ${generation}, port: 1234 });
const keepAlive = setInterval(() => {}, 1000);
process.on('SIGTERM', () => { log('stopped', { generation: ${generation} }); clearInterval(keepAlive); });
`;

describe('pnpm dev', () => {
  let dir = '';
  let dev: ChildProcess | undefined;
  let out = '';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rgchat-dev-'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { rootDir: 'src', outDir: 'dist', module: 'commonjs', target: 'es2022', composite: true, types: [], lib: ['es2022'] }, include: ['src'] }),
    );
    writeFileSync(join(dir, 'src', 'main.ts'), mainTs(1));
  });

  afterAll(async () => {
    if (dev && dev.exitCode === null) {
      dev.kill('SIGKILL');
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const seen = (text: string | RegExp) => (typeof text === 'string' ? out.includes(text) : text.test(out));
  afterEach(() => {
    // What dev printed, for a failed run.
    if (expect.getState().assertionCalls === 0) process.stderr.write(out);
  });

  test('builds, starts, restarts after a change, survives a broken build and stops cleanly', async () => {
    dev = spawn(process.execPath, [DEV_JS, '--project', dir, '--entry', join(dir, 'dist', 'main.js')], { stdio: ['ignore', 'pipe', 'pipe'] });
    dev.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
    dev.stderr?.on('data', (c: Buffer) => (out += c.toString('utf8')));

    // The JSON line comes out readable: time, level, message, then key=value.
    await waitUntil(() => seen(/\d\d:\d\d:\d\d\.\d{3} INFO {2}listening {2}generation=1 port=1234/), 'the first build to start the server', 60_000);

    writeFileSync(join(dir, 'src', 'main.ts'), mainTs(2));
    await waitUntil(() => seen('listening  generation=2'), 'the change to restart the server', 60_000);
    // The old server was asked to stop (SIGTERM) before the new one started.
    expect(out.indexOf('stopped  generation=1')).toBeGreaterThan(-1);
    expect(out.indexOf('stopped  generation=1')).toBeLessThan(out.indexOf('listening  generation=2'));

    writeFileSync(join(dir, 'src', 'main.ts'), `${mainTs(3)}\nconst broken: number = 'not a number';\n`);
    await waitUntil(() => seen('[dev] build failed'), 'the broken build to be reported', 60_000);
    expect(seen('error TS2322')).toBe(true);
    expect(seen('stopped  generation=2')).toBe(false);

    dev.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => dev!.once('exit', (c) => r(c)));
    expect(code).toBe(0);
    expect(seen('stopped  generation=2')).toBe(true);
  }, 180_000);
});
