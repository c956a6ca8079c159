export { loadConfig, ConfigError, ENV_VARS, LOG_LEVELS, TRANSPORT_KINDS, STORAGE_KINDS, BUS_KINDS } from './config';
export type { AppConfig, BusConfig, BusKind, StorageConfig, StorageKind, TransportConfig, TransportKind, LogLevelName } from './config';
export { summarizeConfig, redactUrl } from './config-summary';
export { createLogger, toCoreLog } from './logger';
export { startApp, type RunningApp, type StartOptions } from './compose';
export { AdapterUnavailableError, type OpenedStorage } from './adapters';
export { createLifecycle, type Lifecycle, type LifecycleOptions } from './lifecycle';
