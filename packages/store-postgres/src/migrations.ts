import type { Pool } from 'pg';
import { quoteIdent } from './postgres-options';
import { withTransaction } from './with-transaction';

/** One schema step, recorded in `schema_migrations` once applied. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  /** SQL run with the target schema as `s` (already quoted). */
  readonly sql: (s: string) => string;
}

/**
 * Every schema change, oldest first. Append only: never edit or reorder a
 * shipped entry, databases in the field already record its version.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'rooms and messages',
    sql: (s) => `
      CREATE TABLE ${s}.rooms (
        id              TEXT PRIMARY KEY,
        name            TEXT NOT NULL,
        created_at      BIGINT NOT NULL,
        last_message_ts BIGINT NULL,
        -- Doubles as the room's seq counter: appends bump it under the row
        -- lock and take the new value as the message's seq.
        message_count   BIGINT NOT NULL DEFAULT 0
      );
      -- The seed's index: lets "rooms by last activity" avoid a sort.
      CREATE INDEX rooms_last_message_ts ON ${s}.rooms (last_message_ts);

      CREATE TABLE ${s}.messages (
        id        TEXT PRIMARY KEY,
        room_id   TEXT NOT NULL REFERENCES ${s}.rooms (id),
        seq       BIGINT NOT NULL,
        ts        BIGINT NOT NULL,
        author_id TEXT NOT NULL,
        name      TEXT NOT NULL,
        avatar_id BIGINT NOT NULL,
        type      TEXT NOT NULL CHECK (type IN ('message', 'emote')),
        text      TEXT NOT NULL,
        -- Every history read is by position (newest N, after seq), so this is
        -- the index they use; UNIQUE also makes a second writer that somehow
        -- computed the same seq fail instead of forking the room's history.
        CONSTRAINT messages_room_seq UNIQUE (room_id, seq)
      );
    `,
  },
  {
    version: 2,
    name: 'drop rooms_last_message_ts',
    // As SQLite's migration 2 (store-sqlite/src/migrations.ts): rooms are read
    // whole and ordered in memory by core's room directory, nothing queries by
    // last_message_ts, and every append rewrites that column, so the index
    // was pure write cost (here it also defeats HOT updates of the room row,
    // which every append makes under its row lock).
    sql: (s) => `DROP INDEX IF EXISTS ${s}.rooms_last_message_ts;`,
  },
  {
    version: 3,
    name: 'health row',
    // As SQLite's migration 3: the store's check() commits an update of this
    // one row (issue #10), because a read alone kept /healthz green while
    // every write failed. One row, so instances' checks update it in turn.
    sql: (s) => `
      CREATE TABLE ${s}.health (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        -- ms since the epoch of the last successful check().
        checked_at BIGINT NOT NULL
      );
      INSERT INTO ${s}.health (id, checked_at) VALUES (1, 0);
    `,
  },
  {
    version: 4,
    name: 'rooms.last_seq',
    // As SQLite's migration 4: a message's seq comes from the room's own
    // never-reused counter, apart from the visible message_count (issue #11).
    // seq was message_count after the insert until now, gapless, so the
    // highest stored seq is the counter's value (one index probe per room).
    sql: (s) => `
      ALTER TABLE ${s}.rooms ADD COLUMN last_seq BIGINT NOT NULL DEFAULT 0;
      UPDATE ${s}.rooms r SET last_seq = COALESCE((SELECT max(m.seq) FROM ${s}.messages m WHERE m.room_id = r.id), 0);
    `,
  },
  {
    version: 5,
    name: 'messages.author_key and client_msg_id',
    // As SQLite's migration 5 (issue #11, acks and delete): the author's
    // userId, never the raw sessionId, and the idempotency key as a partial
    // unique index, so v1 sends (no clientMsgId) pay nothing for it. Both
    // columns are nullable without a default: adding them rewrites nothing.
    sql: (s) => `
      ALTER TABLE ${s}.messages ADD COLUMN author_key TEXT NULL;
      ALTER TABLE ${s}.messages ADD COLUMN client_msg_id TEXT NULL;
      CREATE UNIQUE INDEX messages_client_msg ON ${s}.messages (room_id, author_key, client_msg_id) WHERE client_msg_id IS NOT NULL;
    `,
  },
  {
    version: 6,
    name: 'messages.deleted',
    // As SQLite's migration 6 (issue #11, delete): a soft delete, so the seq
    // stays taken and the idempotency key still answers resends; the text is
    // blanked and every read skips the row. A constant default: no rewrite.
    sql: (s) => `ALTER TABLE ${s}.messages ADD COLUMN deleted BOOLEAN NOT NULL DEFAULT false;`,
  },
  {
    version: 7,
    name: 'reactions',
    // As SQLite's migration 7 (issue #11, reactions): one row per person
    // (their userId), message and emoji; the primary key is "one per
    // person" and serves a page's counts (message_id = ANY) and a message's
    // distinct emoji. ts orders a message's emoji by when each was first given.
    sql: (s) => `
      CREATE TABLE ${s}.reactions (
        message_id TEXT NOT NULL REFERENCES ${s}.messages (id),
        emoji      TEXT NOT NULL,
        user_key   TEXT NOT NULL,
        ts         BIGINT NOT NULL,
        PRIMARY KEY (message_id, emoji, user_key)
      );
    `,
  },
  {
    version: 8,
    name: 'bans',
    // As SQLite's migration 8 (issue #14, moderation).
    sql: (s) => `
      CREATE TABLE ${s}.bans (
        id         TEXT PRIMARY KEY,
        cidr       TEXT NOT NULL,
        reason     TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      );
      CREATE INDEX bans_expires_at ON ${s}.bans (expires_at);
    `,
  },
];

/** The schema version this code writes. */
export const latestVersion = migrations.reduce((max, m) => Math.max(max, m.version), 0);

/**
 * An arbitrary constant namespacing our advisory locks (pg_advisory_xact_lock's
 * first key), so they do not collide with another application's.
 */
const LOCK_NAMESPACE = 0x72676368; // "rgch"

/**
 * Brings `schema` to `latestVersion` in ONE transaction holding a
 * transaction-scoped advisory lock: a second instance starting at the same
 * moment waits for the first, then finds nothing left to do. A failure rolls
 * back everything, so the schema is the old one or the new one. Returns the
 * versions applied.
 */
export async function migrate(pool: Pool, schema: string): Promise<number[]> {
  const s = quoteIdent(schema);
  return withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_NAMESPACE, `migrate:${schema}`]);
    // Everything below runs under the lock, so "check then create" is safe;
    // CREATE SCHEMA IF NOT EXISTS alone races with itself, and would need
    // CREATE rights on the database even for an existing 'public'.
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${s}`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
        version    INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    const done = await client.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`);
    const current = done.rows.reduce((max, r) => Math.max(max, r.version), 0);
    if (current > latestVersion) {
      throw new Error(
        `Postgres schema "${schema}" has version ${current}, newer than this rgchat supports (${latestVersion}). ` +
          'Run the rgchat release that wrote it, or restore a backup taken before the upgrade.',
      );
    }
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version <= current) continue;
      await client.query(m.sql(s));
      await client.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}
