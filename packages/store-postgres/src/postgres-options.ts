import type { ClientConfig, PoolConfig } from 'pg';
import type { Log } from '@rgchat/chat-core';

/** How the store and the bus reach Postgres. */
export interface PostgresOptions {
  /** postgres:// or postgresql:// URL; ssl options in it (sslmode etc.) are honoured by pg. */
  readonly url: string;
  readonly log?: Log;
  /** Pool size. Default 10. */
  readonly poolSize?: number;
  /**
   * Longest wait for a new connection, and for a free pool slot, in ms.
   * Default 5000.
   */
  readonly connectTimeoutMs?: number;
  /**
   * Server-side `statement_timeout`, in ms. Default 5000. The client-side
   * query timeout (a dead socket that never answers) is this plus 1000.
   */
  readonly statementTimeoutMs?: number;
  /** Schema to use (created if missing); default 'public'. Tests use a throwaway one. */
  readonly schema?: string;
}

export const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 5000;
/** Shown in pg_stat_activity unless the URL sets `application_name`. */
export const DEFAULT_APPLICATION_NAME = 'rgchat';

/** Options with every default filled in. */
export interface ResolvedOptions {
  readonly url: string;
  readonly poolSize: number;
  readonly connectTimeoutMs: number;
  readonly statementTimeoutMs: number;
  /** Client-side read deadline: the statement timeout plus one network round trip of slack. */
  readonly queryTimeoutMs: number;
  readonly schema: string;
}

const positive = (name: string, value: number | undefined, fallback: number): number => {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v <= 0) throw new RangeError(`postgres option ${name} must be a positive integer, got ${v}`);
  return v;
};

export function resolveOptions(options: PostgresOptions): ResolvedOptions {
  if (!/^postgres(ql)?:\/\//i.test(options.url)) {
    throw new RangeError('postgres url must start with postgres:// or postgresql://');
  }
  const schema = options.schema ?? 'public';
  // NAMEDATALEN - 1: Postgres would silently truncate a longer name.
  if (schema.length === 0 || Buffer.byteLength(schema) > 63 || schema.includes('\0')) {
    throw new RangeError(`postgres schema name must be 1-63 bytes, got "${schema}"`);
  }
  const statementTimeoutMs = positive('statementTimeoutMs', options.statementTimeoutMs, DEFAULT_STATEMENT_TIMEOUT_MS);
  return {
    url: options.url,
    poolSize: positive('poolSize', options.poolSize, DEFAULT_POOL_SIZE),
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS),
    statementTimeoutMs,
    queryTimeoutMs: statementTimeoutMs + 1000,
    schema,
  };
}

/** Settings every connection gets, pooled or dedicated. */
export function clientConfig(o: ResolvedOptions): ClientConfig {
  return {
    // pg merges what the URL says over these fields, so a URL's
    // application_name, sslmode or statement_timeout wins.
    connectionString: o.url,
    application_name: DEFAULT_APPLICATION_NAME,
    connectionTimeoutMillis: o.connectTimeoutMs,
    statement_timeout: o.statementTimeoutMs,
    query_timeout: o.queryTimeoutMs,
    // A transaction left open by a stuck client must not hold a room's row
    // lock (and so every writer of that room) for long.
    idle_in_transaction_session_timeout: o.statementTimeoutMs * 2,
    // Notices a half-open socket (server host gone without a FIN) on idle
    // connections, the LISTEN one above all.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

export function poolConfig(o: ResolvedOptions, max: number): PoolConfig {
  return {
    ...clientConfig(o),
    max,
    // Idle connections are closed after this; the pool reopens on demand.
    idleTimeoutMillis: 30_000,
  };
}

/** Quotes an SQL identifier (schema, channel), so any name is safe to splice into SQL. */
export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** The error as a short string for a log field, without the stack. */
export const errText = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));
