import { createBusRouter } from './bus-router';
import { CloseCode } from './close-codes';
import { ChatError, ErrorCode, isChatError } from './error-codes';
import { sweepHeartbeats } from './heartbeat-sweep';
import { createLimits, type Limits } from './limits';
import { createMemoryBus } from './memory-bus';
import { createMemoryFanout } from './memory-fanout';
import { createOriginPolicy } from './origin-policy';
import type { Bus } from './ports/bus';
import type { Cancel, Clock } from './ports/clock';
import type { Connection, ConnectionEvents } from './ports/connection';
import type { Fanout } from './ports/fanout';
import type { Ids } from './ports/ids';
import { silentLog, type Log } from './ports/log';
import type { ChatStore } from './ports/store';
import { createDecoder } from './protocol/decode';
import type { WireRoom } from './protocol/frames';
import type { RequestContext } from './request-context';
import type { RequestJob } from './request-spec';
import { createRoomDirectory } from './room-directory';
import { createRoomFeed } from './room-feed';
import { createRoomMembership } from './room-membership';
import { createSession, type Session } from './session';
import { sendError } from './session-frames';
import { createStoreGuard } from './store-guard';
import { ROOM_LIST_TOPIC } from './wire';

export interface ChatServerDeps {
  readonly store: ChatStore;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly log?: Log;
  /** Cross-instance events; defaults to the in-process bus (one instance). */
  readonly bus?: Bus;
  /** Native topic fan-out from the transport; defaults to a loop over members. */
  readonly fanout?: Fanout;
}

export interface ChatServerOptions {
  readonly limits?: Partial<Limits>;
  /** Exact origins allowed to open a socket; undefined or empty allows any. */
  readonly allowedOrigins?: readonly string[];
}

export interface ChatServer {
  readonly limits: Limits;
  /** Origin check for the transport's upgrade handler. */
  acceptsOrigin(origin: string | undefined): boolean;
  /** A transport hands over a new socket; it calls the returned events from then on. */
  open(connection: Connection): ConnectionEvents;
  /** Loads the room list and starts timers and the bus subscription. Call once before `open`. */
  start(): Promise<void>;
  /** The room list as `/api/rooms` and `room_list` show it. */
  rooms(): WireRoom[];
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
   * Closes every connection with `code` (1001 going away, 1012 restart) and
   * stops timers and the bus subscription. Idempotent. The store is the
   * caller's to close, after the transport has stopped.
   */
  close(code?: number, reason?: string): void;
}

/** The rg-chat-v1 server, independent of any socket library or database. */
export function createChatServer(deps: ChatServerDeps, options: ChatServerOptions = {}): ChatServer {
  const limits = createLimits(options.limits);
  const { store, clock, ids } = deps;
  const log = deps.log ?? silentLog;
  const bus = deps.bus ?? createMemoryBus();
  const fanout = deps.fanout ?? createMemoryFanout();
  const acceptsOrigin = createOriginPolicy(options.allowedOrigins);
  const decoder = createDecoder(limits);
  const guard = createStoreGuard(clock, limits.storeTimeoutMs, log);
  const directory = createRoomDirectory(fanout, clock, limits.roomListIntervalMs);
  const feed = createRoomFeed({ store, guard, fanout, clock, log, historyLimit: limits.historyLimit, gapFillMs: limits.gapFillMs });
  const rooms = createRoomMembership({ store, guard, directory, feed });
  const ctx: RequestContext = { store, guard, bus, fanout, clock, ids, limits, directory, feed, rooms };
  const sessions = new Set<Session>();
  const stops: Cancel[] = [];
  let closed = false;
  let draining: Promise<void> | undefined;

  function serve(s: Session, { spec, request }: RequestJob): void | Promise<void> {
    // Checked when the request's turn comes: a hello queued before it counts.
    if (spec.needsHello && !s.greeted) throw new ChatError(ErrorCode.HELLO_REQUIRED, 'Send hello first.');
    return spec.handle(ctx, s, request);
  }

  function failed(s: Session, job: RequestJob, err: unknown): void {
    const requestType = job.request.type;
    if (isChatError(err)) return sendError(s, err, requestType);
    // A bug, not bad input: say nothing specific to the client, everything to the log.
    log('error', 'request failed unexpectedly', { connId: s.id, requestType, err: String(err), stack: (err as Error)?.stack });
    sendError(s, new ChatError(ErrorCode.INTERNAL, 'Internal error.'), requestType);
    s.connection.close(CloseCode.INTERNAL_ERROR, 'internal error');
  }

  function overflow(s: Session): void {
    log('info', 'request queue over its hard bound; closing', { connId: s.id, remoteAddress: s.connection.remoteAddress });
    s.connection.close(CloseCode.TRY_AGAIN_LATER, 'too many queued requests');
    onClosed(s, CloseCode.TRY_AGAIN_LATER);
  }

  function onMessage(s: Session, data: string, isBinary: boolean): void {
    // Draining: whatever the transport still delivers is never run, so it gets no answer.
    if (s.closed || draining) return;
    s.heartbeat.alive();
    if (isBinary) {
      return sendError(s, new ChatError(ErrorCode.INVALID_REQUEST, 'Binary frames are not supported; send JSON text.'), null);
    }
    const decoded = decoder.decode(data, s.features);
    if (!decoded.ok) return sendError(s, decoded.error, decoded.requestType);
    if (!s.bucket.take(clock.now())) {
      return sendError(s, new ChatError(ErrorCode.RATE_LIMITED, 'Too many requests; slow down.'), decoded.request.type);
    }
    // Admitted: queued and served in order, never refused for queue length.
    s.requests.push(decoded);
  }

  function onClosed(s: Session, code: number): void {
    if (s.closed) return;
    s.closed = true;
    s.requests.close();
    rooms.leave(s);
    fanout.unsubscribe(s.connection, ROOM_LIST_TOPIC);
    sessions.delete(s);
    log('info', 'disconnect', {
      connId: s.id,
      remoteAddress: s.connection.remoteAddress,
      origin: s.connection.origin,
      durationMs: clock.now() - s.openedAt,
      code,
    });
  }

  return {
    limits,
    acceptsOrigin,
    get connectionCount() {
      return sessions.size;
    },

    async start() {
      directory.replaceAll(await guard('listRooms', () => store.listRooms()));
      stops.push(bus.subscribe(createBusRouter({ store, guard, directory, feed, log })));
      directory.start();
      stops.push(clock.every(limits.heartbeatMs, () => sweepHeartbeats(sessions, log, onClosed)));
    },

    open(connection) {
      const s = createSession(connection, { clock, ids, limits, serve, failed, overflow });
      if (closed || draining) {
        connection.close(CloseCode.GOING_AWAY, 'server shutting down');
        s.closed = true;
      } else {
        sessions.add(s);
        log('info', 'connect', { connId: s.id, remoteAddress: connection.remoteAddress, origin: connection.origin });
      }
      return {
        message: (data, isBinary) => onMessage(s, data, isBinary),
        pong: () => s.heartbeat.alive(),
        closed: (code) => onClosed(s, code),
      };
    },

    rooms: () => directory.list(),

    check: () => guard('check', () => store.check()),

    drain(deadlineMs) {
      draining ??= (async () => {
        const all = [...sessions];
        const admitted = all.reduce((n, s) => n + s.requests.pending, 0);
        log('info', 'draining requests', { connections: all.length, admitted, deadlineMs });
        const settled = Promise.all(all.map((s) => s.requests.drain()));
        let cancel: Cancel | undefined;
        const deadline = new Promise<'deadline'>((resolve) => (cancel = clock.schedule(deadlineMs, () => resolve('deadline'))));
        const first = await Promise.race([settled.then(() => 'drained' as const), deadline]);
        cancel?.();
        // From here no store call waits: what is in flight gives up, what is queued fails at once.
        guard.expire();
        await settled;
        log('info', 'requests drained', { admitted, deadlineReached: first === 'deadline' });
      })();
      return draining;
    },

    close(code = CloseCode.GOING_AWAY, reason = 'server shutting down') {
      if (closed) return;
      closed = true;
      for (const stop of stops.splice(0)) stop();
      directory.close();
      feed.close();
      for (const s of [...sessions]) {
        s.connection.close(code, reason);
        onClosed(s, code);
      }
    },
  };
}
