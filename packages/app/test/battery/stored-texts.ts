import { openSqliteStore } from '@rgchat/store-sqlite';
import { withAdmin } from '../support/postgres-env';

/** Every message text stored in `roomId` of the SQLite file at `path` (opened beside the app: WAL allows it). */
export async function sqliteTexts(path: string, roomId: string): Promise<Set<string>> {
  const store = await openSqliteStore({ path });
  try {
    return new Set((await store.recentMessages(roomId, 1_000_000)).map((m) => m.text));
  } finally {
    await store.close();
  }
}

/** Every message text stored in `roomId` of the Postgres `schema`. */
export function postgresTexts(schema: string, roomId: string): Promise<Set<string>> {
  return withAdmin(async (c) => {
    const r = await c.query<{ text: string }>(`SELECT text FROM "${schema.replace(/"/g, '""')}".messages WHERE room_id = $1`, [roomId]);
    return new Set(r.rows.map((row) => row.text));
  });
}

/** How many of `acknowledged` are missing from `stored`. */
export const missing = (acknowledged: readonly string[], stored: ReadonlySet<string>): number => acknowledged.filter((t) => !stored.has(t)).length;
