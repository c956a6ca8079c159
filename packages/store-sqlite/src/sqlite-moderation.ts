import type { Database, Statement } from 'better-sqlite3';
import type { BanRecord } from '@rgchat/chat-core';

interface BanRow {
  id: string;
  cidr: string;
  reason: string;
  created_at: number;
  expires_at: number;
}

/** The moderation half of the store (issue #14), synchronous; sqlite-store wraps each call like the others. */
export interface SqliteModeration {
  addBan(ban: BanRecord): void;
  liftBan(id: string): boolean;
  activeBans(now: number): BanRecord[];
  deleteRoom(roomId: string): boolean;
}

export function createSqliteModeration(db: Database): SqliteModeration {
  const insertBan = db.prepare(
    'INSERT INTO bans (id, cidr, reason, created_at, expires_at) VALUES (@id, @cidr, @reason, @createdAt, @expiresAt)',
  ) as Statement<[BanRecord]>;
  const deleteBan = db.prepare('DELETE FROM bans WHERE id = ?') as Statement<[string]>;
  const purgeBans = db.prepare('DELETE FROM bans WHERE expires_at <= ?') as Statement<[number]>;
  const bansInForce = db.prepare('SELECT id, cidr, reason, created_at, expires_at FROM bans WHERE expires_at > ? ORDER BY created_at, id') as Statement<
    [number],
    BanRow
  >;
  const unreactRoom = db.prepare('DELETE FROM reactions WHERE message_id IN (SELECT id FROM messages WHERE room_id = ?)') as Statement<[string]>;
  const deleteMessages = db.prepare('DELETE FROM messages WHERE room_id = ?') as Statement<[string]>;
  const deleteRoomRow = db.prepare('DELETE FROM rooms WHERE id = ?') as Statement<[string]>;

  // One transaction: a reader sees the room with all its messages or none of it.
  const dropRoom = db.transaction((roomId: string): boolean => {
    unreactRoom.run(roomId);
    deleteMessages.run(roomId);
    return deleteRoomRow.run(roomId).changes === 1;
  });

  return {
    addBan: (ban) => void insertBan.run(ban),
    liftBan: (id) => deleteBan.run(id).changes === 1,
    activeBans(now) {
      // Expired bans have no use left; the read that skips them also clears them.
      purgeBans.run(now);
      return bansInForce.all(now).map((r) => ({ id: r.id, cidr: r.cidr, reason: r.reason, createdAt: r.created_at, expiresAt: r.expires_at }));
    },
    deleteRoom: (roomId) => dropRoom.immediate(roomId),
  };
}
