// tsyringe needs the Reflect metadata API installed before it loads.
import 'reflect-metadata';
import { container, instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import {
  CloseCode,
  createChatServer,
  createMemoryBus,
  silentLog,
  type Bus,
  type ChatServer,
  type ChatStore,
  type Clock,
  type Ids,
  type Log,
  type Transport,
} from '@rgchat/chat-core';
import { createRandomIds, createSystemClock } from '@rgchat/runtime-node';
import { loadTransport, openStorage, type OpenedStorage } from './adapters';
import type { AppConfig } from './config';

/** What the container holds, by token. The only DI container of rgchat lives in this file. */
interface Services {
  config: AppConfig;
  log: Log;
  clock: Clock;
  ids: Ids;
  store: ChatStore;
  bus: Bus;
  transport: Transport;
  chat: ChatServer;
}

const tokens: { readonly [K in keyof Services]: symbol } = {
  config: Symbol('config'),
  log: Symbol('log'),
  clock: Symbol('clock'),
  ids: Symbol('ids'),
  store: Symbol('store'),
  bus: Symbol('bus'),
  transport: Symbol('transport'),
  chat: Symbol('chat'),
};

const get = <K extends keyof Services>(c: DependencyContainer, key: K): Services[K] => c.resolve<Services[K]>(tokens[key]);

/** A started rgchat. */
export interface RunningApp {
  /** The port actually bound (differs from config when it asked for 0). */
  readonly port: number;
  /**
   * Graceful stop: stop accepting, close every client with `code` (default
   * 1001 going away; 1012 for a restart), then close the bus and the store.
   * Idempotent: later calls return the first call's promise.
   */
  close(code?: number): Promise<void>;
}

export interface StartOptions {
  /** Where everything logs; default nowhere. */
  readonly log?: Log;
  /**
   * Storage the caller opened, used instead of `config.storage` and closed
   * with the app. Only the bench's memory-server passes one: rgchat wired
   * exactly as here, minus persistence.
   */
  readonly storage?: OpenedStorage;
}

/**
 * Builds and starts rgchat from a validated config: loads the chosen
 * transport, opens the store, builds the chat server on both and starts
 * listening. On failure everything opened so far is closed again before the
 * error is rethrown.
 */
export async function startApp(config: AppConfig, options: StartOptions = {}): Promise<RunningApp> {
  const log = options.log ?? silentLog;
  const c = container.createChildContainer();
  c.register(tokens.config, { useValue: config });
  c.register(tokens.log, { useValue: log });
  c.register(tokens.clock, { useFactory: instanceCachingFactory(() => createSystemClock()) });
  c.register(tokens.ids, { useFactory: instanceCachingFactory(() => createRandomIds()) });

  // Loaded before the store opens, so an unavailable transport touches no data.
  const createTransport = await loadTransport(config.transport.kind);
  const storage: OpenedStorage = options.storage ?? (await openStorage(config.storage, { log, ids: get(c, 'ids') }));

  c.register(tokens.store, { useValue: storage.store });
  c.register(tokens.bus, { useFactory: instanceCachingFactory(() => storage.bus ?? createMemoryBus()) });
  c.register(tokens.transport, {
    useFactory: instanceCachingFactory((r) => {
      const { host, port, trustProxy } = get(r, 'config').transport;
      return createTransport({ host, port, trustProxy, log: get(r, 'log') });
    }),
  });
  c.register(tokens.chat, {
    useFactory: instanceCachingFactory((r) => {
      const { limits, allowedOrigins } = get(r, 'config');
      const fanout = get(r, 'transport').fanout;
      return createChatServer(
        {
          store: get(r, 'store'),
          clock: get(r, 'clock'),
          ids: get(r, 'ids'),
          log: get(r, 'log'),
          bus: get(r, 'bus'),
          ...(fanout ? { fanout } : {}),
        },
        { limits, ...(allowedOrigins ? { allowedOrigins } : {}) },
      );
    }),
  });

  let chat: ChatServer | undefined;
  try {
    chat = get(c, 'chat');
    await chat.start();
    const running = await get(c, 'transport').start(chat);
    if (!config.allowedOrigins) {
      log('warn', 'ALLOWED_ORIGINS is not set: pages from any origin may open a socket');
    }
    log('info', 'listening', {
      host: config.transport.host,
      port: running.port,
      transport: config.transport.kind,
      storage: options.storage ? 'provided' : config.storage.kind,
    });

    const started = chat;
    let closing: Promise<void> | undefined;
    return {
      port: running.port,
      close(code = CloseCode.GOING_AWAY) {
        closing ??= (async () => {
          log('info', 'stopping', { code, connections: started.connectionCount });
          await running.close();
          started.close(code, code === CloseCode.SERVICE_RESTART ? 'server restarting' : 'server shutting down');
          await storage.close();
          c.clearInstances();
          log('info', 'stopped');
        })();
        return closing;
      },
    };
  } catch (err) {
    chat?.close(CloseCode.GOING_AWAY);
    await storage.close().catch((closeErr: unknown) => log('error', 'closing storage after a failed start failed', { err: String(closeErr) }));
    throw err;
  }
}
