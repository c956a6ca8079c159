import { ChatError, ErrorCode, roomAfter, storedMessage, type BanRecord, type ChatStore, type MessageRecord, type RoomRecord } from '@rgchat/chat-core';

/**
 * The in-memory store: the reference the store contract suite is written
 * against, and the fake core's unit tests run on. `failing` makes every call
 * reject (outage tests); `delayMs` slows every call.
 */
export interface MemoryStore extends ChatStore {
  failing: boolean;
  delayMs: number;
}

export function createMemoryStore(): MemoryStore {
  const rooms = new Map<string, RoomRecord>();
  const messages = new Map<string, MessageRecord[]>();
  /** Each room's seq counter (`last_seq` in the SQL stores), apart from its count. */
  const lastSeqs = new Map<string, number>();
  const ids = new Set<string>();
  /** Idempotency keys (room, author key, clientMsgId) of stored messages, to the original. */
  const keyed = new Map<string, MessageRecord>();
  /** Each message's author key (`NewMessage.authorKey`), by message id. */
  const authors = new Map<string, string | undefined>();
  /** Reactions by message id: emoji to (userKey to ts), in the order each emoji was first given. */
  const reactions = new Map<string, Map<string, Map<string, number>>>();
  const bans = new Map<string, BanRecord>();
  const keyOf = (roomId: string, authorKey: string | undefined, clientMsgId: string): string => JSON.stringify([roomId, authorKey ?? null, clientMsgId]);
  let closed = false;

  const store: MemoryStore = {
    failing: false,
    delayMs: 0,
    async listRooms() {
      await gate();
      return [...rooms.values()];
    },
    async getRoom(id) {
      await gate();
      return rooms.get(id);
    },
    async createRoom(room) {
      await gate();
      const existing = rooms.get(room.id);
      if (existing) return { room: existing, created: false };
      const created: RoomRecord = { id: room.id, name: room.name, createdAt: room.createdAt, messageCount: 0, lastMessageTs: null };
      rooms.set(room.id, created);
      messages.set(room.id, []);
      lastSeqs.set(room.id, 0);
      return { room: created, created: true };
    },
    async removeEmptyRooms(createdBefore, keep) {
      await gate();
      const kept = new Set(keep);
      const removed: string[] = [];
      for (const r of rooms.values()) {
        // A room whose messages were all deleted did receive messages: it stays.
        if (r.messageCount !== 0 || lastSeqs.get(r.id) !== 0 || r.createdAt >= createdBefore || kept.has(r.id)) continue;
        rooms.delete(r.id);
        messages.delete(r.id);
        lastSeqs.delete(r.id);
        removed.push(r.id);
      }
      return removed;
    },
    async appendMessage(m) {
      await gate();
      const room = rooms.get(m.roomId);
      if (!room) throw new ChatError(ErrorCode.ROOM_NOT_FOUND, `No room "${m.roomId}".`);
      const key = m.clientMsgId === undefined ? undefined : keyOf(m.roomId, m.authorKey, m.clientMsgId);
      const original = key === undefined ? undefined : keyed.get(key);
      if (original) return { message: original, room, duplicate: true };
      if (ids.has(m.id)) throw new Error(`duplicate message id ${m.id}`);
      ids.add(m.id);
      // Core's builders, as the real stores use: the bench's memory-server runs
      // on this store, and records of one shape keep core's property access
      // monomorphic.
      const message = storedMessage(m, (lastSeqs.get(room.id) ?? 0) + 1);
      const updated = roomAfter(room, message);
      rooms.set(room.id, updated);
      lastSeqs.set(room.id, message.seq);
      messages.get(room.id)!.push(message);
      if (key !== undefined) keyed.set(key, message);
      authors.set(message.id, m.authorKey);
      return { message, room: updated };
    },
    async recentMessages(roomId, limit) {
      await gate();
      return (messages.get(roomId) ?? []).slice(-limit);
    },
    async messagesAfter(roomId, afterSeq, limit) {
      await gate();
      const all = messages.get(roomId) ?? [];
      const from = firstAbove(all, afterSeq);
      return all.slice(from, from + limit);
    },
    async messagesPage(roomId, { before, after, limit }) {
      await gate();
      const all = messages.get(roomId);
      const lastSeq = lastSeqs.get(roomId);
      if (all === undefined || lastSeq === undefined) return undefined;
      if (after !== undefined) {
        const from = firstAbove(all, after);
        return { messages: all.slice(from, from + limit), hasMore: all.length > from + limit, lastSeq };
      }
      const end = before === undefined ? all.length : firstAbove(all, before - 1);
      const start = Math.max(0, end - limit);
      return { messages: all.slice(start, end), hasMore: start > 0, lastSeq };
    },
    async deleteMessage(roomId, messageId, authorKey) {
      await gate();
      const all = messages.get(roomId) ?? [];
      const at = all.findIndex((m) => m.id === messageId);
      const room = rooms.get(roomId);
      if (at < 0 || !room) return { kind: 'not_found' };
      const author = authors.get(messageId);
      if (authorKey !== null && (author === undefined || author !== authorKey)) return { kind: 'forbidden' };
      const [gone] = all.splice(at, 1);
      reactions.delete(messageId);
      // Key order as roomAfter builds it; the last activity stays.
      const updated: RoomRecord = { id: room.id, name: room.name, createdAt: room.createdAt, messageCount: room.messageCount - 1, lastMessageTs: room.lastMessageTs };
      rooms.set(roomId, updated);
      return { kind: 'deleted', seq: gone!.seq, room: updated, lastSeq: lastSeqs.get(roomId) ?? 0 };
    },
    async react({ roomId, messageId, emoji, userKey, on, ts, maxEmoji }) {
      await gate();
      if (!(messages.get(roomId) ?? []).some((m) => m.id === messageId)) return { kind: 'not_found' };
      let byEmoji = reactions.get(messageId);
      if (!byEmoji) reactions.set(messageId, (byEmoji = new Map()));
      const people = byEmoji.get(emoji);
      const count = people?.size ?? 0;
      if (on) {
        if (people?.has(userKey)) return { kind: 'unchanged', count };
        if (!people && byEmoji.size >= maxEmoji) return { kind: 'too_many' };
        if (people) people.set(userKey, ts);
        else byEmoji.set(emoji, new Map([[userKey, ts]]));
        return { kind: 'changed', count: count + 1 };
      }
      if (!people?.delete(userKey)) return { kind: 'unchanged', count };
      if (people.size === 0) byEmoji.delete(emoji);
      return { kind: 'changed', count: count - 1 };
    },
    async reactionCounts(roomId, messageIds) {
      await gate();
      const visible = new Set((messages.get(roomId) ?? []).map((m) => m.id));
      const out = new Map<string, Array<readonly [string, number]>>();
      for (const id of messageIds) {
        const byEmoji = reactions.get(id);
        if (!visible.has(id) || !byEmoji || byEmoji.size === 0) continue;
        // As the SQL stores order them: by each emoji's earliest reaction still there, then by emoji.
        const first = (people: Map<string, number>) => Math.min(...people.values());
        const sorted = [...byEmoji].sort(([ea, pa], [eb, pb]) => first(pa) - first(pb) || (ea < eb ? -1 : ea > eb ? 1 : 0));
        out.set(id, sorted.map(([emoji, people]) => [emoji, people.size] as const));
      }
      return out;
    },
    async addBan(ban) {
      await gate();
      bans.set(ban.id, ban);
    },
    async liftBan(id) {
      await gate();
      return bans.delete(id);
    },
    async activeBans(now) {
      await gate();
      return [...bans.values()].filter((b) => b.expiresAt > now).sort((a, b) => a.createdAt - b.createdAt);
    },
    async deleteRoom(roomId) {
      await gate();
      if (!rooms.has(roomId)) return false;
      for (const m of messages.get(roomId) ?? []) {
        reactions.delete(m.id);
        authors.delete(m.id);
      }
      for (const [key, m] of keyed) if (m.roomId === roomId) keyed.delete(key);
      rooms.delete(roomId);
      messages.delete(roomId);
      lastSeqs.delete(roomId);
      return true;
    },
    async check() {
      await gate();
    },
    async close() {
      closed = true;
    },
  };

  /** Index of the first message with seq > `seq` (messages are in seq order, possibly with holes). */
  function firstAbove(all: readonly MessageRecord[], seq: number): number {
    let lo = 0;
    let hi = all.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (all[mid]!.seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  async function gate(): Promise<void> {
    if (store.delayMs > 0) await new Promise((r) => setTimeout(r, store.delayMs));
    if (closed) throw new Error('store is closed');
    if (store.failing) throw new Error('store unavailable (simulated)');
  }

  return store;
}
