/*
 * This entry never loads better-sqlite3 by itself: the settings and their
 * rules are driver-free, and the store is loaded on first open. So app can
 * validate its configuration, and a Postgres user run, without the native
 * SQLite binary ever being loaded.
 */
export {
  sqliteSettingProblem,
  DEFAULT_SQLITE_PATH,
  DEFAULT_SQLITE_SYNCHRONOUS,
  SQLITE_SYNCHRONOUS_MODES,
  type SqliteSettings,
  type SqliteSynchronous,
} from './sqlite-settings';
export { openSqliteStorage, openSqliteStore, type SqliteStorage, type SqliteStorageOptions } from './open-sqlite-storage';
export type { SqliteStoreOptions } from './sqlite-store';
export { latestVersion as SCHEMA_VERSION } from './migrations';
