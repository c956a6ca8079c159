import type { AddressEntry } from './address-book';
import { createFrameToll, type FrameToll } from './frame-toll';
import { createHeartbeat, type Heartbeat } from './heartbeat';
import type { Limits } from './limits';
import type { Clock } from './ports/clock';
import type { Connection } from './ports/connection';
import type { Ids } from './ports/ids';
import { noMetrics, type ChatMetrics } from './ports/metrics';
import type { Profile } from './protocol/frames';
import { createRequestScheduler, type RequestScheduler } from './request-scheduler';
import type { RequestJob } from './request-spec';

/** Core's state for one connection. */
export interface Session {
  readonly id: string;
  readonly connection: Connection;
  readonly openedAt: number;
  /** Its client address's shared state (counted in the address book until the close). */
  readonly address: AddressEntry;
  /** What its inbound frames and heavy answers cost, and its strikes (see frame-toll.ts). */
  readonly toll: FrameToll;
  readonly heartbeat: Heartbeat;
  /** The server's metrics (error frames are counted where they are sent). */
  readonly metrics: ChatMetrics;
  profile: Profile;
  /** `hello` received: the client gets room lists from now on. */
  greeted: boolean;
  /** Extension features negotiated in `hello.features`; empty for a plain rg-chat-v1 connection. */
  features: ReadonlySet<string>;
  /**
   * The features of the last `hello` admitted, which may still be queued:
   * what frames arriving now are decoded with, because they are served after
   * that hello (see `RequestSpec.admitted`).
   */
  featuresAhead: ReadonlySet<string>;
  /**
   * `hello.sessionId`. The extensions make it an author key, so it is a
   * secret: never log it or send it to anyone.
   */
  sessionId: string | undefined;
  /**
   * The extensions' `userId` (see user-id.ts): a one-way hash of
   * `sessionId`, or the connection id while hello gave none. Public; the
   * author key that acks, delete and reactions store and compare.
   */
  userId: string;
  /** The one room this connection is in (rg-chat-v1 allows one at a time). */
  roomId: string | undefined;
  /** Admitted requests, served in arrival order (see request-scheduler.ts). */
  readonly requests: RequestScheduler<RequestJob>;
  closed: boolean;
  /** Cancels the `helloTimeoutMs` deadline (on close). */
  stopHelloDeadline: () => void;
}

/** What a connection without negotiated features has. */
export const NO_FEATURES: ReadonlySet<string> = new Set();

/** The display name of a client that gave none (or an invalid one), as in the seed. */
export const guestName = (ids: Ids): string => `guest${1000 + ids.randomInt(9000)}`;

/** What a new session's request queue calls back into the server for. */
export interface SessionServer {
  readonly clock: Clock;
  readonly ids: Ids;
  readonly limits: Limits;
  /** Default `noMetrics`. */
  readonly metrics?: ChatMetrics;
  /** Serves one admitted request (its turn has come). */
  serve(s: Session, job: RequestJob): void | Promise<void>;
  /** A request threw or rejected. */
  failed(s: Session, job: RequestJob, error: unknown): void;
  /** The queue passed its hard bound (see `SchedulerFlow.overflow`). */
  overflow(s: Session): void;
}

/** A fresh, not yet greeted session for `connection` from `address`, with a guest name and a full token bucket. */
export function createSession(connection: Connection, server: SessionServer, address: AddressEntry): Session {
  const { clock, ids, limits } = server;
  const now = clock.now();
  const id = ids.connectionId();
  const s: Session = {
    id,
    connection,
    openedAt: now,
    address,
    toll: createFrameToll(clock, limits, address),
    heartbeat: createHeartbeat(),
    metrics: server.metrics ?? noMetrics,
    profile: { name: guestName(ids), avatarId: 0 },
    greeted: false,
    features: NO_FEATURES,
    featuresAhead: NO_FEATURES,
    sessionId: undefined,
    userId: id,
    roomId: undefined,
    requests: createRequestScheduler<RequestJob>(
      { run: (job) => server.serve(s, job), overlaps: (job) => job.spec.pipelines, failed: (job, e) => server.failed(s, job, e) },
      {
        maxPending: limits.maxPendingRequests,
        pause: connection.pauseReading && (() => connection.pauseReading?.()),
        resume: connection.resumeReading && (() => connection.resumeReading?.()),
        overflow: () => server.overflow(s),
      },
    ),
    closed: false,
    stopHelloDeadline: () => {},
  };
  return s;
}
