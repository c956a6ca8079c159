import type { ChatStore, Log } from '@rgchat/chat-core';
import type { SqliteStoreOptions } from './sqlite-store';
import { sqliteSettingProblem, type SqliteSettings } from './sqlite-settings';

export interface SqliteStorageOptions extends SqliteSettings {
  readonly log?: Log;
}

/** What `openSqliteStorage` opened: the store, and the one way to close it. */
export interface SqliteStorage {
  readonly store: ChatStore;
  /** Closes the store; idempotent (later calls return the first call's promise). */
  close(): Promise<void>;
}

/**
 * Opens the SQLite storage of one rgchat instance: the database file with
 * pending migrations applied. Rejects with a RangeError naming every bad
 * setting, or when the file cannot be opened. better-sqlite3 is loaded here,
 * on first use, so importing this package's index does not load it.
 */
export async function openSqliteStorage(options: SqliteStorageOptions): Promise<SqliteStorage> {
  const problems = (['path', 'synchronous'] as const).flatMap((name) => {
    const problem = sqliteSettingProblem(name, options[name]);
    return problem === undefined ? [] : [`sqlite ${name} ${problem}`];
  });
  if (problems.length > 0) throw new RangeError(problems.join('; '));

  const store = await openSqliteStore({ path: options.path, synchronous: options.synchronous, ...(options.log ? { log: options.log } : {}) });
  let closing: Promise<void> | undefined;
  return { store, close: () => (closing ??= store.close()) };
}

/**
 * The bare store (see sqlite-store.ts), for tests and tools that need its
 * extra options. Same contract; better-sqlite3 loads on the first call.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<ChatStore> {
  return (await import('./sqlite-store')).openSqliteStore(options);
}
