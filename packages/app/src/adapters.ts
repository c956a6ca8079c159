import { resolve } from 'node:path';
import * as v from 'valibot';
import { createMemoryBus, type Bus, type ChatStore, type Log, type Transport, type TransportOptions } from '@rgchat/chat-core';
// Both store entries are driver-free: each package loads its driver inside its open*Storage.
import { DEFAULT_POOL_SIZE, DEFAULT_SCHEMA, openPostgresStorage, postgresSettingProblem } from '@rgchat/store-postgres';
// Driver-free too: `nats` loads inside openNatsBus.
import { DEFAULT_NATS_SUBJECT, DEFAULT_NATS_URL, natsSettingProblem, openNatsBus } from '@rgchat/bus-nats';
import { DEFAULT_SQLITE_PATH, DEFAULT_SQLITE_SYNCHRONOUS, openSqliteStorage, sqliteSettingProblem, SQLITE_SYNCHRONOUS_MODES } from '@rgchat/store-sqlite';
import { judgedBy, oneOf, wholeNumber } from './env-values';

/*
 * The adapters this build can run: one table per port, one entry per kind.
 * An entry says which environment variables it reads (judged by the
 * adapter package's own rules), what its settings are and how it opens. A
 * new store or bus is its package plus one entry here; nothing else in app
 * names an adapter. Drivers and native binaries load only when their
 * adapter opens: a SQLite user never loads `pg`, a ws user never loads the
 * uWS binary.
 */

/** Chosen adapter kind exists in config but cannot run on this build or machine. Startup stops with this message. */
export class AdapterUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdapterUnavailableError';
  }
}

export type TransportFactory = (options: TransportOptions) => Transport;

/** A store, plus the bus its package carries when one was asked for. */
export interface OpenedStorage {
  readonly store: ChatStore;
  /** The cross-instance bus opened with the store (see BusAdapter.carriedBy); undefined when none was. */
  readonly bus?: Bus | undefined;
  /** Closes the bus (if any) then the store; idempotent. */
  close(): Promise<void>;
}

export interface StorageContext {
  readonly log: Log;
  /** This process's id, unique per start: a bus drops notices carrying it as its own echoes. */
  readonly instanceId: string;
  /** Open the bus this storage's package carries too (the chosen bus is carried by it). */
  readonly withBus: boolean;
}

export interface StorageAdapter<E extends v.ObjectEntries, S> {
  /** Its environment variables, each read even when another storage is chosen, so every bad value is reported at once. */
  readonly vars: E;
  /** A variable it cannot run without; while STORAGE is unset, setting this variable selects this storage. */
  readonly requires?: keyof E & string;
  /** Chosen when STORAGE is unset and no other storage's `requires` variable is set. Exactly one entry has it. */
  readonly isDefault?: true;
  /** Several instances may share it, so a single instance without a bus deserves a warning. */
  readonly shared: boolean;
  settings(vars: v.InferOutput<v.ObjectSchema<E, undefined>>, cwd: string): S;
  open(settings: S, ctx: StorageContext): Promise<OpenedStorage>;
}

const storage = <E extends v.ObjectEntries, S>(adapter: StorageAdapter<E, S>) => adapter;

export const storages = {
  sqlite: storage({
    vars: {
      SQLITE_PATH: v.optional(v.pipe(v.string(), v.trim(), judgedBy((p: string) => sqliteSettingProblem('path', p))), DEFAULT_SQLITE_PATH),
      SQLITE_SYNCHRONOUS: v.optional(oneOf(SQLITE_SYNCHRONOUS_MODES), DEFAULT_SQLITE_SYNCHRONOUS),
    },
    isDefault: true,
    shared: false,
    settings: (e, cwd) => ({ path: resolve(cwd, e.SQLITE_PATH), synchronous: e.SQLITE_SYNCHRONOUS }),
    open: (settings, { log }) => openSqliteStorage({ ...settings, log }),
  }),
  postgres: storage({
    vars: {
      DATABASE_URL: v.optional(v.pipe(v.string(), v.trim(), judgedBy((url: string) => postgresSettingProblem('url', url)))),
      DATABASE_SCHEMA: v.optional(v.pipe(v.string(), judgedBy((s: string) => postgresSettingProblem('schema', s))), DEFAULT_SCHEMA),
      DATABASE_POOL_SIZE: v.optional(
        v.pipe(wholeNumber, judgedBy((n: number) => postgresSettingProblem('poolSize', n))),
        String(DEFAULT_POOL_SIZE),
      ),
    },
    requires: 'DATABASE_URL',
    shared: true,
    settings: (e) => ({ url: e.DATABASE_URL ?? '', schema: e.DATABASE_SCHEMA, poolSize: e.DATABASE_POOL_SIZE }),
    open: (settings, { log, instanceId, withBus }) => openPostgresStorage({ ...settings, log, instanceId, bus: withBus }),
  }),
};

export type StorageKind = keyof typeof storages;
type SettingsOf<K extends StorageKind> = ReturnType<(typeof storages)[K]['settings']>;
/** The chosen storage and its settings, e.g. `{ kind: 'sqlite', path, synchronous }`. */
export type StorageConfig = { [K in StorageKind]: { readonly kind: K } & Readonly<SettingsOf<K>> }[StorageKind];

/** A storage entry with its types erased, for code that treats every kind alike. */
export type AnyStorageAdapter = StorageAdapter<v.ObjectEntries, object>;
export const storageAdapter = (kind: StorageKind): AnyStorageAdapter => storages[kind] as unknown as AnyStorageAdapter;

export interface BusAdapter<E extends v.ObjectEntries = v.ObjectEntries, S extends object = object> {
  /** The storage whose package opens and closes this bus with the store; the bus needs that storage. */
  readonly carriedBy?: StorageKind;
  /** Chosen when BUS is unset and the storage carries no bus. Exactly one entry has it. */
  readonly isDefault?: true;
  /** A cross-instance bus of its own: only worth it on a storage several instances share (`StorageAdapter.shared`). */
  readonly needsSharedStorage?: true;
  /** Its environment variables, read (and judged) even when another bus is chosen, like a storage's. */
  readonly vars?: E;
  settings?(vars: v.InferOutput<v.ObjectSchema<E, undefined>>): S;
  /** The bus core uses, once storage is open. A bus with its own connections returns its own close. */
  open(storage: OpenedStorage, ctx: { readonly log: Log; readonly instanceId: string }, settings: S): Promise<{ bus: Bus; close(): Promise<void> }>;
}

const bus = <E extends v.ObjectEntries, S extends object>(adapter: BusAdapter<E, S>) => adapter;

const carried = (kind: StorageKind): BusAdapter => ({
  carriedBy: kind,
  open: async (opened) => {
    if (!opened.bus) throw new Error(`BUS=${kind}: the ${kind} storage was opened without its bus`);
    // Closed by its storage, which knows the order (bus first).
    return { bus: opened.bus, close: async () => undefined };
  },
});

export const buses = {
  /** Core's in-process bus: one instance hears itself only. */
  none: { isDefault: true, open: async () => ({ bus: createMemoryBus(), close: async () => undefined }) } satisfies BusAdapter,
  postgres: carried('postgres'),
  /** Core NATS (see packages/bus-nats): fan-out in the NATS server's memory; the store stays the source of truth. */
  nats: bus({
    vars: {
      NATS_URL: v.optional(v.pipe(v.string(), v.trim(), judgedBy((url: string) => natsSettingProblem('url', url))), DEFAULT_NATS_URL),
      NATS_SUBJECT: v.optional(v.pipe(v.string(), v.trim(), judgedBy((s: string) => natsSettingProblem('subject', s))), DEFAULT_NATS_SUBJECT),
    },
    needsSharedStorage: true,
    settings: (e) => ({ url: e.NATS_URL, subject: e.NATS_SUBJECT }),
    open: async (_storage, { log, instanceId }, settings) => {
      const natsBus = await openNatsBus({ ...settings, instanceId, log });
      return { bus: natsBus, close: () => natsBus.close() };
    },
  }),
};
export type BusKind = keyof typeof buses;
type BusSettingsOf<K extends BusKind> = (typeof buses)[K] extends { settings(vars: never): infer S } ? S : object;
/** The chosen bus and its settings, e.g. `{ kind: 'nats', url, subject }`. */
export type BusConfig = { [K in BusKind]: { readonly kind: K } & Readonly<BusSettingsOf<K>> }[BusKind];

/** A bus entry with its types erased, for code that treats every kind alike. */
export type AnyBusAdapter = BusAdapter<v.ObjectEntries, object>;
export const busAdapter = (kind: BusKind): AnyBusAdapter => buses[kind] as unknown as AnyBusAdapter;

const transports: { readonly [K in 'ws' | 'uws']: () => Promise<TransportFactory> } = {
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
export type TransportKind = keyof typeof transports;
export const TRANSPORT_KINDS = Object.keys(transports) as [TransportKind, ...TransportKind[]];

/** Loads the transport package for `kind`; rejects with AdapterUnavailableError when this build or machine cannot run it. */
export async function loadTransport(kind: TransportKind): Promise<TransportFactory> {
  return transports[kind]();
}
