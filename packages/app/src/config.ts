import * as v from 'valibot';
import { createLimits, type Feature, type Limits } from '@rgchat/chat-core';
import {
  busAdapter,
  buses,
  storageAdapter,
  storages,
  TRANSPORT_KINDS,
  type BusConfig,
  type BusKind,
  type StorageConfig,
  type StorageKind,
  type TransportKind,
} from './adapters';
import { featureList, flag, inRange, nonEmpty, oneOf, originList, wholeNumber } from './env-values';

export { TRANSPORT_KINDS, type BusConfig, type StorageConfig, type StorageKind, type TransportKind, type BusKind };

/** pino's level names; `silent` turns logging off. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** The shortest ADMIN_TOKEN accepted: e.g. `openssl rand -hex 16` gives 32. */
export const MIN_ADMIN_TOKEN_CHARS = 24;

export const STORAGE_KINDS = Object.keys(storages) as [StorageKind, ...StorageKind[]];
export const BUS_KINDS = Object.keys(buses) as [BusKind, ...BusKind[]];

export interface TransportConfig {
  readonly kind: TransportKind;
  readonly host: string;
  /** 0 picks a free port (tests read the bound one from the `listening` log line). */
  readonly port: number;
  readonly trustProxy: boolean;
}

/**
 * Where `/metrics` is served (issue #14): `off` (METRICS=false), `public`
 * (on the chat port, the default), or `separate` (METRICS_PORT set: a port
 * of its own on METRICS_HOST, default HOST, and a 404 on the chat port).
 */
export type MetricsConfig =
  | { readonly kind: 'off' }
  | { readonly kind: 'public' }
  | { readonly kind: 'separate'; readonly host: string; readonly port: number };

/** The whole validated configuration, frozen, shaped by its consumers. */
export interface AppConfig {
  readonly storage: StorageConfig;
  readonly bus: BusConfig;
  readonly transport: TransportConfig;
  /** Every limit, validated by core's `createLimits`; unset variables get core's defaults. */
  readonly limits: Limits;
  /** Exact origins allowed to open a socket; undefined allows any. */
  readonly allowedOrigins: readonly string[] | undefined;
  /** Extension features clients may negotiate (`FEATURES`); undefined: core's default, all of them. */
  readonly features: readonly Feature[] | undefined;
  readonly logLevel: LogLevelName;
  /** Longest a graceful stop may take before the process exits 1 anyway. */
  readonly shutdownTimeoutMs: number;
  /** The closes of a stop are spread over this long, in ms (`DRAIN_MS`, at most half of shutdownTimeoutMs). */
  readonly drainMs: number;
  /** The admin API's bearer token (`ADMIN_TOKEN`); undefined: there is no admin API. A secret: never logged. */
  readonly adminToken: string | undefined;
  /** Serve the web chat at `/` (`WEB_CLIENT`, default true). */
  readonly webClient: boolean;
  /** Prometheus metrics (`METRICS`, `METRICS_PORT`, `METRICS_HOST`). */
  readonly metrics: MetricsConfig;
}

/** The environment is unusable; `problems` names every bad variable, one entry each. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Env variables that map one-to-one onto a core limit; core owns the
 * defaults and the ranges. An unset one is not passed to core at all, so a
 * default core derives from other limits (MAX_PENDING_REQUESTS from the
 * burst) follows them.
 */
const LIMIT_VARS = {
  MAX_MESSAGE_LENGTH: 'maxMessageLength',
  MAX_NAME_LENGTH: 'maxNameLength',
  MAX_ROOM_NAME_LENGTH: 'maxRoomNameLength',
  HISTORY_LIMIT: 'historyLimit',
  RATE_LIMIT_PER_SEC: 'rateLimitPerSec',
  RATE_LIMIT_BURST: 'rateLimitBurst',
  MAX_PENDING_REQUESTS: 'maxPendingRequests',
  HEARTBEAT_INTERVAL_MS: 'heartbeatMs',
  MAX_PAYLOAD_BYTES: 'maxPayloadBytes',
  MAX_FRAGMENTS_PER_MESSAGE: 'maxFragmentsPerMessage',
  SEND_BUDGET_BYTES: 'sendBudgetBytes',
  RATE_LIMIT_PER_IP_PER_SEC: 'rateLimitPerIpPerSec',
  RATE_LIMIT_PER_IP_BURST: 'rateLimitPerIpBurst',
  ABUSE_STRIKES: 'abuseStrikes',
  ABUSE_WINDOW_MS: 'abuseWindowMs',
  COST_BYTES_PER_TOKEN: 'costBytesPerToken',
  HELLO_TIMEOUT_MS: 'helloTimeoutMs',
  MAX_CONNECTIONS: 'maxConnections',
  MAX_CONNECTIONS_PER_IP: 'maxConnectionsPerIp',
  ROOM_LIST_LIMIT: 'roomListLimit',
  ROOM_CREATES_PER_IP_PER_HOUR: 'roomCreatesPerIpPerHour',
  EMPTY_ROOM_TTL_MS: 'emptyRoomTtlMs',
  ROOM_LIST_BYTES_PER_SEC: 'roomListBytesPerSec',
  PRESENCE_INTERVAL_MS: 'presenceIntervalMs',
  PRESENCE_TTL_MS: 'presenceTtlMs',
  PRESENCE_LIVENESS_MS: 'presenceLivenessMs',
} as const satisfies Record<string, keyof Limits>;
type LimitVar = keyof typeof LIMIT_VARS;

const adapterVars: v.ObjectEntries = Object.assign(
  {},
  ...STORAGE_KINDS.map((kind) => storageAdapter(kind).vars),
  ...BUS_KINDS.map((kind) => busAdapter(kind).vars ?? {}),
) as v.ObjectEntries;

/** Every variable rgchat reads, in .env.example's order; anything else in the environment is ignored. */
export const ENV_VARS: readonly string[] = [
  'HOST',
  'PORT',
  'CHAT_TRANSPORT',
  'STORAGE',
  'BUS',
  ...Object.keys(adapterVars),
  'ALLOWED_ORIGINS',
  'FEATURES',
  ...Object.keys(LIMIT_VARS),
  'LOG_LEVEL',
  'TRUST_PROXY',
  'SHUTDOWN_TIMEOUT_MS',
  'DRAIN_MS',
  'ADMIN_TOKEN',
  'WEB_CLIENT',
  'METRICS',
  'METRICS_PORT',
  'METRICS_HOST',
];

/** A limit's range is core's: `createLimits` judges the value, so the two can never disagree. */
const coreLimit = (field: keyof Limits) =>
  v.pipe(
    wholeNumber,
    v.rawCheck<number>(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      try {
        createLimits({ [field]: dataset.value });
      } catch (e) {
        const detail = e instanceof Error ? e.message.replace(/^invalid limits:\s*/, '') : String(e);
        addIssue({ message: `out of range (${detail})` });
      }
    }),
  );

const limitEntries = Object.fromEntries(
  (Object.entries(LIMIT_VARS) as Array<[LimitVar, keyof Limits]>).map(([name, field]) => [name, v.optional(coreLimit(field))]),
) as { [K in LimitVar]: v.OptionalSchema<ReturnType<typeof coreLimit>, undefined> };

const envSchema = v.object({
  HOST: v.optional(nonEmpty, '0.0.0.0'),
  PORT: v.optional(inRange(0, 65_535), '8080'),
  CHAT_TRANSPORT: v.optional(oneOf(TRANSPORT_KINDS), 'ws'),
  STORAGE: v.optional(oneOf(STORAGE_KINDS)),
  BUS: v.optional(oneOf(BUS_KINDS)),
  ALLOWED_ORIGINS: v.optional(originList),
  FEATURES: v.optional(featureList),
  ...limitEntries,
  LOG_LEVEL: v.optional(oneOf(LOG_LEVELS), 'info'),
  TRUST_PROXY: v.optional(flag, 'false'),
  WEB_CLIENT: v.optional(flag, 'true'),
  METRICS: v.optional(flag, 'true'),
  METRICS_PORT: v.optional(inRange(1, 65_535)),
  METRICS_HOST: v.optional(nonEmpty),
  SHUTDOWN_TIMEOUT_MS: v.optional(inRange(100, 600_000), '5000'),
  DRAIN_MS: v.optional(inRange(0, 300_000)),
  // Long enough that guessing it over HTTP is hopeless; printable, no spaces (it travels in a header).
  ADMIN_TOKEN: v.optional(
    v.pipe(v.string(), v.minLength(MIN_ADMIN_TOKEN_CHARS, `must be at least ${MIN_ADMIN_TOKEN_CHARS} characters`), v.regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')),
  ),
});

/** DRAIN_MS when unset: 2 s, but never more than 40 % of the stop's whole budget. */
const DEFAULT_DRAIN_MS = 2000;
const defaultDrainMs = (shutdownTimeoutMs: number): number => Math.min(DEFAULT_DRAIN_MS, Math.floor(shutdownTimeoutMs * 0.4));

const isKind = <K extends string>(kinds: readonly K[], value: string | undefined): value is K =>
  (kinds as readonly string[]).includes(value ?? '');

/**
 * Which storage and bus run, from STORAGE and BUS or, when unset, from the
 * registry: a storage whose required variable is set, else the default one;
 * the bus that storage carries, else the default bus.
 * Problems name the variable they are about; undefined kinds are unknown
 * ones, already reported by the schema.
 */
function chooseAdapters(input: Readonly<Record<string, string>>): { storage?: StorageKind; bus?: BusKind; problems: Array<[string, string]> } {
  const problems: Array<[string, string]> = [];
  const isSet = (name: string | undefined) => name !== undefined && input[name] !== undefined;
  const storage: StorageKind | undefined =
    input['STORAGE'] === undefined
      ? (STORAGE_KINDS.find((k) => isSet(storageAdapter(k).requires)) ?? STORAGE_KINDS.find((k) => storageAdapter(k).isDefault))
      : isKind(STORAGE_KINDS, input['STORAGE'])
        ? input['STORAGE']
        : undefined;
  const needs = storage && storageAdapter(storage).requires;
  if (needs !== undefined && !isSet(needs)) problems.push(['STORAGE', `is ${storage}, which needs ${needs}`]);
  if (storage === undefined) return { problems };

  const bus: BusKind | undefined =
    input['BUS'] === undefined
      ? (BUS_KINDS.find((k) => busAdapter(k).carriedBy === storage) ?? BUS_KINDS.find((k) => busAdapter(k).isDefault))
      : isKind(BUS_KINDS, input['BUS'])
        ? input['BUS']
        : undefined;
  const carrier = bus && busAdapter(bus).carriedBy;
  if (carrier !== undefined && carrier !== storage) {
    const carrierNeeds = storageAdapter(carrier).requires;
    problems.push(['BUS', `is ${bus}, which needs STORAGE=${carrier}${carrierNeeds && !isSet(carrierNeeds) ? ` and ${carrierNeeds}` : ''}`]);
  }
  if (bus && busAdapter(bus).needsSharedStorage && !storageAdapter(storage).shared) {
    const sharedKinds = STORAGE_KINDS.filter((k) => storageAdapter(k).shared).join(' or ');
    problems.push(['BUS', `is ${bus}, which connects several instances, and those cannot share one ${storage} store: use STORAGE=${sharedKinds}, or BUS=none for one instance`]);
  }
  return { storage, ...(bus ? { bus } : {}), problems };
}

/** METRICS_PORT and METRICS_HOST only mean something together with metrics on, and the port must not be the chat port. */
function metricsProblems(e: { METRICS: boolean; METRICS_PORT?: number | undefined; METRICS_HOST?: string | undefined; PORT: number }): Array<[string, string]> {
  const problems: Array<[string, string]> = [];
  if (!e.METRICS && e.METRICS_PORT !== undefined) problems.push(['METRICS_PORT', 'is set but METRICS is false; unset one of them']);
  if (e.METRICS_HOST !== undefined && e.METRICS_PORT === undefined) problems.push(['METRICS_HOST', 'needs METRICS_PORT (without it metrics are served on PORT)']);
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT === e.PORT) problems.push(['METRICS_PORT', `must differ from PORT (${e.PORT})`]);
  return problems;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates the environment once and returns the frozen configuration.
 * Throws a ConfigError naming every bad variable at once. `cwd` resolves
 * relative paths (SQLITE_PATH). Loads no adapter: nothing is opened here.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>, cwd: string = process.cwd()): AppConfig {
  const required = new Set(STORAGE_KINDS.map((k) => storageAdapter(k).requires));
  const input: Record<string, string> = {};
  for (const name of ENV_VARS) {
    const value = env[name];
    // `DATABASE_URL=` in a .env file means "no database URL": an empty required variable is an unset one.
    if (value === undefined || (required.has(name) && value.trim() === '')) continue;
    input[name] = value;
  }

  const problems = new Map<string, string[]>();
  const report = (name: string, message: string) => problems.set(name, [...(problems.get(name) ?? []), message]);
  const result = v.safeParse(envSchema, input);
  const vars = v.safeParse(v.object(adapterVars), input);
  for (const issue of [...(result.issues ?? []), ...(vars.issues ?? [])]) report(v.getDotPath(issue) ?? 'environment', issue.message);
  const chosen = chooseAdapters(input);
  for (const [name, message] of chosen.problems) report(name, message);
  if (result.success && result.output.DRAIN_MS !== undefined && result.output.DRAIN_MS > result.output.SHUTDOWN_TIMEOUT_MS / 2) {
    // The other half is the answering of admitted requests and the closes themselves.
    report('DRAIN_MS', `must be at most half of SHUTDOWN_TIMEOUT_MS (${result.output.SHUTDOWN_TIMEOUT_MS} ms)`);
  }
  if (result.success) for (const [name, message] of metricsProblems(result.output)) report(name, message);

  if (!result.success || !vars.success || problems.size > 0 || !chosen.storage || !chosen.bus) {
    // Sorted in the order of ENV_VARS, so the message reads like .env.example.
    const order = (n: string) => ENV_VARS.indexOf(n);
    throw new ConfigError([...problems].sort(([a], [b]) => order(a) - order(b)).map(([name, messages]) => `${name} ${messages.join(', ')}`));
  }
  const e = result.output;

  const overrides: Partial<Record<keyof Limits, number>> = {};
  for (const [name, field] of Object.entries(LIMIT_VARS) as Array<[LimitVar, keyof Limits]>) {
    const value = e[name];
    if (value !== undefined) overrides[field] = value;
  }
  let limits: Limits;
  try {
    limits = createLimits(overrides);
  } catch (err) {
    // Each limit passed alone above; only a rule spanning several could fail here.
    throw new ConfigError([err instanceof Error ? err.message : String(err)]);
  }

  const settings = storageAdapter(chosen.storage).settings(vars.output, cwd);
  return deepFreeze<AppConfig>({
    storage: { kind: chosen.storage, ...settings } as StorageConfig,
    bus: { kind: chosen.bus, ...busAdapter(chosen.bus).settings?.(vars.output) } as BusConfig,
    transport: { kind: e.CHAT_TRANSPORT, host: e.HOST, port: e.PORT, trustProxy: e.TRUST_PROXY },
    limits,
    allowedOrigins: e.ALLOWED_ORIGINS,
    features: e.FEATURES,
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    drainMs: e.DRAIN_MS ?? defaultDrainMs(e.SHUTDOWN_TIMEOUT_MS),
    adminToken: e.ADMIN_TOKEN,
    webClient: e.WEB_CLIENT,
    metrics: !e.METRICS
      ? { kind: 'off' }
      : e.METRICS_PORT === undefined
        ? { kind: 'public' }
        : { kind: 'separate', host: e.METRICS_HOST ?? e.HOST, port: e.METRICS_PORT },
  });
}
