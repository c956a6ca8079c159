import { createAddressBook } from './address-book';
import { createBusRouter } from './bus-router';
import { CloseCode } from './close-codes';
import { createShutdown } from './spread-stop';
import { createModeration } from './moderation/moderation';
import type { Admission } from './address-book';
import { createConnectionAdmission } from './connection-admission';
import { enabledFeatures } from './features';
import { createFrameGate } from './frame-gate';
import { readHistory } from './history';
import { sweepHeartbeats } from './heartbeat-sweep';
import { createLimits } from './limits';
import { createMemoryBus } from './memory-bus';
import { createMemoryFanout } from './memory-fanout';
import { createOriginPolicy } from './origin-policy';
import { createPresenceStack } from './presence/presence-stack';
import type { Cancel } from './ports/clock';
import { silentLog } from './ports/log';
import { noMetrics } from './ports/metrics';
import { createDecoder } from './protocol/decode';
import type { RequestContext } from './request-context';
import { createRequestServing } from './request-serving';
import { createRoomCreateQuota } from './room-create-quota';
import { createRoomDirectory } from './room-directory';
import { createRoomListPusher } from './room-list-pusher';
import { searchRooms } from './room-search';
import { startEmptyRoomSweep } from './empty-room-sweep';
import { createRoomFeed } from './room-feed';
import { createRoomEvents } from './room-events';
import { createRoomMembership } from './room-membership';
import { sessionEvents, type Session, type SessionEventSink } from './session';
import { createSessionLifecycle } from './session-lifecycle';
import { createStoreGuard } from './store-guard';
import type { ChatServer, ChatServerDeps, ChatServerOptions } from './chat-server-contract';

export type { ChatServer, ChatServerDeps, ChatServerOptions } from './chat-server-contract';

/** How often idle addresses whose buckets refilled are forgotten (see address-book.ts). */
const ADDRESS_SWEEP_MS = 10_000;

/** The rg-chat-v1 server, independent of any socket library or database. */
export function createChatServer(deps: ChatServerDeps, options: ChatServerOptions = {}): ChatServer {
  const limits = createLimits(options.limits);
  const { store, clock, ids } = deps;
  const log = deps.log ?? silentLog;
  const metrics = deps.metrics ?? noMetrics;
  const bus = deps.bus ?? createMemoryBus();
  const fanout = deps.fanout ?? createMemoryFanout();
  const acceptsOrigin = createOriginPolicy(options.allowedOrigins);
  const decoder = createDecoder(limits, undefined, enabledFeatures(options.features));
  const guard = createStoreGuard(clock, limits.storeTimeoutMs, log);
  const directory = createRoomDirectory(limits.roomListLimit);
  const roomLists = createRoomListPusher({ directory, clock, intervalMs: limits.roomListIntervalMs, bytesPerSec: limits.roomListBytesPerSec });
  const roomCreates = createRoomCreateQuota(limits.roomCreatesPerIpPerHour);
  const feed = createRoomFeed({ store, guard, fanout, clock, log, historyLimit: limits.historyLimit, gapFillMs: limits.gapFillMs, metrics });
  // Presence over the bus whenever one was given (other instances may share it); alone, the memory one.
  // Only a shared bus needs an instance id; none is drawn otherwise (the connection ids stay in sequence).
  const instanceId = deps.instanceId ?? (deps.bus ? `inst_${ids.connectionId()}` : 'inst_local');
  const stack = createPresenceStack({ sharedBus: deps.bus, bus, fanout, clock, log, limits, directory, instanceId });
  const { presence, typing, roomPresence } = stack;
  const events = createRoomEvents(fanout);
  const rooms = createRoomMembership({ store, guard, directory, feed, events, presence: roomPresence });
  const ctx: RequestContext = { store, guard, bus, fanout, clock, ids, limits, metrics, directory, feed, events, rooms, roomLists, roomCreates, typing, presence: roomPresence };

  const addresses = createAddressBook(limits);
  const admitByCaps = createConnectionAdmission(addresses, clock, log, limits);
  const serving = createRequestServing({ ctx, metrics, log, close: (s, code, reason) => lifecycle.closeOne(s, code, reason) });
  const lifecycle = createSessionLifecycle({ clock, ids, limits, metrics, log, addresses, rooms, roomLists, serving });
  const { sessions, closeOne, closed: onClosed } = lifecycle;
  const moderation = createModeration({ store, guard, bus, clock, ids, log, presence, directory, sessions: () => sessions, close: closeOne });
  // A banned address is refused before it counts against any cap.
  const admit = (address: string): Admission => (moderation.banned(address) ? 'banned' : admitByCaps(address));
  const gate = createFrameGate({ decoder, log, closed: (s, code) => onClosed(s, code) });
  const stops: Cancel[] = [];
  let closed = false;
  const shutdown = createShutdown({ clock, log, sessions: () => sessions, expireStore: () => guard.expire(), close: closeOne, closeServer });

  function onMessage(s: Session, data: string, isBinary: boolean): void {
    // Draining: whatever the transport still delivers is never run, so it gets no answer.
    if (s.closed || shutdown.leaving(s)) return;
    s.heartbeat.alive();
    const job = gate(s, data, isBinary);
    // Admitted: queued and served in order, never refused for queue length.
    if (job) s.requests.push(job);
  }

  const sink: SessionEventSink = { received: onMessage, closed: onClosed };

  function closeServer(code: number = CloseCode.GOING_AWAY, reason = 'server shutting down'): void {
    if (closed) return;
    closed = true;
    for (const stop of stops.splice(0)) stop();
    roomLists.close();
    feed.close();
    stack.closePresence();
    for (const s of [...sessions]) closeOne(s, code, reason);
    typing.close();
  }

  return {
    limits,
    clock,
    metrics,
    acceptsOrigin,
    admit,
    admin: moderation.admin,
    get roomCount() {
      return directory.size;
    },
    get connectionCount() {
      return sessions.size;
    },

    async start() {
      directory.replaceAll(await guard('listRooms', () => store.listRooms()));
      stops.push(bus.subscribe(createBusRouter({ store, guard, directory, feed, events, log })));
      await moderation.start();
      stops.push(moderation.stop, bus.subscribe((event) => moderation.onBusEvent(event)));
      roomLists.start();
      stack.start();
      const occupied = () => [...sessions].flatMap((s) => (s.roomId === undefined ? [] : [s.roomId]));
      const sweep = { store, guard, bus, directory, clock, log, ttlMs: limits.emptyRoomTtlMs, occupied };
      stops.push(startEmptyRoomSweep(sweep, () => roomCreates.prune(clock.now())));
      stops.push(clock.every(limits.heartbeatMs, () => sweepHeartbeats(sessions, log, onClosed)));
      stops.push(clock.every(ADDRESS_SWEEP_MS, () => addresses.sweep(clock.now())));
    },

    open: (connection) => sessionEvents(lifecycle.open(connection, closed || shutdown.refusing), sink),

    rooms: () => directory.list(),

    searchRooms(query) {
      // `online` for every HTTP client (extensions.md, presence): nothing to negotiate there.
      const page = searchRooms(directory.sorted(), query);
      return { ...page, rooms: page.rooms.map((r) => ({ ...r, online: presence.count(r.id) })) };
    },

    // HTTP: Message+ with `reactions` when non-empty, for every client (nothing to negotiate there).
    history: (roomId, query) => readHistory(store, guard, roomId, query, true),

    check: () => guard('check', () => store.check()),

    drain: (deadlineMs) => shutdown.drain(deadlineMs),
    stop: (plan) => shutdown.stop(plan),
    close: closeServer,
  };
}
