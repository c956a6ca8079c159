export { openSqliteStore, DEFAULT_BUSY_TIMEOUT_MS, type SqliteStoreOptions, type SqliteSynchronous } from './sqlite-store';
export { latestVersion as SCHEMA_VERSION } from './migrations';
