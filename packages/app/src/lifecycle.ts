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
   * After clients were sent their close frame, how long to wait for the
   * closing handshakes to finish before exiting, in ms. A peer that never
   * answers holds no one up past this. Default 1000.
   */
  readonly drainMs?: number;
}

/** The process around one app: start it, stop it once, exit with the right code. */
export interface Lifecycle {
  /** Starts the app; a failed start logs why and stops with exit code 1. */
  start(startApp: () => Promise<RunningApp>): void;
  /**
   * Stops accepting, stops reading requests and answers every admitted one
   * (within `requestDrainBudgetMs`), closes every client with 1001, closes
   * the bus and the store, lets the closing handshakes drain and exits
   * with `exitCode` (1 if the stop
   * itself failed). Idempotent: a second call (a second signal, a crash while
   * stopping) closes nothing twice; it can only raise the exit code.
   */
  stop(reason: string, exitCode: number): Promise<void>;
}

const DRAIN_POLL_MS = 25;

/**
 * The share of SHUTDOWN_TIMEOUT_MS the chat server may spend finishing the
 * requests it admitted (`ChatServer.drain`), in ms: half. The other half is
 * left for the closing handshakes (`drainMs`), the bus and the store, so a
 * slow store costs requests an error frame, not the forced exit.
 */
export const requestDrainBudgetMs = (shutdownTimeoutMs: number): number => Math.floor(shutdownTimeoutMs / 2);

/** Sockets and listeners still open in this process (closing handshakes in flight). */
const openTcpHandles = (): number =>
  process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap').length;

async function drainSockets(maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (openTcpHandles() > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  }
}

export function createLifecycle(options: LifecycleOptions): Lifecycle {
  const { logger, shutdownTimeoutMs, exit } = options;
  const drainMs = options.drainMs ?? 1000;
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

    stop(reason, code) {
      exitCode = Math.max(exitCode, code);
      if (stopping) {
        logger.warn({ reason }, 'already stopping');
        return stopping;
      }
      logger.info({ reason, shutdownTimeoutMs }, 'shutting down');
      // unref: the timer must not be what keeps a finished process alive.
      const force = setTimeout(() => {
        logger.error({ shutdownTimeoutMs }, 'shutdown timed out; forcing exit');
        exit(1);
      }, shutdownTimeoutMs);
      force.unref();
      stopping = (async () => {
        try {
          const running = await app;
          await running?.close(CloseCode.GOING_AWAY);
          await drainSockets(drainMs);
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
