import type { AddressEntry } from './address-book';
import { createFrameToll, type FrameToll } from './frame-toll';
import { createHeartbeat, type Heartbeat } from './heartbeat';
import type { Limits } from './limits';
import type { Cancel, Clock } from './ports/clock';
import type { Connection, ConnectionEvents } from './ports/connection';
import type { Ids } from './ports/ids';
import { noMetrics, type ChatMetrics } from './ports/metrics';
import type { Profile } from './protocol/frames';
import { createRequestScheduler, type RequestScheduler, type SchedulerFlow, type SchedulerHooks } from './request-scheduler';
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
  stopHelloDeadline: Cancel;
}

/** What a connection without negotiated features has. */
export const NO_FEATURES: ReadonlySet<string> = new Set();

/** The display name of a client that gave none (or an invalid one), as in the seed. */
export const guestName = (ids: Ids): string => `guest${1000 + ids.randomInt(9000)}`;

/** What a new session's request queue calls back into the server for; one object shared by every session. */
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

/** What the transport's reports on one connection go to; one object shared by every session. */
export interface SessionEventSink {
  /** A complete inbound frame on `s`. */
  received(s: Session, data: string, isBinary: boolean): void;
  /** `s`'s socket is gone. */
  closed(s: Session, code: number): void;
}

const nothingToCancel: Cancel = () => {};

/*
 * Classes, not object literals with closures: every connection holds one
 * of each, and closures cost a context and a function object per callback
 * per connection (~2 KB per idle connection with the queue and the edge,
 * docs/benchmarks.md). Their methods live once, on the prototypes.
 */

/** A session's queue callbacks (`SchedulerHooks` and `SchedulerFlow`), bound to it by one field. */
class SessionQueueHooks implements SchedulerHooks<RequestJob>, SchedulerFlow {
  constructor(
    private readonly s: Session,
    private readonly server: SessionServer,
  ) {}

  get maxPending(): number {
    return this.server.limits.maxPendingRequests;
  }

  run(job: RequestJob): void | Promise<void> {
    return this.server.serve(this.s, job);
  }

  overlaps(job: RequestJob): boolean {
    return job.spec.pipelines;
  }

  failed(job: RequestJob, error: unknown): void {
    this.server.failed(this.s, job, error);
  }

  pause(): void {
    this.s.connection.pauseReading?.();
  }

  resume(): void {
    this.s.connection.resumeReading?.();
  }

  overflow(): void {
    this.server.overflow(this.s);
  }
}

class ConnectionSession implements Session {
  readonly id: string;
  readonly openedAt: number;
  readonly toll: FrameToll;
  readonly heartbeat: Heartbeat = createHeartbeat();
  readonly metrics: ChatMetrics;
  profile: Profile;
  greeted = false;
  features: ReadonlySet<string> = NO_FEATURES;
  featuresAhead: ReadonlySet<string> = NO_FEATURES;
  sessionId: string | undefined = undefined;
  userId: string;
  roomId: string | undefined = undefined;
  readonly requests: RequestScheduler<RequestJob>;
  closed = false;
  stopHelloDeadline: Cancel = nothingToCancel;

  constructor(
    readonly connection: Connection,
    server: SessionServer,
    readonly address: AddressEntry,
  ) {
    const { clock, ids, limits } = server;
    this.openedAt = clock.now();
    this.id = ids.connectionId();
    this.userId = this.id;
    this.toll = createFrameToll(clock, limits, address);
    this.metrics = server.metrics ?? noMetrics;
    this.profile = { name: guestName(ids), avatarId: 0 };
    const hooks = new SessionQueueHooks(this, server);
    this.requests = createRequestScheduler<RequestJob>(hooks, hooks);
  }
}

/** The transport's `ConnectionEvents` for one session: two fields instead of three closures. */
class SessionEvents implements ConnectionEvents {
  constructor(
    private readonly s: Session,
    private readonly sink: SessionEventSink,
  ) {}

  message(data: string, isBinary: boolean): void {
    this.sink.received(this.s, data, isBinary);
  }

  pong(): void {
    this.s.heartbeat.alive();
  }

  closed(code: number): void {
    this.sink.closed(this.s, code);
  }
}

/** A fresh, not yet greeted session for `connection` from `address`, with a guest name and a full token bucket. */
export function createSession(connection: Connection, server: SessionServer, address: AddressEntry): Session {
  return new ConnectionSession(connection, server, address);
}

/** What the transport calls on `s`'s connection, reported to `sink`. */
export function sessionEvents(s: Session, sink: SessionEventSink): ConnectionEvents {
  return new SessionEvents(s, sink);
}
