import type { Logger } from 'pino';
import { CloseCode } from '@rgchat/chat-core';
import { AdapterUnavailableError } from './adapters';
import type { RunningApp } from './compose';

export interface LifecycleOptions {
  readonly logger: Logger;
  /** A stop taking longer than this exits 1 anyway. */
  readonly shutdownTimeoutMs: number;
  /** Ends the process (`process.exit` in main; a spy in tests). */
  readonly exit: (code: number) => void;
  /**
   * Resolves once the process has nothing left to do, or after `withinMs`.
   * Default `eventLoopIdle`; tests of the lifecycle alone pass one that
   * resolves at once.
   */
  readonly loopIdle?: (withinMs: number) => Promise<void>;
}

/** The process around one app: start it, stop it once, exit with the right code. */
export interface Lifecycle {
  /** Starts the app; a failed start logs why and stops with exit code 1. */
  start(startApp: () => Promise<RunningApp>): void;
  /**
   * Stops accepting, stops reading requests and answers every admitted one
   * (within `requestDrainBudgetMs`), closes every client with `closeCode`
   * (default 1001; 1012 for a restart) spread over DRAIN_MS, closes
   * the bus and the store, waits until every client has read what it was
   * sent and its close (`RunningApp.settled`, then `loopIdle`; both until
   * `closesDeadlineMs`) and exits with `exitCode` (1 if the stop itself
   * failed). Idempotent: a second call (a second signal, a crash while
   * stopping) closes nothing twice; it can only raise the exit code.
   */
  stop(reason: string, exitCode: number, closeCode?: number): Promise<void>;
}

/**
 * How long the requests a connection had admitted may take once its turn
 * to close has come (`StopPlan.requestBudgetMs`), in ms: half of what the
 * spread of closes (`drainMs`) leaves of SHUTDOWN_TIMEOUT_MS. The other
 * half is left for the bus, the store and the closes (`closesDeadlineMs`),
 * so a slow store costs requests an error frame, not the forced exit.
 */
export const requestDrainBudgetMs = (shutdownTimeoutMs: number, drainMs = 0): number => Math.floor((shutdownTimeoutMs - drainMs) / 2);

/**
 * How long after the stop began the app waits for its clients' closes
 * (`RunningApp.settled`), in ms: SHUTDOWN_TIMEOUT_MS less a tenth of it (at
 * most 500 ms), which is left for terminating the sockets still closing and
 * exiting before the forced exit. A client that keeps up closes long
 * before; one that stopped reading is cut off here.
 */
export const closesDeadlineMs = (shutdownTimeoutMs: number): number => shutdownTimeoutMs - Math.min(500, Math.floor(shutdownTimeoutMs / 10));

/**
 * Resolves when Node's event loop has run dry ('beforeExit': every socket,
 * server, timer and file closed), or after `withinMs`. After the closes have
 * settled this is the closing handshakes finishing, including those uWS
 * completes natively after its `end()`, which no JS callback reports.
 */
export function eventLoopIdle(withinMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      process.off('beforeExit', done);
      resolve();
    };
    // unref: the deadline must not be what keeps the loop busy.
    const timer = setTimeout(done, withinMs).unref();
    process.once('beforeExit', done);
  });
}

export function createLifecycle(options: LifecycleOptions): Lifecycle {
  const { logger, shutdownTimeoutMs, exit } = options;
  const loopIdle = options.loopIdle ?? eventLoopIdle;
  let app: Promise<RunningApp | undefined> = Promise.resolve(undefined);
  let stopping: Promise<void> | undefined;
  let exitCode = 0;

  const lifecycle: Lifecycle = {
    start(startApp) {
      const starting = startApp();
      app = starting.catch(() => undefined);
      starting.catch((err: unknown) => {
        const reason = err instanceof Error ? err.message : String(err);
        // An unavailable adapter is a plain configuration answer; its stack would only add noise.
        logger.fatal(err instanceof AdapterUnavailableError ? {} : { err }, `could not start: ${reason}`);
        void lifecycle.stop('startup failed', 1);
      });
    },

    stop(reason, code, closeCode = CloseCode.GOING_AWAY) {
      exitCode = Math.max(exitCode, code);
      if (stopping) {
        logger.warn({ reason }, 'already stopping');
        return stopping;
      }
      logger.info({ reason, shutdownTimeoutMs }, 'shutting down');
      const closesDeadline = Date.now() + closesDeadlineMs(shutdownTimeoutMs);
      // unref: the timer must not be what keeps a finished process alive.
      const force = setTimeout(() => {
        logger.error({ shutdownTimeoutMs }, 'shutdown timed out; forcing exit');
        exit(1);
      }, shutdownTimeoutMs);
      force.unref();
      stopping = (async () => {
        try {
          const running = await app;
          await running?.close(closeCode);
          // Exiting earlier would cut off what clients were still reading (they would see 1006, not 1001).
          await running?.settled(Math.max(0, closesDeadline - Date.now()));
          // uWS forgets a socket once its close frame is queued; only the socket's end shows the peer got it.
          await loopIdle(Math.max(0, closesDeadline - Date.now()));
        } catch (err) {
          logger.error({ err }, 'shutdown failed');
          exitCode = 1;
        }
        clearTimeout(force);
        logger.info({ exitCode }, 'exiting');
        exit(exitCode);
      })();
      return stopping;
    },
  };
  return lifecycle;
}
