import type { SqliteSynchronous as StoreSynchronous } from './sqlite-store';

/*
 * What a deployment chooses for SQLite, and the rules for it. This module
 * must never load better-sqlite3 (it imports types only): app validates its
 * whole configuration with these rules before it opens anything, and a
 * Postgres user has no reason to load a native SQLite binary.
 */

/** `synchronous` values, weakest first; see SqliteStoreOptions.synchronous for what each survives. */
export const SQLITE_SYNCHRONOUS_MODES = ['normal', 'full'] as const;
export type SqliteSynchronous = (typeof SQLITE_SYNCHRONOUS_MODES)[number];
// The store's own option type must stay the same set of modes (a compile-time check).
const sameModes: [SqliteSynchronous, StoreSynchronous] extends [StoreSynchronous, SqliteSynchronous] ? true : never = true;
void sameModes;

/** Default `synchronous`: a broadcast message survives a crash or kill -9 of rgchat, not a power loss. */
export const DEFAULT_SQLITE_SYNCHRONOUS: SqliteSynchronous = 'normal';
/** Default database file, relative to the working directory. */
export const DEFAULT_SQLITE_PATH = './data/chat.db';

/** A deployment's SQLite settings. */
export interface SqliteSettings {
  /** Database file; its directory is created if missing. */
  readonly path: string;
  readonly synchronous: SqliteSynchronous;
}

type Rules = { readonly [K in keyof SqliteSettings]: (value: string) => string | undefined };

const rules: Rules = {
  path: (path) => (path.trim() === '' ? 'must not be empty' : undefined),
  synchronous: (mode) =>
    (SQLITE_SYNCHRONOUS_MODES as readonly string[]).includes(mode)
      ? undefined
      : `must be one of ${SQLITE_SYNCHRONOUS_MODES.join(', ')}, got ${JSON.stringify(mode)}`,
};

/**
 * Why `value` cannot be used as SQLite setting `name`, as a phrase to follow
 * the setting's name ("must not be empty"), or undefined when it can.
 */
export function sqliteSettingProblem(name: keyof SqliteSettings, value: string): string | undefined {
  return rules[name](value);
}
