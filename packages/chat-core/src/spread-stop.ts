import type { Cancel, Clock } from './ports/clock';
import type { Log } from './ports/log';
import type { Session } from './session';

/** How a stopping server lets its connections go (see `ChatServer.stop`). */
export interface StopPlan {
  /**
   * The closes are spread evenly over this long, in ms (`DRAIN_MS`): the
   * i-th of n connections closes at i x spreadMs / n, so its clients
   * reconnect elsewhere over that window, not all in the same second.
   * 0 closes every connection at once.
   */
  readonly spreadMs: number;
  /** After the last connection's turn, how long its admitted requests may take, in ms. */
  readonly requestBudgetMs: number;
  /** 1001 (shutting down) or 1012 (restarting). */
  readonly code: number;
  readonly reason: string;
}

export interface SpreadStopDeps {
  readonly clock: Clock;
  readonly log: Log;
  /** Stops reading the session's requests and resolves once every admitted one is answered. */
  drainOne(s: Session): Promise<void>;
  /** How many of the session's requests are admitted and not yet answered. */
  pendingOf(s: Session): number;
  /** Closes the session with the plan's code. */
  closeOne(s: Session): void;
  /** The store deadline has come for everything still in flight (see StoreGuard.expire). */
  expireStore(): void;
}

/**
 * Lets `sessions` go one by one: until its turn a connection is served as
 * usual; at its turn it stops reading, its admitted requests are answered
 * (stored and broadcast, or an error frame), and it is closed. At
 * spreadMs + requestBudgetMs every store call still waiting gives up, so the
 * stop cannot outlast its budget. Resolves when every session is closed.
 */
export async function spreadStop(sessions: readonly Session[], plan: StopPlan, deps: SpreadStopDeps): Promise<void> {
  const { clock, log } = deps;
  const n = sessions.length;
  log('info', 'closing connections', { connections: n, spreadMs: plan.spreadMs, code: plan.code });
  let deadlineReached = false;
  let admitted = 0;
  const deadline = clock.schedule(plan.spreadMs + plan.requestBudgetMs, () => {
    deadlineReached = true;
    deps.expireStore();
  });
  const turns: Cancel[] = [];
  await Promise.all(
    sessions.map(
      (s, i) =>
        new Promise<void>((resolve) => {
          const go = () => {
            admitted += deps.pendingOf(s);
            void deps.drainOne(s).then(() => {
              deps.closeOne(s);
              resolve();
            });
          };
          const atMs = n > 1 ? Math.floor((i * plan.spreadMs) / n) : 0;
          if (atMs === 0) go();
          else turns.push(clock.schedule(atMs, go));
        }),
    ),
  );
  deadline();
  for (const cancel of turns) cancel();
  log('info', 'requests drained', { connections: n, admitted, deadlineReached });
}
