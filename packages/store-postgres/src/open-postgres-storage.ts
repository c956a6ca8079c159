import type { Bus, ChatStore, Log } from '@rgchat/chat-core';
import type { PostgresBus, PostgresBusOptions } from './postgres-bus';
import type { PostgresOptions } from './postgres-options';
import { busChannelFor, postgresSettingsProblems, type PostgresSettings } from './postgres-settings';

export interface PostgresStorageOptions extends PostgresSettings {
  readonly log?: Log;
  /** This process's id (unique per start): the bus drops notices carrying it as its own echoes. */
  readonly instanceId: string;
  /**
   * Open the LISTEN/NOTIFY bus too, so several instances act as one. Default
   * true; false suits a single instance (core's in-process bus is enough).
   */
  readonly bus?: boolean;
}

/** What `openPostgresStorage` opened, and the one way to close it all. */
export interface PostgresStorage {
  readonly store: ChatStore;
  /** The cross-instance bus; undefined when opened with `bus: false`. */
  readonly bus: Bus | undefined;
  /** The bus first (it reads the store for oversized messages until closed), then the store; idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the Postgres storage of one rgchat instance: the store (migrations
 * applied in `schema`) and, unless `bus: false`, the LISTEN/NOTIFY bus on
 * the schema's own channel. Rejects with a RangeError naming every bad
 * setting, or when Postgres cannot be reached; nothing stays open then. `pg`
 * is loaded here, on first use, so importing this package's index does not
 * load it.
 */
export async function openPostgresStorage(options: PostgresStorageOptions): Promise<PostgresStorage> {
  const problems = postgresSettingsProblems(options);
  if (problems.length > 0) throw new RangeError(`postgres ${problems.join('; ')}`);
  const { url, schema, poolSize, instanceId } = options;
  const log = options.log;
  const common = { url, schema, ...(log ? { log } : {}) };
  const channel = busChannelFor(schema);

  const store = await openPostgresStore({ ...common, poolSize });
  let bus: PostgresBus | undefined;
  if (options.bus ?? true) {
    try {
      bus = await openPostgresBus({ ...common, instanceId, channel, store });
    } catch (err) {
      await store.close().catch(() => undefined);
      throw err;
    }
  }
  log?.('info', 'postgres storage open', { schema, poolSize, bus: bus ? channel : 'none', instanceId });
  let closing: Promise<void> | undefined;
  return {
    store,
    bus,
    close: () => (closing ??= (bus ? bus.close() : Promise.resolve()).then(() => store.close())),
  };
}

/** The bare store (see postgres-store.ts), for tests and tools. Same contract; `pg` loads on the first call. */
export async function openPostgresStore(options: PostgresOptions): Promise<ChatStore> {
  return (await import('./postgres-store')).openPostgresStore(options);
}

/** The bare bus (see postgres-bus.ts), for tests and tools. Same contract; `pg` loads on the first call. */
export async function openPostgresBus(options: PostgresBusOptions): Promise<PostgresBus> {
  return (await import('./postgres-bus')).openPostgresBus(options);
}
