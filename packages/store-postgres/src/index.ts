/*
 * This entry never loads `pg` by itself: the settings and their rules are
 * driver-free, and the store and bus are loaded on first open. So app can
 * validate its configuration, and a SQLite user run, without a Postgres
 * driver ever being loaded.
 */
export {
  busChannelFor,
  postgresSettingProblem,
  postgresSettingsProblems,
  DEFAULT_BUS_CHANNEL,
  DEFAULT_POOL_SIZE,
  DEFAULT_SCHEMA,
  MAX_POOL_SIZE,
  MAX_SCHEMA_NAME_CHARS,
  type PostgresSettings,
} from './postgres-settings';
export {
  openPostgresStorage,
  openPostgresStore,
  openPostgresBus,
  type PostgresStorage,
  type PostgresStorageOptions,
} from './open-postgres-storage';
export type { PostgresBus, PostgresBusOptions } from './postgres-bus';
export { type PostgresOptions, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_STATEMENT_TIMEOUT_MS } from './postgres-options';
export { latestVersion as SCHEMA_VERSION } from './migrations';
export { MAX_NOTIFY_PAYLOAD_BYTES } from './notify-payload';
