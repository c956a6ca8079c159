import { AdapterUnavailableError } from '../src/adapters';
import type { RunningApp } from '../src/compose';
import { closesDeadlineMs, createLifecycle, eventLoopIdle, requestDrainBudgetMs } from '../src/lifecycle';
import { createLogger } from '../src/logger';

/** A logger whose JSON lines land in `lines`. */
function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger('debug', { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { lines, logger };
}

function fakeApp(close: (code?: number) => Promise<void> = async () => {}, settled: (withinMs: number) => Promise<void> = async () => {}) {
  const calls: Array<number | undefined> = [];
  const app: RunningApp = {
    port: 1234,
    close: (code) => {
      calls.push(code);
      return close(code);
    },
    settled,
  };
  return { app, calls };
}

/** The lifecycle alone: jest's own handles keep the loop busy, so its idle wait would only run out its deadline. */
const loopIdle = async () => {};

describe('createLifecycle', () => {
  test('stop closes the app once with 1001 and exits with the requested code', async () => {
    const { logger } = capture();
    const exits: number[] = [];
    const { app, calls } = fakeApp();
    const life = createLifecycle({ logger, shutdownTimeoutMs: 5000, exit: (c) => exits.push(c), loopIdle });
    life.start(async () => app);
    const first = life.stop('SIGTERM', 0);
    const second = life.stop('SIGINT', 0);
    expect(second).toBe(first);
    await first;
    expect(calls).toEqual([1001]);
    expect(exits).toEqual([0]);
  });

  test('a crash while stopping raises the exit code to 1 without closing twice', async () => {
    const { logger } = capture();
    const exits: number[] = [];
    let finish: () => void = () => {};
    const { app, calls } = fakeApp(() => new Promise<void>((r) => (finish = r)));
    const life = createLifecycle({ logger, shutdownTimeoutMs: 5000, exit: (c) => exits.push(c), loopIdle });
    life.start(async () => app);
    const stopping = life.stop('SIGTERM', 0);
    await new Promise((r) => setImmediate(r));
    void life.stop('uncaughtException', 1);
    finish();
    await stopping;
    expect(calls).toHaveLength(1);
    expect(exits).toEqual([1]);
  });

  test('a stop that hangs past the timeout exits 1', async () => {
    const { logger, lines } = capture();
    const exits: number[] = [];
    const { app } = fakeApp(() => new Promise<void>(() => {}));
    const life = createLifecycle({ logger, shutdownTimeoutMs: 100, exit: (c) => exits.push(c), loopIdle });
    life.start(async () => app);
    void life.stop('SIGTERM', 0);
    const deadline = Date.now() + 5000;
    while (exits.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(exits).toEqual([1]);
    expect(lines.some((l) => l['msg'] === 'shutdown timed out; forcing exit')).toBe(true);
  });

  test('a signal during start-up closes the app once it has started', async () => {
    const { logger } = capture();
    const exits: number[] = [];
    const { app, calls } = fakeApp();
    let started: (a: RunningApp) => void = () => {};
    const life = createLifecycle({ logger, shutdownTimeoutMs: 5000, exit: (c) => exits.push(c), loopIdle });
    life.start(() => new Promise<RunningApp>((r) => (started = r)));
    const stopping = life.stop('SIGTERM', 0);
    started(app);
    await stopping;
    expect(calls).toEqual([1001]);
    expect(exits).toEqual([0]);
  });

  test('stop exits only once the clients have read their closes and the loop ran dry, both within closesDeadlineMs', async () => {
    const { logger } = capture();
    const exits: number[] = [];
    const steps: string[] = [];
    let finishSettling: () => void = () => {};
    const { app } = fakeApp(
      async () => void steps.push('close'),
      (withinMs) => {
        steps.push(`settled ${withinMs <= closesDeadlineMs(5000) && withinMs > 0}`);
        return new Promise<void>((r) => (finishSettling = r));
      },
    );
    const idle = async (withinMs: number) => void steps.push(`idle ${withinMs <= closesDeadlineMs(5000)}`);
    const life = createLifecycle({ logger, shutdownTimeoutMs: 5000, exit: (c) => exits.push(c), loopIdle: idle });
    life.start(async () => app);
    const stopping = life.stop('SIGTERM', 0);
    await new Promise((r) => setTimeout(r, 50));
    expect(steps).toEqual(['close', 'settled true']);
    expect(exits).toEqual([]);
    finishSettling();
    await stopping;
    expect(steps).toEqual(['close', 'settled true', 'idle true']);
    expect(exits).toEqual([0]);
  });

  test('a failed start logs why and exits 1', async () => {
    const { logger, lines } = capture();
    const exits: number[] = [];
    const life = createLifecycle({ logger, shutdownTimeoutMs: 5000, exit: (c) => exits.push(c), loopIdle });
    life.start(async () => {
      throw new AdapterUnavailableError('CHAT_TRANSPORT=uws: not available');
    });
    const deadline = Date.now() + 5000;
    while (exits.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(exits).toEqual([1]);
    const fatal = lines.find((l) => l['level'] === 'fatal');
    expect(fatal?.['msg']).toBe('could not start: CHAT_TRANSPORT=uws: not available');
  });
});

describe('closesDeadlineMs', () => {
  test('the closes may take SHUTDOWN_TIMEOUT_MS less a tenth of it, at most 500 ms less', () => {
    expect(closesDeadlineMs(5000)).toBe(4500);
    expect(closesDeadlineMs(100)).toBe(90);
    expect(closesDeadlineMs(600_000)).toBe(599_500);
  });
});

describe('eventLoopIdle', () => {
  test('resolves when the loop runs dry (beforeExit), or at its deadline, and leaves no listener behind', async () => {
    const listeners = process.listenerCount('beforeExit');
    const dry = eventLoopIdle(60_000);
    process.emit('beforeExit', 0);
    await dry;
    // Here jest keeps the loop busy: only the deadline ends the wait.
    await eventLoopIdle(20);
    expect(process.listenerCount('beforeExit')).toBe(listeners);
  });
});

describe('requestDrainBudgetMs', () => {
  test('finishing admitted requests may take half of SHUTDOWN_TIMEOUT_MS; the closes keep the rest', () => {
    expect(requestDrainBudgetMs(5000)).toBe(2500);
    expect(requestDrainBudgetMs(101)).toBe(50);
  });
});
