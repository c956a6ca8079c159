import { resolve } from 'node:path';
import * as v from 'valibot';
import { createLimits, type Limits } from '@rgchat/chat-core';

/** pino's level names; `silent` turns logging off. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export const TRANSPORT_KINDS = ['ws', 'uws'] as const;
export type TransportKind = (typeof TRANSPORT_KINDS)[number];

export type StorageConfig =
  | {
      readonly kind: 'sqlite';
      /** Absolute path of the database file. */
      readonly path: string;
      /** `normal` survives a crash or kill -9 of rgchat; `full` also power loss (fsync per commit). */
      readonly synchronous: SqliteSynchronous;
    }
  | {
      readonly kind: 'postgres';
      /** May hold a password: never log it as is (see config-summary.ts). */
      readonly url: string;
      /** Schema holding rgchat's tables (created if missing); one deployment per schema. */
      readonly schema: string;
      /** Connections in the store's pool; the bus holds two more (LISTEN, NOTIFY). */
      readonly poolSize: number;
    };
export const SQLITE_SYNCHRONOUS_MODES = ['normal', 'full'] as const;
export type SqliteSynchronous = (typeof SQLITE_SYNCHRONOUS_MODES)[number];
export type StorageKind = StorageConfig['kind'];

export interface TransportConfig {
  readonly kind: TransportKind;
  readonly host: string;
  /** 0 picks a free port (tests read the bound one from the `listening` log line). */
  readonly port: number;
  readonly trustProxy: boolean;
}

/** The whole validated configuration, frozen, shaped by its consumers. */
export interface AppConfig {
  readonly storage: StorageConfig;
  readonly transport: TransportConfig;
  /** Every limit, validated by core's `createLimits`. */
  readonly limits: Limits;
  /** Exact origins allowed to open a socket; undefined allows any. */
  readonly allowedOrigins: readonly string[] | undefined;
  readonly logLevel: LogLevelName;
  /** Longest a graceful stop may take before the process exits 1 anyway. */
  readonly shutdownTimeoutMs: number;
}

/** The environment is unusable; `problems` names every bad variable, one entry each. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Env variables that map one-to-one onto a core limit; core owns the defaults and the ranges. */
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
  SEND_BUDGET_BYTES: 'sendBudgetBytes',
} as const satisfies Record<string, keyof Limits>;
type LimitVar = keyof typeof LIMIT_VARS;

/** Every variable rgchat reads; anything else in the environment is ignored. */
export const ENV_VARS = [
  'HOST',
  'PORT',
  'CHAT_TRANSPORT',
  'DATABASE_URL',
  'DATABASE_SCHEMA',
  'DATABASE_POOL_SIZE',
  'SQLITE_PATH',
  'SQLITE_SYNCHRONOUS',
  'ALLOWED_ORIGINS',
  ...(Object.keys(LIMIT_VARS) as LimitVar[]),
  'LOG_LEVEL',
  'TRUST_PROXY',
  'SHUTDOWN_TIMEOUT_MS',
] as const;

const shown = (input: unknown): string => JSON.stringify(input);

/**
 * A whole number written in plain digits. Rejects what `Number()` would
 * quietly accept ("", " 5", "1e3", "0x10", "12.0") and what `parseInt`
 * would truncate ("12abc").
 */
const wholeNumber = v.pipe(
  v.string(),
  v.regex(/^[0-9]+$/, (i) => `must be a whole number (digits only), got ${shown(i.input)}`),
  v.transform(Number),
  v.safeInteger((i) => `is too large, got ${shown(i.input)}`),
);

const inRange = (min: number, max: number) =>
  v.pipe(wholeNumber, v.minValue(min, `must be at least ${min}`), v.maxValue(max, `must be at most ${max}`));

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

const flag = v.pipe(
  v.string(),
  v.transform((s) => s.trim().toLowerCase()),
  v.picklist(['true', 'false', '1', '0'], (i) => `must be true, false, 1 or 0, got ${shown(i.input)}`),
  v.transform((s) => s === 'true' || s === '1'),
);

const nonEmpty = v.pipe(v.string(), v.trim(), v.nonEmpty('must not be empty'));

/** `scheme://host[:port]` exactly as a browser sends it in the Origin header. */
const isExactOrigin = (s: string): boolean => {
  try {
    const url = new URL(s);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === s.toLowerCase();
  } catch {
    return false;
  }
};

const originList = v.pipe(
  v.string(),
  v.transform((s) => s.split(',').map((o) => o.trim()).filter((o) => o.length > 0)),
  v.minLength(1, 'lists no origin; unset it to allow any origin'),
  v.rawCheck<string[]>(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const bad = dataset.value.filter((o) => !isExactOrigin(o));
    if (bad.length > 0) {
      addIssue({
        message: `must list exact origins like https://chat.example.org (scheme, host, optional port; no path), not ${bad.map(shown).join(', ')}`,
      });
    }
  }),
);

const postgresUrl = v.pipe(
  v.string(),
  v.trim(),
  v.regex(/^postgres(ql)?:\/\//i, 'must be a postgres:// or postgresql:// URL; unset it to use SQLite'),
  v.check((s) => URL.canParse(s), 'is not a valid URL'),
);

/**
 * A plain lowercase SQL identifier, so it never needs quoting in a `psql`
 * session. At most 49 characters: the bus channel is `rgchat_events_<schema>`
 * and Postgres cuts identifiers at 63 bytes. `pg_` names are reserved by
 * Postgres.
 */
const schemaName = v.pipe(
  v.string(),
  v.regex(/^[a-z_][a-z0-9_]*$/, (i) => `must be a lowercase identifier (a-z, 0-9, _; not starting with a digit), got ${shown(i.input)}`),
  v.maxLength(49, 'must be at most 49 characters'),
  v.check((s) => !s.startsWith('pg_'), 'must not start with pg_ (reserved by Postgres)'),
);

const limitEntries = Object.fromEntries(
  (Object.entries(LIMIT_VARS) as Array<[LimitVar, keyof Limits]>).map(([name, field]) => [name, v.optional(coreLimit(field))]),
) as { [K in LimitVar]: v.OptionalSchema<ReturnType<typeof coreLimit>, undefined> };

const envSchema = v.object({
  HOST: v.optional(nonEmpty, '0.0.0.0'),
  PORT: v.optional(inRange(0, 65_535), '8080'),
  CHAT_TRANSPORT: v.optional(
    v.picklist(TRANSPORT_KINDS, (i) => `must be one of ${TRANSPORT_KINDS.join(', ')}, got ${shown(i.input)}`),
    'ws',
  ),
  DATABASE_URL: v.optional(postgresUrl),
  DATABASE_SCHEMA: v.optional(schemaName, 'public'),
  // 10 is also store-postgres's own default (DEFAULT_POOL_SIZE); importing it here would load pg for SQLite users.
  DATABASE_POOL_SIZE: v.optional(inRange(1, 1000), '10'),
  SQLITE_PATH: v.optional(nonEmpty, './data/chat.db'),
  SQLITE_SYNCHRONOUS: v.optional(
    v.picklist(SQLITE_SYNCHRONOUS_MODES, (i) => `must be one of ${SQLITE_SYNCHRONOUS_MODES.join(', ')}, got ${shown(i.input)}`),
    'normal',
  ),
  ALLOWED_ORIGINS: v.optional(originList),
  ...limitEntries,
  LOG_LEVEL: v.optional(
    v.picklist(LOG_LEVELS, (i) => `must be one of ${LOG_LEVELS.join(', ')}, got ${shown(i.input)}`),
    'info',
  ),
  TRUST_PROXY: v.optional(flag, 'false'),
  SHUTDOWN_TIMEOUT_MS: v.optional(inRange(100, 600_000), '5000'),
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates the environment once and returns the frozen configuration.
 * Throws a ConfigError naming every bad variable at once. `cwd` resolves a
 * relative SQLITE_PATH.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>, cwd: string = process.cwd()): AppConfig {
  const input: Record<string, string> = {};
  for (const name of ENV_VARS) {
    const value = env[name];
    // `DATABASE_URL=` in a .env file means "no database URL", i.e. SQLite.
    if (value === undefined || (name === 'DATABASE_URL' && value.trim() === '')) continue;
    input[name] = value;
  }

  const result = v.safeParse(envSchema, input);
  if (!result.success) {
    const problems = new Map<string, string[]>();
    for (const issue of result.issues) {
      const name = v.getDotPath(issue) ?? 'environment';
      problems.set(name, [...(problems.get(name) ?? []), issue.message]);
    }
    // Sorted in the order of ENV_VARS, so the message reads like .env.example.
    const order = (n: string) => (ENV_VARS as readonly string[]).indexOf(n);
    throw new ConfigError(
      [...problems].sort(([a], [b]) => order(a) - order(b)).map(([name, messages]) => `${name} ${messages.join(', ')}`),
    );
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

  return deepFreeze<AppConfig>({
    storage:
      e.DATABASE_URL === undefined
        ? { kind: 'sqlite', path: resolve(cwd, e.SQLITE_PATH), synchronous: e.SQLITE_SYNCHRONOUS }
        : { kind: 'postgres', url: e.DATABASE_URL, schema: e.DATABASE_SCHEMA, poolSize: e.DATABASE_POOL_SIZE },
    transport: { kind: e.CHAT_TRANSPORT, host: e.HOST, port: e.PORT, trustProxy: e.TRUST_PROXY },
    limits,
    allowedOrigins: e.ALLOWED_ORIGINS,
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  });
}
