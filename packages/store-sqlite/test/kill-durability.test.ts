import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { openSqliteStore } from '../src';

const repoRoot = resolve(__dirname, '../../..');
const distEntry = resolve(__dirname, '../dist/index.js');

/**
 * Runs in a child process on the compiled package: appends messages in
 * concurrent waves (so group commit batches them) and prints one line per
 * acknowledged append, only after its promise resolved.
 */
const childScript = (entry: string) => `
const { openSqliteStore } = require(${JSON.stringify(entry)});
(async () => {
  const store = await openSqliteStore({ path: process.argv[2] });
  await store.createRoom({ id: 'r', name: 'r', createdAt: 1 });
  let n = 0;
  for (let wave = 0; wave < 2000; wave++) {
    const acks = [];
    for (let i = 0; i < 10; i++) {
      n++;
      const id = 'msg_' + n;
      acks.push(store.appendMessage({
        roomId: 'r', id, ts: 1000 + n, authorId: 'conn_child', name: 'child', avatarId: -n,
        type: n % 2 ? 'message' : 'emote', text: 'payload ' + id + ' ✓',
      }).then((r) => process.stdout.write('ack ' + r.message.seq + ' ' + r.message.id + '\\n')));
    }
    await Promise.all(acks);
  }
  process.stdout.write('done\\n');
})().catch((e) => { process.stderr.write(String(e && e.stack || e) + '\\n'); process.exit(1); });
`;

describe('sqlite store durability', () => {
  let dir: string;
  let child: ChildProcess | undefined;

  beforeAll(() => {
    // The child runs plain node, so it needs the compiled package (and its references).
    const tsc = require.resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-b', 'packages/store-sqlite'], { cwd: repoRoot, stdio: 'pipe' });
  }, 120_000);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rgchat-sqlite-kill-'));
  });
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  test('every append acknowledged before kill -9 is on disk, intact', async () => {
    const scriptPath = join(dir, 'append-then-die.js');
    const dbPath = join(dir, 'data', 'chat.db');
    await writeFile(scriptPath, childScript(distEntry));

    const proc = spawn(process.execPath, [scriptPath, dbPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((done) =>
      proc.on('exit', (code, signal) => done(signal ?? code)),
    );

    const wanted = 300;
    const acked = new Map<number, string>();
    await new Promise<void>((done, fail) => {
      const lines = createInterface({ input: proc.stdout! });
      lines.on('line', (line) => {
        const [kind, seq, id] = line.split(' ');
        if (kind === 'ack' && seq !== undefined && id !== undefined) acked.set(Number(seq), id);
        if (acked.size === wanted || kind === 'done') {
          // Kill mid-stream: later waves are queued or being committed right now.
          proc.kill('SIGKILL');
          lines.close();
          done();
        }
      });
      proc.on('exit', () => (acked.size >= wanted ? done() : fail(new Error(`child exited early: ${stderr}`))));
    });
    expect(await exited).toBe('SIGKILL');
    expect(acked.size).toBeGreaterThanOrEqual(wanted);

    const store = await openSqliteStore({ path: dbPath });
    try {
      const room = await store.getRoom('r');
      const stored = await store.recentMessages('r', 100_000);
      // Whole transactions only: the count matches the rows, seqs are gapless.
      expect(room!.messageCount).toBe(stored.length);
      expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1));
      expect(stored.length).toBeGreaterThanOrEqual(acked.size);
      const bySeq = new Map(stored.map((m) => [m.seq, m]));
      for (const [seq, id] of acked) {
        const n = Number(id.slice('msg_'.length));
        expect(bySeq.get(seq)).toEqual({
          roomId: 'r',
          seq,
          id,
          ts: 1000 + n,
          authorId: 'conn_child',
          name: 'child',
          avatarId: -n,
          type: n % 2 ? 'message' : 'emote',
          text: `payload ${id} ✓`,
        });
      }
    } finally {
      await store.close();
    }
  });
});
