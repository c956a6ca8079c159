import { CloseCode } from './close-codes';
import { ChatError, ErrorCode, isChatError } from './error-codes';
import { createHeartbeat } from './heartbeat';
import { createLimits, type Limits } from './limits';
import { createMemoryBus } from './memory-bus';
import { createMemoryFanout } from './memory-fanout';
import { createOriginPolicy } from './origin-policy';
import type { Bus, BusEvent } from './ports/bus';
import type { Cancel, Clock } from './ports/clock';
import type { Connection, ConnectionEvents } from './ports/connection';
import type { Fanout } from './ports/fanout';
import type { Ids } from './ports/ids';
import { silentLog, type Log } from './ports/log';
import type { ChatStore } from './ports/store';
import { createDecoder } from './protocol/decode';
import type { Request, WireRoom } from './protocol/frames';
import { createTokenBucket } from './rate-limit';
import { createRequestHandlers, sendFrame } from './request-handlers';
import { createRoomDirectory } from './room-directory';
import { createRoomFeed } from './room-feed';
import type { Session } from './session';
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
  const handlers = createRequestHandlers({ store, guard, bus, fanout, clock, ids, limits, directory, feed });
  const sessions = new Set<Session>();
  const stops: Cancel[] = [];
  let closed = false;

  function onBus(event: BusEvent): void {
    switch (event.kind) {
      case 'message':
        directory.upsert(event.room);
        feed.deliver(event.message);
        return;
      case 'room':
        directory.upsert(event.room);
        return;
      case 'resync':
        guard('listRooms', () => store.listRooms()).then(
          (rooms) => directory.replaceAll(rooms),
          () => log('warn', 'room list resync failed'),
        );
        feed.resync();
        return;
    }
  }

  function sendError(s: Session, error: ChatError, requestType: string | null): void {
    sendFrame(s, { type: 'error', code: error.code, message: error.message, requestType });
  }

  function fail(s: Session, err: unknown, requestType: string): void {
    if (isChatError(err)) return sendError(s, err, requestType);
    // A bug, not bad input: say nothing specific to the client, everything to the log.
    log('error', 'request failed unexpectedly', { connId: s.id, requestType, err: String(err), stack: (err as Error)?.stack });
    sendError(s, new ChatError(ErrorCode.INTERNAL, 'Internal error.'), requestType);
    s.connection.close(CloseCode.INTERNAL_ERROR, 'internal error');
  }

  function handle(s: Session, r: Request): void | Promise<void> {
    if (!s.greeted && r.type !== 'hello' && r.type !== 'ping') {
      throw new ChatError(ErrorCode.HELLO_REQUIRED, 'Send hello first.');
    }
    // The switch narrows each request to its handler's type.
    switch (r.type) {
      case 'hello': return handlers.hello(s, r);
      case 'set_profile': return handlers.set_profile(s, r);
      case 'create_room': return handlers.create_room(s, r);
      case 'join_room': return handlers.join_room(s, r);
      case 'send_message': return handlers.send_message(s, r);
      case 'ping': return handlers.ping(s, r);
    }
  }

  /** Handles requests in arrival order per connection, so a send after a join sees the join. */
  function run(s: Session, r: Request): void {
    let pending: void | Promise<void>;
    try {
      pending = handle(s, r);
    } catch (e) {
      return fail(s, e, r.type);
    }
    if (!pending) return;
    if (r.type === 'send_message') {
      // Already queued in the store, which keeps call order: the next request
      // need not wait for the commit (see Session.inflight).
      s.inflight++;
      pending.then(
        () => {
          s.inflight--;
          pump(s);
        },
        (e: unknown) => {
          s.inflight--;
          fail(s, e, r.type);
          pump(s);
        },
      );
      return;
    }
    s.busy = true;
    pending.then(
      () => next(s),
      (e: unknown) => {
        fail(s, e, r.type);
        next(s);
      },
    );
  }

  function next(s: Session): void {
    s.busy = false;
    pump(s);
  }

  /**
   * Sends may overlap each other; anything else waits until the sends
   * before it are stored, so e.g. a join after a send still sees the sender
   * in the room when its message is broadcast.
   */
  function canRun(s: Session, r: Request): boolean {
    return !s.busy && (s.inflight === 0 || r.type === 'send_message');
  }

  function pump(s: Session): void {
    while (!s.closed) {
      const r = s.queue[0];
      if (!r || !canRun(s, r)) return;
      s.queue.shift();
      run(s, r);
    }
  }

  function onMessage(s: Session, data: string, isBinary: boolean): void {
    if (s.closed) return;
    s.heartbeat.alive();
    if (isBinary) {
      return sendError(s, new ChatError(ErrorCode.INVALID_REQUEST, 'Binary frames are not supported; send JSON text.'), null);
    }
    const decoded = decoder.decode(data);
    if (!decoded.ok) return sendError(s, decoded.error, decoded.requestType);
    const r = decoded.request;
    if (!s.bucket.take(clock.now())) {
      return sendError(s, new ChatError(ErrorCode.RATE_LIMITED, 'Too many requests; slow down.'), r.type);
    }
    if (s.queue.length + s.inflight >= limits.maxPendingRequests) {
      return sendError(s, new ChatError(ErrorCode.RATE_LIMITED, 'Too many requests waiting; slow down.'), r.type);
    }
    if (s.queue.length === 0 && canRun(s, r)) return run(s, r);
    s.queue.push(r);
  }

  function onClosed(s: Session, code: number): void {
    if (s.closed) return;
    s.closed = true;
    s.queue.length = 0;
    handlers.leaveRoom(s);
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

  function sweep(): void {
    for (const s of sessions) {
      if (s.heartbeat.beat() === 'ping') {
        s.connection.ping();
        continue;
      }
      log('info', 'peer missed heartbeat; dropping', { connId: s.id, remoteAddress: s.connection.remoteAddress });
      s.connection.terminate();
      // Transports report the close too; this makes sure the session goes even if one does not.
      onClosed(s, 1006);
    }
  }

  return {
    limits,
    acceptsOrigin,
    get connectionCount() {
      return sessions.size;
    },

    async start() {
      directory.replaceAll(await guard('listRooms', () => store.listRooms()));
      stops.push(bus.subscribe(onBus));
      directory.start();
      stops.push(clock.every(limits.heartbeatMs, sweep));
    },

    open(connection) {
      const now = clock.now();
      const s: Session = {
        id: ids.connectionId(),
        connection,
        openedAt: now,
        bucket: createTokenBucket(limits.rateLimitPerSec, limits.rateLimitBurst, now),
        heartbeat: createHeartbeat(),
        profile: { name: `guest${1000 + ids.randomInt(9000)}`, avatarId: 0 },
        greeted: false,
        sessionId: undefined,
        roomId: undefined,
        queue: [],
        busy: false,
        inflight: 0,
        closed: false,
      };
      if (closed) {
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
