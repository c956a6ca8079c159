import { DEFAULT_POOL_SIZE } from './postgres-options';

/*
 * What a deployment chooses for Postgres, and the rules for it. This module
 * must never load `pg` (postgres-options.ts imports only its types): app
 * validates its whole configuration with these rules before it opens
 * anything, and a SQLite user has no reason to load a Postgres driver.
 */

/** Schema used when none is chosen. */
export const DEFAULT_SCHEMA = 'public';
export { DEFAULT_POOL_SIZE };
/** Largest pool a deployment may ask for: far beyond what one instance needs, well below what a server accepts. */
export const MAX_POOL_SIZE = 1000;
/** NOTIFY channel of the deployment in schema `public`; others append `_<schema>` (see busChannelFor). */
export const DEFAULT_BUS_CHANNEL = 'rgchat_events';
/** Postgres cuts identifiers, channel names included, at NAMEDATALEN - 1 bytes. */
const MAX_IDENTIFIER_BYTES = 63;
/** Longest schema name, in characters (ASCII only): its bus channel `rgchat_events_<schema>` must fit in 63 bytes. */
export const MAX_SCHEMA_NAME_CHARS = MAX_IDENTIFIER_BYTES - DEFAULT_BUS_CHANNEL.length - 1;

/** A deployment's Postgres settings. */
export interface PostgresSettings {
  /** postgres:// or postgresql:// URL; may hold a password, so never log it as is. */
  readonly url: string;
  /** Schema holding rgchat's tables (created if missing); one deployment per schema. */
  readonly schema: string;
  /** Connections in the store's pool; the bus holds two more (LISTEN, NOTIFY). */
  readonly poolSize: number;
}

/**
 * The NOTIFY channel of the deployment in `schema`. Deployments in different
 * schemas of one database are strangers: they must not hear each other.
 */
export const busChannelFor = (schema: string): string =>
  schema === DEFAULT_SCHEMA ? DEFAULT_BUS_CHANNEL : `${DEFAULT_BUS_CHANNEL}_${schema}`;

type Rules = { readonly [K in keyof PostgresSettings]: (value: PostgresSettings[K]) => string | undefined };

const rules: Rules = {
  url: (url) => {
    if (!/^postgres(ql)?:\/\//i.test(url)) return 'must be a postgres:// or postgresql:// URL';
    return URL.canParse(url) ? undefined : 'is not a valid URL';
  },
  // A plain lowercase identifier never needs quoting in a psql session.
  schema: (schema) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) {
      return `must be a lowercase identifier (a-z, 0-9, _; not starting with a digit), got ${JSON.stringify(schema)}`;
    }
    if (schema.length > MAX_SCHEMA_NAME_CHARS) return `must be at most ${MAX_SCHEMA_NAME_CHARS} characters`;
    return schema.startsWith('pg_') ? 'must not start with pg_ (reserved by Postgres)' : undefined;
  },
  poolSize: (size) =>
    Number.isInteger(size) && size >= 1 && size <= MAX_POOL_SIZE ? undefined : `must be a whole number from 1 to ${MAX_POOL_SIZE}, got ${size}`,
};

/**
 * Why `value` cannot be used as Postgres setting `name`, as a phrase to
 * follow the setting's name ("must be at most 49 characters"), or undefined
 * when it can.
 */
export function postgresSettingProblem<K extends keyof PostgresSettings>(name: K, value: PostgresSettings[K]): string | undefined {
  return rules[name](value);
}

/** Every problem of `settings`, one phrase each led by the setting's name; empty when all are usable. */
export function postgresSettingsProblems(settings: PostgresSettings): string[] {
  return (Object.keys(rules) as Array<keyof PostgresSettings>).flatMap((name) => {
    const problem = postgresSettingProblem(name, settings[name]);
    return problem === undefined ? [] : [`${name} ${problem}`];
  });
}
