// tsyringe needs the Reflect metadata API installed before it loads.
import 'reflect-metadata';
import { container, instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import {
  CloseCode,
  createChatServer,
  silentLog,
  type Bus,
  type ChatServer,
  type ChatStore,
  type Clock,
  type HttpRoute,
  type Ids,
  type Log,
  type RunningTransport,
  type Transport,
} from '@rgchat/chat-core';
import { createInstanceId, createRandomIds, createSystemClock } from '@rgchat/runtime-node';
import { busAdapter, loadTransport, storageAdapter, type OpenedStorage, type TransportFactory } from './adapters';
import { createCloseStack, type CloseStack } from './close-stack';
import { appRoutes } from './http-routes';
import { countedBus } from './metrics-bus';
import { createChatMetrics } from './metrics-chat';
import { startMetricsServer } from './metrics-server';
import { createMetricSet, type MetricSet } from './metrics-set';
import { timedStore } from './metrics-store';
import type { AppConfig } from './config';
import { requestDrainBudgetMs } from './lifecycle';

/** What the container holds, by token. The only DI container of rgchat lives in this file. */
interface Services {
  config: AppConfig;
  log: Log;
  clock: Clock;
  ids: Ids;
  instanceId: string;
  closeStack: CloseStack;
  storage: OpenedStorage;
  store: ChatStore;
  bus: Bus;
  createTransport: TransportFactory;
  routes: readonly HttpRoute[];
  transport: Transport;
  /** Prometheus metrics; undefined with METRICS=false. */
  metrics: MetricSet | undefined;
  chat: ChatServer;
}

const tokens: { readonly [K in keyof Services]: symbol } = {
  config: Symbol('config'),
  log: Symbol('log'),
  clock: Symbol('clock'),
  ids: Symbol('ids'),
  instanceId: Symbol('instanceId'),
  closeStack: Symbol('closeStack'),
  storage: Symbol('storage'),
  store: Symbol('store'),
  bus: Symbol('bus'),
  createTransport: Symbol('createTransport'),
  routes: Symbol('routes'),
  transport: Symbol('transport'),
  metrics: Symbol('metrics'),
  chat: Symbol('chat'),
};

/** The container's own resolve, typed by token name. */
const get = <K extends keyof Services>(c: DependencyContainer, key: K): Services[K] => c.resolve<Services[K]>(tokens[key]);

/** A started rgchat. */
export interface RunningApp {
  /** The port actually bound (differs from config when it asked for 0). */
  readonly port: number;
  /**
   * Graceful stop: stop accepting, stop reading requests and answer every
   * admitted one (within half of SHUTDOWN_TIMEOUT_MS), close every client
   * with `code` (default 1001 going away; 1012 for a restart), then close
   * the bus and the store.
   * Idempotent: later calls return the first call's promise.
   */
  close(code?: number): Promise<void>;
  /**
   * After `close`: resolves once every client has read what it was sent
   * and its close frame, or after `withinMs`, when the clients still
   * closing are cut off (`RunningTransport.settled`).
   */
  settled(withinMs: number): Promise<void>;
}

export interface StartOptions {
  /** Where everything logs; default nowhere. */
  readonly log?: Log;
  /**
   * Storage the caller opened, used instead of `config.storage` and closed
   * with the app; the bus is then core's in-process one, whatever
   * `config.bus` says. Only the bench's memory-server passes one: rgchat
   * wired exactly as here, minus persistence.
   */
  readonly storage?: Pick<OpenedStorage, 'store' | 'close'>;
}

/** Registrations that need no I/O: config, logging, time, ids, and how the chat server and its transport are built. */
function registerServices(c: DependencyContainer, config: AppConfig, log: Log): void {
  c.register(tokens.config, { useValue: config });
  c.register(tokens.log, { useValue: log });
  c.register(tokens.closeStack, { useValue: createCloseStack() });
  c.register(tokens.clock, { useFactory: instanceCachingFactory(() => createSystemClock()) });
  c.register(tokens.ids, { useFactory: instanceCachingFactory(() => createRandomIds()) });
  c.register(tokens.instanceId, { useFactory: instanceCachingFactory(() => createInstanceId()) });
  // The rooms gauge reads the chat server at each scrape, once it exists (never builds it).
  const rooms: { count: () => number } = { count: () => 0 };
  c.register(tokens.metrics, {
    useFactory: instanceCachingFactory(() => (config.metrics.kind === 'off' ? undefined : createMetricSet(() => rooms.count()))),
  });
  c.register(tokens.store, {
    useFactory: instanceCachingFactory((r) => {
      const { store } = get(r, 'storage');
      const metrics = get(r, 'metrics');
      // Timed around the port: core and the stores know nothing of metrics.
      return metrics ? timedStore(store, metrics) : store;
    }),
  });
  c.register(tokens.routes, {
    useFactory: instanceCachingFactory((r) => appRoutes(get(r, 'config'), { admin: () => get(r, 'chat').admin, log: get(r, 'log'), metrics: get(r, 'metrics')?.registry })),
  });
  c.register(tokens.transport, {
    useFactory: instanceCachingFactory((r) => {
      const { host, port, trustProxy } = get(r, 'config').transport;
      return get(r, 'createTransport')({ host, port, trustProxy, log: get(r, 'log'), routes: get(r, 'routes') });
    }),
  });
  c.register(tokens.chat, {
    useFactory: instanceCachingFactory((r) => {
      const { limits, allowedOrigins, features } = get(r, 'config');
      const fanout = get(r, 'transport').fanout;
      const metrics = get(r, 'metrics');
      const chat = createChatServer(
        {
          store: get(r, 'store'),
          clock: get(r, 'clock'),
          ids: get(r, 'ids'),
          log: get(r, 'log'),
          bus: get(r, 'bus'),
          instanceId: get(r, 'instanceId'),
          ...(fanout ? { fanout } : {}),
          ...(metrics ? { metrics: createChatMetrics(metrics, get(r, 'config').transport.kind) } : {}),
        },
        { limits, ...(allowedOrigins ? { allowedOrigins } : {}), ...(features ? { features } : {}) },
      );
      rooms.count = () => chat.roomCount;
      // Built after its store and bus (resolved just above), so it closes before them;
      // the listener, started last, has already stopped accepting when this runs.
      const { shutdownTimeoutMs, drainMs } = get(r, 'config');
      get(r, 'closeStack').push('chat server', (code) =>
        // Every admitted request is answered before its socket closes (issue #10 item 6), and
        // the closes are spread over DRAIN_MS so the clients do not all come back at once.
        chat.stop({
          spreadMs: drainMs,
          requestBudgetMs: requestDrainBudgetMs(shutdownTimeoutMs, drainMs),
          code,
          reason: code === CloseCode.SERVICE_RESTART ? 'server restarting' : 'server shutting down',
        }),
      );
      return chat;
    }),
  });
}

/**
 * Registers the chosen adapters. tsyringe builds synchronously, and these
 * steps are I/O: loading the transport package (and the uWS binary),
 * opening the storage, opening the bus. So they are awaited here, each
 * registered as a value once open, in the order the graph needs them: the
 * transport first, so an unavailable one touches no data.
 */
async function registerAdapters(c: DependencyContainer, provided: StartOptions['storage']): Promise<void> {
  const config = get(c, 'config');
  const log = get(c, 'log');
  const instanceId = get(c, 'instanceId');
  const closeStack = get(c, 'closeStack');
  c.register(tokens.createTransport, { useValue: await loadTransport(config.transport.kind) });

  const busKind = provided ? 'none' : config.bus.kind;
  const bus = busAdapter(busKind);
  const adapter = storageAdapter(config.storage.kind);
  const storage: OpenedStorage =
    provided ?? (await adapter.open(config.storage, { log, instanceId, withBus: bus.carriedBy === config.storage.kind }));
  closeStack.push('storage', () => storage.close());
  c.register(tokens.storage, { useValue: storage });

  const opened = await bus.open(storage, { log, instanceId }, config.bus);
  closeStack.push('bus', () => opened.close());
  const metrics = get(c, 'metrics');
  if (metrics) {
    const clock = get(c, 'clock');
    const counted = countedBus(opened.bus, metrics, () => clock.now());
    closeStack.push('bus metrics', counted.close);
    c.register(tokens.bus, { useValue: counted.bus });
  } else {
    c.register(tokens.bus, { useValue: opened.bus });
  }
  // The default bus is the in-process one: this instance hears no other.
  if (!provided && adapter.shared && bus.isDefault) {
    log('warn', `BUS=${busKind} on ${config.storage.kind} storage: this instance hears no other; run one instance only, or choose a bus`);
  }
}

/**
 * Builds and starts rgchat from a validated config: loads the chosen
 * transport, opens the storage and bus, builds the chat server on them and
 * starts listening. Stopping closes all of it in reverse start order. On a
 * failed start everything opened so far is closed again before the error
 * is rethrown.
 */
export async function startApp(config: AppConfig, options: StartOptions = {}): Promise<RunningApp> {
  const log = options.log ?? silentLog;
  const c = container.createChildContainer();
  registerServices(c, config, log);
  const closeStack = get(c, 'closeStack');
  const instanceId = get(c, 'instanceId');
  try {
    await registerAdapters(c, options.storage);
    const metrics = get(c, 'metrics');
    if (config.metrics.kind === 'separate' && metrics) {
      // Before the chat listener, so it closes after it: scrapes still see the drain.
      const { host, port } = config.metrics;
      const server = await startMetricsServer({ host, port, registry: metrics.registry, log });
      closeStack.push('metrics listener', () => server.close());
    }
    const listener: { running?: RunningTransport } = {};
    // Under the chat server in the stack, so it stops listening only after the
    // chat server has let every socket go: /healthz answers 503 meanwhile.
    closeStack.push('listener', async () => listener.running?.close());
    const chat = get(c, 'chat');
    await chat.start();
    const running = await get(c, 'transport').start(chat);
    listener.running = running;
    if (!config.allowedOrigins) {
      log('warn', 'ALLOWED_ORIGINS is not set: pages from any origin may open a socket');
    }
    log('info', 'listening', {
      host: config.transport.host,
      port: running.port,
      transport: config.transport.kind,
      storage: options.storage ? 'provided' : config.storage.kind,
      bus: options.storage ? 'none' : config.bus.kind,
      instanceId,
    });

    let closing: Promise<void> | undefined;
    return {
      port: running.port,
      close(code = CloseCode.GOING_AWAY) {
        closing ??= (async () => {
          log('info', 'stopping', { code, connections: chat.connectionCount, drainMs: config.drainMs });
          // At once: new sockets and /healthz get 503 while the open ones are let go.
          running.refuse();
          try {
            await closeStack.closeAll(code);
          } finally {
            c.clearInstances();
          }
          log('info', 'stopped');
        })();
        return closing;
      },
      settled: (withinMs) => running.settled(withinMs),
    };
  } catch (err) {
    await closeStack
      .closeAll(CloseCode.GOING_AWAY)
      .catch((closeErr: unknown) => log('error', 'closing after a failed start failed', { err: String(closeErr) }));
    throw err;
  }
}
