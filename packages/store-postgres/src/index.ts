export { openPostgresStore } from './postgres-store';
export { openPostgresBus, DEFAULT_BUS_CHANNEL, type PostgresBus, type PostgresBusOptions } from './postgres-bus';
export { type PostgresOptions, DEFAULT_POOL_SIZE, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_STATEMENT_TIMEOUT_MS } from './postgres-options';
export { latestVersion as SCHEMA_VERSION } from './migrations';
export { MAX_NOTIFY_PAYLOAD_BYTES } from './notify-payload';
