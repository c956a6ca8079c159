import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { parseBenchArgs } from '../src/args';
import { runBench } from '../src/bench';

/** Starts dist/memory-server.js on a free port; resolves once it says where it listens. */
function startMemoryServer(transport: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [join(__dirname, '..', 'dist', 'memory-server.js')], {
    env: { ...process.env, CHAT_TRANSPORT: transport, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', RATE_LIMIT_PER_SEC: '1000000', RATE_LIMIT_BURST: '1000000', RATE_LIMIT_PER_IP_PER_SEC: '1000000', RATE_LIMIT_PER_IP_BURST: '1000000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on ws:\/\/[^:]+:(\d+)\//.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`memory server exited early (${code}): ${out}`)));
  });
}

describe.each(['uws', 'ws'])('memory server (rgchat without persistence) on %s', (transport) => {
  let child: ChildProcess;
  let port: number;

  beforeAll(async () => {
    ({ child, port } = await startMemoryServer(transport));
  });

  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('serves rg-chat-v1 to the load tool: full delivery, and joins get the stored history', async () => {
    const fanout = await runBench(
      parseBenchArgs(['--url', `ws://127.0.0.1:${port}/`, '--connections', '12', '--rooms', '3', '--rate', '40', '--duration', '1', '--warmup', '0.3']),
    );
    expect(fanout.connect).toMatchObject({ connected: 12, failed: 0 });
    expect(fanout.load!.delivered.ratio).toBe(1);
    expect(fanout.load!.delivered.received).toBe(fanout.load!.sent.messages * 4);
    expect(fanout.errors.byCode).toEqual({});

    const join = await runBench(
      parseBenchArgs(['--url', `ws://127.0.0.1:${port}/`, '--mode', 'join', '--history', '30', '--connections', '2', '--rooms', '1', '--duration', '0.5', '--warmup', '0']),
    );
    expect(join.join!.joins).toBeGreaterThan(0);
    expect(join.join!.failures).toBe(0);
    expect(join.join!.messagesReturned).toEqual({ min: 30, max: 30 });
    expect(join.errors.byCode).toEqual({});
  });

  it('presence mode: coalesced presence frames (far fewer than joins) and throttled typing, per member', async () => {
    const report = await runBench(
      parseBenchArgs(['--url', `ws://127.0.0.1:${port}/`, '--mode', 'presence', '--room-prefix', `pres-${transport}`, '--connections', '40', '--typists', '4', '--keystroke-ms', '50', '--duration', '1']),
    );
    const p = report.presence!;
    expect(report.errors.byCode).toEqual({});
    // 39 joins, but at most one frame per room per 250 ms: each member got a handful, never one per join.
    expect(p.fill.framesPerMember['presence']).toBeGreaterThan(0);
    expect(p.fill.framesPerMember['presence']).toBeLessThan(10);
    expect(p.empty.watcherFrames['presence']).toBeGreaterThan(0);
    expect(p.empty.watcherFrames['presence']).toBeLessThan(10);
    // 4 typists sending 20 keystrokes a second each: relayed at most once per 2 s each (plus their falses).
    expect(p.typing.watcherFrames['typing']).toBeGreaterThan(0);
    expect(p.typing.watcherFrames['typing']).toBeLessThanOrEqual(4 * 3);
  });

  it('stops with exit code 0 on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
