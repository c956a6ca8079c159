import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { connect, type ChatClient, type Message } from '@rgchat/client';
import { ONE_ADDRESS_ENV, startAppProcess, stopAllApps, type ListeningApp } from '../../app/test/support/app-process';
import { buildProjects, REPO_ROOT } from '../../app/test/support/build-app';

/** rgchat-cli spawned as a user would run it, against the real server process. */
const CLI = join(REPO_ROOT, 'packages/cli/dist/main.js');
let dir = '';
let app: ListeningApp;
const clients: ChatClient[] = [];

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI to its exit, writing `input` lines to its stdin (then closing it unless `keepOpen`). */
function cli(args: string[], input: string[] = [], timeoutMs = 20_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`rgchat-cli ${args.join(' ')} did not exit\nstdout:${stdout}\nstderr:${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    for (const line of input) child.stdin.write(line + '\n');
    if (!input.length) child.stdin.end();
  });
}

async function history(roomId: string): Promise<Message[]> {
  const res = await fetch(`${app.httpUrl}/api/rooms/${roomId}/messages?limit=100`);
  return ((await res.json()) as { messages: Message[] }).messages;
}

async function until(predicate: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const other = async (name: string): Promise<ChatClient> => {
  const c = connect({ url: app.url, profile: { name, avatarId: 1 }, WebSocket });
  clients.push(c);
  await c.ready;
  return c;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rgchat-cli-'));
  await buildProjects('packages/app', 'packages/cli');
  app = await startAppProcess(
    {
      SQLITE_PATH: join(dir, 'chat.db'),
      ...ONE_ADDRESS_ENV,
      ROOM_CREATES_PER_IP_PER_HOUR: '1000',
    },
    dir,
  );
}, 180_000);

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

afterAll(async () => {
  await stopAllApps();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('rgchat-cli against the real server', () => {
  test('--send posts once (creating the room), exits 0 and prints the stored id and seq', async () => {
    const run = await cli(['--url', app.url, '--room', 'Bots Corner', '--name', 'bot', '--send', 'build #42 passed']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as { roomId: string; id: string; seq: number; duplicate: boolean };
    expect(printed).toMatchObject({ roomId: 'bots-corner', seq: 1, duplicate: false });
    const stored = await history('bots-corner');
    expect(stored.map((m) => [m.id, m.name, m.type, m.text])).toEqual([[printed.id, 'bot', 'message', 'build #42 passed']]);
    const emote = await cli(['--url', app.url, '--room', 'bots-corner', '--name', 'bot', '--send', 'deploys', '--emote']);
    expect(emote.code).toBe(0);
    expect((await history('bots-corner')).map((m) => [m.type, m.text])).toEqual([
      ['message', 'build #42 passed'],
      ['emote', 'deploys'],
    ]);
  });

  test('--send exits 1 with the server error when the message is refused, and nothing is stored', async () => {
    const run = await cli(['--url', app.url, '--room', 'refusals', '--send', 'x'.repeat(5000)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not sent: INVALID_MESSAGE/);
    expect(await history('refusals')).toEqual([]);
  });

  test('--send exits 1 when no server answers', async () => {
    const run = await cli(['--url', 'ws://127.0.0.1:1/', '--room', 'x', '--send', 'hi', '--timeout', '1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not sent: connect: no answer within 1 s/);
  });

  test('a bad command line exits 2 with the usage; --help exits 0', async () => {
    const bad = await cli(['--tail']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--tail needs --room/);
    expect(bad.stderr).toMatch(/Usage:/);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/rgchat-cli --room ROOM --send "TEXT"/);
  });

  test('--tail --since prints the stored messages after that seq, then live ones, one JSON line each', async () => {
    const poster = await other('poster');
    const room = await poster.createRoom('tailing');
    await poster.join(room.id);
    for (const t of ['one', 'two', 'three']) await poster.send(t);
    const child = spawn(process.execPath, [CLI, '--url', app.url, '--room', room.id, '--tail', '--since', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let errOut = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (errOut += d));
    try {
      await until(() => errOut.includes('tailing'), 10_000, 'tail started');
      await poster.send('four');
      await poster.send('<b>five</b>');
      await until(() => out.trim().split('\n').length >= 4, 10_000, 'four lines');
      const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Message & { roomId: string });
      expect(lines.map((l) => [l.roomId, l.seq, l.text])).toEqual([
        [room.id, 2, 'two'],
        [room.id, 3, 'three'],
        [room.id, 4, 'four'],
        [room.id, 5, '<b>five</b>'],
      ]);
    } finally {
      child.kill('SIGTERM');
    }
  });

  test('interactive: /join, messages both ways, /me, /nick, /history, /rooms, /quit', async () => {
    const friend = await other('friend');
    const room = await friend.createRoom('terminal');
    await friend.join(room.id);
    await friend.send('earlier');
    const heard: Message[] = [];
    friend.on('message', (m) => heard.push(m));
    const child = spawn(process.execPath, [CLI, '--url', app.url, '--name', 'tty'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const type = (line: string) => child.stdin.write(line + '\n');
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await until(() => out.includes('-- connected'), 10_000, 'connected');
      type(`/join ${room.id}`);
      await until(() => out.includes(`-- in ${room.id}`), 10_000, 'joined');
      expect(out).toMatch(/<friend> earlier/);
      type('hello from a terminal @friend');
      type('/me waves');
      await until(() => heard.length === 2, 10_000, 'friend hears both');
      expect(heard.map((m) => [m.name, m.type, m.text])).toEqual([
        ['tty', 'message', 'hello from a terminal @friend'],
        ['tty', 'emote', 'waves'],
      ]);
      await friend.send('hi @tty');
      await until(() => /<friend> hi @tty <-/.test(out), 10_000, 'mention shown');
      type('/nick renamed');
      await until(() => out.includes('-- you are now renamed'), 10_000, 'renamed');
      type('/rooms');
      await until(() => /\* terminal {2}\(terminal: \d+ messages/.test(out), 10_000, 'room list');
      type('/history 2');
      await until(() => out.includes('-- (start of the room)') || out.includes('-- (more'), 10_000, 'history');
      type('/nosuch');
      await until(() => out.includes('!! unknown command /nosuch'), 10_000, 'unknown command');
      type('/quit');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
