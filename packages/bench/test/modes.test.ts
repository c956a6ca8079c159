import { parseBenchArgs } from '../src/args';
import { startBaselineServer, type BaselineServer } from '../src/baseline';
import { runBench } from '../src/bench';
import { startTinyChat, type TinyChat } from './tiny-ws-chat';

describe('join, idle and slow-reader modes', () => {
  let chat: TinyChat;
  let baseline: BaselineServer;

  beforeAll(async () => {
    chat = await startTinyChat();
    baseline = await startBaselineServer({ port: 0 });
  });

  afterAll(async () => {
    baseline?.close();
    await chat?.close();
  });

  it('join: fills the history and times joins that return all of it, under background load', async () => {
    const report = await runBench(
      parseBenchArgs([
        '--mode', 'join', '--url', `ws://127.0.0.1:${chat.port}/`, '--history', '500', '--duration', '1', '--warmup', '0.2',
        '--background-rate', '20', '--connections', '6', '--rooms', '2', '--joiners', '2', '--join-interval-ms', '20',
      ]),
    );
    expect(report.join?.fill?.messages).toBe(500);
    expect(report.join?.joins).toBeGreaterThan(0);
    expect(report.join?.failures).toBe(0);
    expect(report.join?.messagesReturned).toEqual({ min: 500, max: 500 });
    expect(report.join?.latencyMs.count).toBe(report.join?.joins);
    expect(report.load?.delivered.ratio).toBe(1);
    expect(report.warnings.filter((w) => /history/.test(w))).toEqual([]);
  });

  it('fanout asking for extensions a server does not grant (the baseline) falls back to rg-chat-v1 answers', async () => {
    const report = await runBench(
      parseBenchArgs(['--url', `ws://127.0.0.1:${baseline.port}/`, '--connections', '10', '--rooms', '2', '--rate', '20', '--duration', '0.5', '--warmup', '0.2', '--features', 'history,rooms']),
    );
    expect(report.load?.delivered.received).toBeGreaterThan(0);
    expect(report.load?.delivered.ratio).toBe(1);
  });

  it('fanout with --features acks gives every send its own clientMsgId; without it, sends carry none', async () => {
    const run = (features: string[]) =>
      runBench(parseBenchArgs(['--url', `ws://127.0.0.1:${chat.port}/`, '--connections', '6', '--rooms', '2', '--rate', '40', '--duration', '0.5', '--warmup', '0.2', ...features]));
    chat.clientMsgIds.length = 0;
    await run(['--features', 'acks']);
    const keyed = [...chat.clientMsgIds];
    expect(keyed.length).toBeGreaterThan(10);
    expect(keyed.every((k) => typeof k === 'string' && k.length > 0)).toBe(true);
    expect(new Set(keyed).size).toBe(keyed.length);
    chat.clientMsgIds.length = 0;
    await run([]);
    expect(chat.clientMsgIds.length).toBeGreaterThan(10);
    expect(chat.clientMsgIds.every((k) => k === undefined)).toBe(true);
  });

  it('idle: reports RSS per connection of the watched process', async () => {
    const report = await runBench(
      parseBenchArgs(['--mode', 'idle', '--url', `ws://127.0.0.1:${baseline.port}/`, '--connections', '50', '--rooms', '5', '--idle-seconds', '0.2', '--server-pid', String(process.pid)]),
    );
    expect(report.idle?.connections).toBe(50);
    expect(typeof report.idle?.serverRssPerConnectionBytes).toBe('number');
    expect(report.connect?.connected).toBe(50);
  });

  it('slow-reader: compares the others with and without a paused member', async () => {
    const report = await runBench(
      parseBenchArgs(['--mode', 'slow-reader', '--url', `ws://127.0.0.1:${baseline.port}/`, '--connections', '8', '--rooms', '2', '--rate', '20', '--duration', '0.6', '--warmup', '0.2', '--drain', '1']),
    );
    const s = report.slowReader!;
    expect(s.slowConnection).toBe(6);
    expect(s.without.others.delivered.ratio).toBe(1);
    expect(s.with.others.delivered.ratio).toBe(1);
    expect(s.othersP99Ratio).not.toBeNull();
    // A few KB cannot exceed the kernel buffers, so the server has no reason to close it, and nothing is lost.
    expect(s.slow.closedByServer).toBe(false);
    expect(s.slow.windowMessagesReceived).toBe(s.slow.windowMessagesExpected);
  });
});
