import type { Database } from 'better-sqlite3';

/** One schema step. `version` is what `PRAGMA user_version` reads once it is applied. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Every schema change, oldest first. Append only: never edit or reorder a
 * shipped entry, because databases in the field already carry its version.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'rooms and messages',
    sql: `
      CREATE TABLE rooms (
        id              TEXT PRIMARY KEY,
        name            TEXT NOT NULL,
        created_at      INTEGER NOT NULL,
        last_message_ts INTEGER NULL,
        message_count   INTEGER NOT NULL DEFAULT 0
      );
      -- The seed's index: lets "rooms by last activity" avoid a sort.
      CREATE INDEX rooms_last_message_ts ON rooms (last_message_ts);

      CREATE TABLE messages (
        id        TEXT PRIMARY KEY,
        room_id   TEXT NOT NULL REFERENCES rooms (id),
        -- Position in the room, 1-based: the room's message_count right after
        -- the insert, assigned inside the write transaction.
        seq       INTEGER NOT NULL,
        ts        INTEGER NOT NULL,
        author_id TEXT NOT NULL,
        name      TEXT NOT NULL,
        avatar_id INTEGER NOT NULL,
        type      TEXT NOT NULL CHECK (type IN ('message', 'emote')),
        text      TEXT NOT NULL
      );
      -- Replaces the seed's (room_id, ts). Every history read is by position:
      -- "newest N" walks this index backwards from the end of the room and
      -- "after seq" is a range scan, both exact. ts cannot serve that: two
      -- messages may share a millisecond and clocks of several instances may
      -- step backwards, so ordering or paging by ts can tie, skip or reorder.
      -- UNIQUE also makes two writers that computed the same seq fail loudly
      -- instead of forking the room's history. Nothing queries by ts, so a
      -- second index would only slow every append.
      CREATE UNIQUE INDEX messages_room_seq ON messages (room_id, seq);
    `,
  },
  {
    version: 2,
    name: 'drop rooms_last_message_ts',
    // Rooms are read whole (listRooms at start) and ordered in memory by
    // core's room directory; nothing queries by last_message_ts. The index
    // only cost every append an index delete and insert in the same commit.
    sql: `DROP INDEX IF EXISTS rooms_last_message_ts;`,
  },
  {
    version: 3,
    name: 'health row',
    // The store's check() commits an update of this one row (issue #10): a
    // read alone kept /healthz green while every write failed with "disk is
    // full". One row, rewritten in place, so the probe never grows the file.
    sql: `
      CREATE TABLE health (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        -- ms since the epoch of the last successful check().
        checked_at INTEGER NOT NULL
      );
      INSERT INTO health (id, checked_at) VALUES (1, 0);
    `,
  },
  {
    version: 4,
    name: 'rooms.last_seq',
    // Issue #11: a message's seq is the room's never-reused position, so it
    // needs its own counter once messages can be deleted (message_count is
    // what is visible and drops on a delete). Appends take seq = last_seq + 1.
    // Until now seq was message_count after the insert, gapless, so the
    // highest stored seq is the counter's value; the (room_id, seq) index
    // answers MAX(seq) per room without a scan.
    sql: `
      ALTER TABLE rooms ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
      UPDATE rooms SET last_seq = COALESCE((SELECT MAX(seq) FROM messages WHERE messages.room_id = rooms.id), 0);
    `,
  },
  {
    version: 5,
    name: 'messages.author_key and client_msg_id',
    // Issue #11, acks and delete. author_key is the author's userId (a
    // one-way hash of the sessionId, or the connection id), never the raw
    // sessionId: who may delete the message, and half of the idempotency
    // key. NULL on rows written before: nobody may delete those. The unique
    // index is the idempotency key itself, partial so messages without a
    // clientMsgId (every v1 send) pay nothing for it.
    sql: `
      ALTER TABLE messages ADD COLUMN author_key TEXT NULL;
      ALTER TABLE messages ADD COLUMN client_msg_id TEXT NULL;
      CREATE UNIQUE INDEX messages_client_msg ON messages (room_id, author_key, client_msg_id) WHERE client_msg_id IS NOT NULL;
    `,
  },
  {
    version: 6,
    name: 'messages.deleted',
    // Issue #11, delete. A soft delete: the row stays (its seq stays taken,
    // and its idempotency key still answers a resend as a duplicate), its
    // text is blanked, and every read skips it. History reads still walk
    // messages_room_seq and filter, so a room with few deletions reads as
    // fast as before.
    sql: `ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    version: 7,
    name: 'reactions',
    // Issue #11, reactions: one row per person (user_key: their userId,
    // never the raw sessionId), message and emoji, so "one per person" is
    // the primary key. Keyed by message first: a page's counts are one range
    // read per message id, and a message's distinct emoji one range read.
    // ts orders a message's emoji by when each was first given.
    sql: `
      CREATE TABLE reactions (
        message_id TEXT NOT NULL REFERENCES messages (id),
        emoji      TEXT NOT NULL,
        user_key   TEXT NOT NULL,
        ts         INTEGER NOT NULL,
        PRIMARY KEY (message_id, emoji, user_key)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 8,
    name: 'bans',
    // Issue #14, moderation: an address or network (canonical CIDR) kept out
    // until expires_at. Read whole at start and every 30 s; the index keeps
    // that read to the bans in force as old ones pile up.
    sql: `
      CREATE TABLE bans (
        id         TEXT PRIMARY KEY,
        cidr       TEXT NOT NULL,
        reason     TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX bans_expires_at ON bans (expires_at);
    `,
  },
];

/** The schema version this code writes. */
export const latestVersion = migrations.reduce((max, m) => Math.max(max, m.version), 0);

const userVersion = (db: Database): number => db.pragma('user_version', { simple: true }) as number;

/**
 * Brings the schema to `latestVersion`. Pending steps and the version bump run
 * in one IMMEDIATE transaction, so a crash leaves the old or the new schema,
 * never half of one, and two processes opening the same file migrate once.
 * Returns the versions it applied (empty when already current).
 */
export function migrate(db: Database, path: string): number[] {
  const run = db.transaction((): number[] => {
    // Read inside the write lock: another process may have migrated meanwhile.
    const current = userVersion(db);
    if (current > latestVersion) {
      throw new Error(
        `SQLite database ${path} has schema version ${current}, newer than this rgchat supports (${latestVersion}). ` +
          'Run the rgchat release that wrote it, or restore a backup taken before the upgrade.',
      );
    }
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      applied.push(m.version);
    }
    // user_version is stored in the database header and is transactional.
    if (applied.length > 0) db.pragma(`user_version = ${latestVersion}`);
    return applied;
  });
  return run.immediate();
}
