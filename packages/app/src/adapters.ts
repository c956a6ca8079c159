import type { Bus, ChatStore, Ids, Log, Transport, TransportOptions } from '@rgchat/chat-core';
import type { StorageConfig, StorageKind, TransportKind } from './config';

/**
 * The adapters this build can run, one entry per kind. Each entry loads its
 * package with a dynamic import, so only the chosen adapter's code (and its
 * native or driver dependencies) is ever loaded: a SQLite user never loads
 * `pg`, a ws user never loads the uWS binary. Enabling a new adapter is
 * replacing its entry here.
 */

/** Chosen adapter kind exists in config but not in this build (yet). Startup stops with this message. */
export class AdapterUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdapterUnavailableError';
  }
}

export type TransportFactory = (options: TransportOptions) => Transport;

/** A store, plus the bus that goes with it when storage is shared across instances. */
export interface OpenedStorage {
  readonly store: ChatStore;
  /** Cross-instance bus; undefined means core's in-process bus (one instance). */
  readonly bus?: Bus;
  /** Closes the bus (if any) then the store; idempotent. */
  close(): Promise<void>;
}

export interface StorageContext {
  readonly log: Log;
  readonly ids: Ids;
}

type StorageOpener<K extends StorageKind> = (config: Extract<StorageConfig, { kind: K }>, ctx: StorageContext) => Promise<OpenedStorage>;

const unavailable = (message: string) => (): never => {
  throw new AdapterUnavailableError(message);
};

const transports: { readonly [K in TransportKind]: () => Promise<TransportFactory> } = {
  ws: async () => (await import('@rgchat/transport-ws')).createWsTransport,
  // Issue 4 replaces this with: async () => (await import('@rgchat/transport-uws')).createUwsTransport
  uws: unavailable(
    'CHAT_TRANSPORT=uws: the uWebSockets.js transport is not available in this build yet (issue 4). Use CHAT_TRANSPORT=ws.',
  ),
};

const storages: { readonly [K in StorageKind]: StorageOpener<K> } = {
  sqlite: async (config, { log }) => {
    const { openSqliteStore } = await import('@rgchat/store-sqlite');
    const store = await openSqliteStore({ path: config.path, log });
    return { store, close: () => store.close() };
  },
  // Issue 3 replaces this with an opener of openPostgresStore + openPostgresBus({ instanceId: ids.connectionId(), store }).
  postgres: unavailable(
    'DATABASE_URL is a postgres URL, but Postgres storage is not available in this build yet (issue 3). Unset DATABASE_URL to use SQLite (SQLITE_PATH).',
  ),
};

/** Loads the transport package for `kind`; rejects with AdapterUnavailableError when this build lacks it. */
export async function loadTransport(kind: TransportKind): Promise<TransportFactory> {
  return transports[kind]();
}

/** Opens the configured storage; rejects with AdapterUnavailableError when this build lacks it. */
export async function openStorage(config: StorageConfig, ctx: StorageContext): Promise<OpenedStorage> {
  switch (config.kind) {
    case 'sqlite':
      return storages.sqlite(config, ctx);
    case 'postgres':
      return storages.postgres(config, ctx);
  }
}
