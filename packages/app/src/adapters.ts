import type { Bus, ChatStore, Ids, Log, Transport, TransportOptions } from '@rgchat/chat-core';
import type { PostgresBus } from '@rgchat/store-postgres';
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

const transports: { readonly [K in TransportKind]: () => Promise<TransportFactory> } = {
  ws: async () => (await import('@rgchat/transport-ws')).createWsTransport,
  uws: async () => {
    const { createUwsTransport, loadUws, UwsLoadError } = await import('@rgchat/transport-uws');
    try {
      // The native binary loads here, before the store opens: one that is missing or built for
      // another Node/libc refuses the start and touches no data (never uWS's silent JS fallback).
      loadUws();
    } catch (err) {
      if (!(err instanceof UwsLoadError)) throw err;
      throw new AdapterUnavailableError(`CHAT_TRANSPORT=uws: ${err.message}. Use CHAT_TRANSPORT=ws, which needs no native code.`);
    }
    return createUwsTransport;
  },
};

const storages: { readonly [K in StorageKind]: StorageOpener<K> } = {
  sqlite: async (config, { log }) => {
    const { openSqliteStore } = await import('@rgchat/store-sqlite');
    const store = await openSqliteStore({ path: config.path, synchronous: config.synchronous, log });
    return { store, close: () => store.close() };
  },
  postgres: async (config, { log, ids }) => {
    const { openPostgresStore, openPostgresBus, DEFAULT_BUS_CHANNEL } = await import('@rgchat/store-postgres');
    const { url, schema, poolSize } = config;
    // Deployments in different schemas of one database are strangers: they
    // must not hear each other's notices (config keeps this within 63 bytes).
    const channel = schema === 'public' ? DEFAULT_BUS_CHANNEL : `${DEFAULT_BUS_CHANNEL}_${schema}`;
    // Random per process, so a restarted instance never drops a peer's notice as its own echo.
    const instanceId = ids.connectionId();
    const store = await openPostgresStore({ url, log, schema, poolSize });
    let bus: PostgresBus;
    try {
      bus = await openPostgresBus({ url, log, schema, instanceId, channel, store });
    } catch (err) {
      await store.close().catch(() => undefined);
      throw err;
    }
    log('info', 'postgres storage open', { schema, channel, instanceId, poolSize });
    let closing: Promise<void> | undefined;
    return {
      store,
      bus,
      // The bus first: it reads the store (for oversized messages) until it is closed.
      close: () => (closing ??= bus.close().then(() => store.close())),
    };
  },
};

/** Loads the transport package for `kind`; rejects with AdapterUnavailableError when this build or machine cannot run it. */
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
