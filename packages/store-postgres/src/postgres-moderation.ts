import type { Pool, QueryResultRow } from 'pg';
import type { BanRecord, ModerationStore } from '@rgchat/chat-core';
import { quoteIdent } from './postgres-options';
import type { Int8 } from './statements';
import { withTransaction } from './with-transaction';

interface BanRow {
  id: string;
  cidr: string;
  reason: string;
  created_at: Int8;
  expires_at: Int8;
}

export interface PostgresModerationDeps {
  readonly pool: Pool;
  readonly schema: string;
  readonly query: <R extends QueryResultRow>(text: string, values?: unknown[]) => Promise<R[]>;
  readonly isClosed: () => boolean;
}

/** The moderation half of the store on Postgres (issue #14): bans, and deleting a whole room. */
export function createPostgresModeration({ pool, schema, query, isClosed }: PostgresModerationDeps): ModerationStore {
  const s = quoteIdent(schema);
  return {
    async addBan(ban: BanRecord) {
      await query(`INSERT INTO ${s}.bans (id, cidr, reason, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`, [
        ban.id,
        ban.cidr,
        ban.reason,
        ban.createdAt,
        ban.expiresAt,
      ]);
    },
    async liftBan(id) {
      const rows = await query<{ id: string }>(`DELETE FROM ${s}.bans WHERE id = $1 RETURNING id`, [id]);
      return rows.length === 1;
    },
    async activeBans(now) {
      // Expired bans have no use left; every instance reads this every 30 s, so the purge is cheap.
      await query(`DELETE FROM ${s}.bans WHERE expires_at <= $1`, [now]);
      const rows = await query<BanRow>(`SELECT id, cidr, reason, created_at, expires_at FROM ${s}.bans WHERE expires_at > $1 ORDER BY created_at, id`, [now]);
      return rows.map((r) => ({ id: r.id, cidr: r.cidr, reason: r.reason, createdAt: Number(r.created_at), expiresAt: Number(r.expires_at) }));
    },
    async deleteRoom(roomId) {
      if (isClosed()) throw new Error('Postgres store is closed');
      // One transaction: readers see the room whole or gone. The room row is
      // locked first, so an append (which updates it) waits, then finds no room.
      return withTransaction(pool, async (client) => {
        const locked = await client.query(`SELECT id FROM ${s}.rooms WHERE id = $1 FOR UPDATE`, [roomId]);
        if (locked.rowCount === 0) return false;
        await client.query(`DELETE FROM ${s}.reactions WHERE message_id IN (SELECT id FROM ${s}.messages WHERE room_id = $1)`, [roomId]);
        await client.query(`DELETE FROM ${s}.messages WHERE room_id = $1`, [roomId]);
        await client.query(`DELETE FROM ${s}.rooms WHERE id = $1`, [roomId]);
        return true;
      });
    },
  };
}
