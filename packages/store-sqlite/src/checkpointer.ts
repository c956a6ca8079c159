import { Worker } from 'node:worker_threads';
import type { Log } from '@rgchat/chat-core';

export interface Checkpointer {
  /** Runs a last checkpoint, then stops the thread. Idempotent. */
  close(): Promise<void>;
}

export interface CheckpointerOptions {
  readonly path: string;
  readonly intervalMs: number;
  readonly busyTimeoutMs: number;
  readonly log: Log;
  /** Called once if the thread dies: the caller falls back to checkpointing inline. */
  readonly onFailure: () => void;
}

/**
 * The thread's code, evaluated as CommonJS. It opens its own connection and
 * runs PASSIVE checkpoints, which never wait for the writer (and the writer
 * never waits for them). Inline rather than a file so that it runs the same
 * from dist/ and from ts-jest's src/.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (e) {
    // Busy or I/O trouble: the next round tries again; the WAL just grows meanwhile.
    parentPort.postMessage({ kind: 'failed', err: String(e) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

/**
 * WAL checkpoints off the event loop. A checkpoint copies committed pages
 * from the WAL into the database file and fsyncs both; SQLite's automatic
 * checkpoint runs it inside whichever COMMIT crosses the threshold, so with
 * better-sqlite3 the event loop waited for those fsyncs (up to ~100 ms
 * measured under load, see docs/benchmarks.md). Here a worker thread with
 * its own connection does it every `intervalMs` instead.
 */
export function startCheckpointer(options: CheckpointerOptions): Checkpointer {
  const { log } = options;
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      path: options.path,
      intervalMs: options.intervalMs,
      busyTimeoutMs: options.busyTimeoutMs,
      driverPath: require.resolve('better-sqlite3'),
    },
  });
  let stopping = false;
  let failed = false;
  const fail = (why: string, err?: unknown) => {
    if (failed || stopping) return;
    failed = true;
    log('warn', 'sqlite checkpoint thread stopped; checkpointing inline from now on', { path: options.path, why, err: err === undefined ? undefined : String(err) });
    options.onFailure();
  };
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (m: { kind?: string; err?: string }) => {
    if (m?.kind === 'failed') log('warn', 'sqlite checkpoint failed; retrying next round', { path: options.path, err: m.err });
  });
  worker.on('error', (err) => fail('error', err));
  worker.on('exit', (code) => fail(`exited with code ${code}`));
  // The thread must never keep the process alive on its own.
  worker.unref();

  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        if (failed) return;
        stopping = true;
        // Unreferenced, the thread would let the process end (exit code 0)
        // while we wait for it here, before the caller's own exit code is set.
        worker.ref();
        worker.postMessage('stop');
        await exited;
      })();
      return closing;
    },
  };
}
