import type { StopPlan } from './spread-stop';
import type { ChatAdmin } from './moderation/moderation';
import type { Admission } from './address-book';
import type { Limits } from './limits';
import type { Bus } from './ports/bus';
import type { Clock } from './ports/clock';
import type { Connection, ConnectionEvents } from './ports/connection';
import type { Fanout } from './ports/fanout';
import type { Ids } from './ports/ids';
import type { Log } from './ports/log';
import type { ChatMetrics } from './ports/metrics';
import type { HistoryAnswer } from './history';
import type { ChatStore, PageQuery } from './ports/store';
import type { WireRoom } from './protocol/frames';
import type { RoomPage, RoomQuery } from './room-search';

/**
 * What a chat server needs, how it is tuned, and what it offers the edge
 * and the app: the server's contract, apart from its wiring (chat-server.ts).
 */

export interface ChatServerDeps {
  readonly store: ChatStore;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly log?: Log;
  /** Cross-instance events; defaults to the in-process bus (one instance). */
  readonly bus?: Bus;
  /** Native topic fan-out from the transport; defaults to a loop over members. */
  readonly fanout?: Fanout;
  /**
   * This instance on the bus, unique per start (app passes the one its bus
   * drops echoes by). Presence names its members' instance with it. Default:
   * a fresh id from `ids`.
   */
  readonly instanceId?: string;
  /** What core counts (connections, requests, errors, refusals, messages); default `noMetrics`. */
  readonly metrics?: ChatMetrics;
}

export interface ChatServerOptions {
  readonly limits?: Partial<Limits>;
  /** Exact origins allowed to open a socket; undefined or empty allows any. */
  readonly allowedOrigins?: readonly string[];
  /**
   * The extension features a `hello` may negotiate (`FEATURE_NAMES`; an
   * unknown name throws a RangeError). Default: all of them.
   */
  readonly features?: readonly string[];
}

export interface ChatServer {
  readonly limits: Limits;
  /** The clock core runs on (`ChatServerDeps.clock`); the edge times close deadlines with it. */
  readonly clock: Clock;
  /**
   * The metrics core counts with (`ChatServerDeps.metrics`); the edge counts
   * its send-budget drops with it. Optional for the edge's sake: a server
   * without one counts nothing.
   */
  readonly metrics?: ChatMetrics;
  /** Rooms this instance knows of (every room in the store, as the bus keeps it current). */
  readonly roomCount: number;
  /** Origin check for the transport's upgrade handler. */
  acceptsOrigin(origin: string | undefined): boolean;
  /**
   * Connection caps for the transport's upgrade handler: `server-full` (HTTP
   * 503) at `maxConnections` open sockets, `address-full` (HTTP 429) at
   * `maxConnectionsPerIp` from `remoteAddress`. Counted on `open` and the
   * close; refusals are logged at most once a minute per kind and address.
   */
  admit(remoteAddress: string): Admission;
  /** What an operator can do (the admin HTTP API maps onto it). */
  readonly admin: ChatAdmin;
  /** A transport hands over a new socket; it calls the returned events from then on. */
  open(connection: Connection): ConnectionEvents;
  /** Loads the room list and starts timers and the bus subscription. Call once before `open`. */
  start(): Promise<void>;
  /** The room list as `room_list` shows it (at most `roomListLimit` rooms). */
  rooms(): WireRoom[];
  /** One page of every room, as `GET /api/rooms` answers it (see room-search.ts). */
  searchRooms(query: RoomQuery): RoomPage;
  /**
   * One page of a room's history as `GET /api/rooms/{roomId}/messages`
   * answers it (see history.ts); rejects with a ChatError: ROOM_NOT_FOUND,
   * or STORE_UNAVAILABLE when the store fails or is too slow.
   */
  history(roomId: string, query: PageQuery): Promise<HistoryAnswer>;
  /** Resolves when the store answers within the store timeout. */
  check(): Promise<void>;
  readonly connectionCount: number;
  /**
   * Shutdown, before `close`: reads no new requests on any connection
   * (paused where the transport can; frames that still arrive are dropped
   * unanswered and uncounted, so an unanswered request was never run) and
   * finishes every admitted one: stored and broadcast, or an `error` frame.
   * At `deadlineMs` every store call still in flight gives up (an append
   * answers STORE_TIMEOUT) and requests not yet started fail without
   * reaching the store (STORE_UNAVAILABLE). Resolves once every admitted
   * request is answered. Idempotent.
   */
  drain(deadlineMs: number): Promise<void>;
  /**
   * Shutdown with the closes spread over `plan.spreadMs` (see `StopPlan`):
   * no new connection is accepted; each open one is served as usual until
   * its turn, then stops reading, has its admitted requests answered and is
   * closed with `plan.code`; then `close`. Idempotent (the first plan wins).
   */
  stop(plan: StopPlan): Promise<void>;
  /**
   * Closes every connection with `code` (1001 going away, 1012 restart) and
   * stops timers and the bus subscription. Idempotent. The store is the
   * caller's to close, after the transport has stopped.
   */
  close(code?: number, reason?: string): void;
}
