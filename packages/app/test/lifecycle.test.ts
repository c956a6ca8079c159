import { AdapterUnavailableError } from '../src/adapters';
import type { RunningApp } from '../src/compose';
import { createLifecycle, requestDrainBudgetMs } from '../src/lifecycle';
import { createLogger } from '../src/logger';

/** A logger whose JSON lines land in `lines`. */
function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger('debug', { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { lines, logger };
}

function fakeApp(close: (code?: number) => Promise<void> = async () => {}) {
  const calls: Array<number | undefined> = [];
  const app: RunningApp = {
    port: 1234,
    close: (code) => {
      calls.push(code);
      return close(code);
    },
  };
  return { app, calls };
}

describe('createLifecycle', () => {
  test('stop closes the app once with 1001 and exits with the requested code', async () => {
    const { logger } = capture();
    const exits: number[] = [];
    const { app, calls } = fakeApp();
    const life = createLifecycle({ logger, shutdownTimeoutMs: 5000, exit: (c) => exits.push(c), drainMs: 0 });
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
    const life = createLifecycle({ logger, shutdownTimeoutMs: 5000, exit: (c) => exits.push(c), drainMs: 0 });
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
    const life = createLifecycle({ logger, shutdownTimeoutMs: 100, exit: (c) => exits.push(c), drainMs: 0 });
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
    const life = createLifecycle({ logger, shutdownTimeoutMs: 5000, exit: (c) => exits.push(c), drainMs: 0 });
    life.start(() => new Promise<RunningApp>((r) => (started = r)));
    const stopping = life.stop('SIGTERM', 0);
    started(app);
    await stopping;
    expect(calls).toEqual([1001]);
    expect(exits).toEqual([0]);
  });

  test('a failed start logs why and exits 1', async () => {
    const { logger, lines } = capture();
    const exits: number[] = [];
    const life = createLifecycle({ logger, shutdownTimeoutMs: 5000, exit: (c) => exits.push(c), drainMs: 0 });
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

describe('requestDrainBudgetMs', () => {
  test('finishing admitted requests may take half of SHUTDOWN_TIMEOUT_MS; the closes keep the rest', () => {
    expect(requestDrainBudgetMs(5000)).toBe(2500);
    expect(requestDrainBudgetMs(101)).toBe(50);
  });
});
