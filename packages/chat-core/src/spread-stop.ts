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

export interface ShutdownDeps {
  readonly clock: Clock;
  readonly log: Log;
  /** The sessions open now. */
  sessions(): Iterable<Session>;
  /** Every store call in flight gives up; later ones fail at once (StoreGuard.expire). */
  expireStore(): void;
  /** Closes one session with `code`. */
  close(s: Session, code: number, reason: string): void;
  /** Closes the rest of the server (timers, bus, presence) and any session left. */
  closeServer(code: number, reason: string): void;
}

/**
 * The chat server's two ways to stop taking work: `drain` (every connection
 * stops reading at once and has its admitted requests answered; the caller
 * closes) and `stop` (the same, one connection at a time over the plan's
 * spread, each closed at its turn, then the whole server). Both idempotent.
 */
export function createShutdown(deps: ShutdownDeps) {
  const leaving = new WeakSet<Session>();
  let draining: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  const run = (plan: StopPlan, closeOne: (s: Session) => void) =>
    spreadStop([...deps.sessions()], plan, {
      clock: deps.clock,
      log: deps.log,
      drainOne: (s) => {
        leaving.add(s);
        return s.requests.drain();
      },
      pendingOf: (s) => s.requests.pending,
      closeOne,
      expireStore: deps.expireStore,
    });
  return {
    /** No new connection is accepted once either has begun. */
    get refusing(): boolean {
      return draining !== undefined || stopping !== undefined;
    },
    /** Whether this session's turn has come: what it still sends is dropped unanswered. */
    leaving: (s: Session): boolean => leaving.has(s),
    drain(deadlineMs: number): Promise<void> {
      draining ??= run({ spreadMs: 0, requestBudgetMs: deadlineMs, code: 0, reason: '' }, () => undefined);
      return draining;
    },
    stop(plan: StopPlan): Promise<void> {
      stopping ??= run(plan, (s) => {
        if (!s.closed) deps.close(s, plan.code, plan.reason);
      }).then(() => deps.closeServer(plan.code, plan.reason));
      return stopping;
    },
  };
}
