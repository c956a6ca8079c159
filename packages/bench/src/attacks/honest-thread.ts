import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { openClient, type ClientOptions } from '../client';
import { createTally } from '../recorder';
import { startHonestPinger, type PingPhase } from './honest-pinger';

/** What the honest client reports when it stops. */
export interface HonestResult {
  phases: Record<string, PingPhase>;
  closedByServer: boolean;
  closeCode: number | null;
  /** The honest thread's own event-loop delay while it ran: the part of a ping's latency that is the tool's. */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
}

/** The honest client, running on a thread of its own (see `startHonestThread`). */
export interface HonestThread {
  phase(name: string): void;
  /** Stops pinging; resolves once every ping is answered or `drainMs` passed. */
  stop(drainMs: number): Promise<HonestResult>;
}

type ToWorker = { type: 'phase'; name: string } | { type: 'stop'; drainMs: number };
type FromWorker = { type: 'ready' } | { type: 'failed'; error: string } | { type: 'result'; result: HonestResult };
type HonestData = { options: Omit<ClientOptions, 'tally'>; intervalMs: number };

/** The compiled file a worker can run: under ts-jest this module is its .ts source, dist holds the .js. */
const workerFile = (): string => (__filename.endsWith('.ts') ? __filename.replace(/([/\\])src([/\\])(.*)\.ts$/, '$1dist$2$3.js') : __filename);

/**
 * Starts the honest client of the abuse mode on a worker thread: with 100+
 * attackers the main thread's event loop lags tens of milliseconds, and a
 * ping that shares it would report the tool's lag as the server's. Resolves
 * once the client is greeted.
 */
export function startHonestThread(options: Omit<ClientOptions, 'tally'>, intervalMs: number): Promise<HonestThread> {
  const data: HonestData = { options, intervalMs };
  const worker = new Worker(workerFile(), { workerData: data });
  let answer: ((m: FromWorker) => void) | undefined;
  let failure: Error | undefined;
  const next = (): Promise<FromWorker> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      answer = resolve;
    });
  worker.on('message', (m: FromWorker) => answer?.(m));
  worker.on('error', (e) => {
    failure = e;
    answer?.({ type: 'failed', error: String(e) });
  });
  const post = (m: ToWorker) => worker.postMessage(m);
  return next().then((m) => {
    if (m.type !== 'ready') {
      void worker.terminate();
      throw new Error(`honest client failed to connect: ${m.type === 'failed' ? m.error : m.type}`);
    }
    return {
      phase: (name) => post({ type: 'phase', name }),
      async stop(drainMs) {
        const result = next();
        post({ type: 'stop', drainMs });
        const m = await result;
        await worker.terminate();
        if (m.type !== 'result') throw new Error(`honest client failed: ${m.type === 'failed' ? m.error : m.type}`);
        return m.result;
      },
    };
  });
}

async function runWorker(port: NonNullable<typeof parentPort>, data: HonestData): Promise<void> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const client = await openClient(0, { ...data.options, tally: createTally() });
  const pinger = startHonestPinger(client, data.intervalMs);
  port.on('message', (m: ToWorker) => {
    if (m.type === 'phase') return pinger.phase(m.name);
    void pinger.stop(m.drainMs).then(async (phases) => {
      delay.disable();
      const result: HonestResult = {
        phases,
        closedByServer: client.closed,
        closeCode: client.closeCode ?? null,
        eventLoopDelayP99Ms: Math.round(delay.percentile(99) / 1e4) / 100,
        eventLoopDelayMaxMs: Math.round(delay.max / 1e4) / 100,
      };
      await client.close();
      port.postMessage({ type: 'result', result } satisfies FromWorker);
    });
  });
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  runWorker(port, workerData as HonestData).catch((e: unknown) => port.postMessage({ type: 'failed', error: String(e) } satisfies FromWorker));
}
