import type { BanRecord, ChatStore } from '@rgchat/chat-core';
import { newMessage } from './store-contract';

/**
 * The moderation half of the store (issue #14): bans kept across restarts
 * until they expire, a moderator's delete of anyone's message, and a room
 * deleted whole. Part of the store contract (see `describeStoreContract`).
 */
export function describeModerationContract(current: () => ChatStore, reopen: () => Promise<ChatStore>): void {
  describe('moderation', () => {
    const ban = (id: string, cidr: string, createdAt: number, expiresAt: number): BanRecord => ({ id, cidr, reason: `reason ${id}`, createdAt, expiresAt });

    test('bans: stored, listed in force oldest first, expired ones left out, lifted once, kept across a reopen', async () => {
      let store = current();
      await store.addBan(ban('b1', '203.0.113.0/24', 100, 10_000));
      await store.addBan(ban('b2', '2001:db8::/32', 200, 20_000));
      await store.addBan(ban('b3', '198.51.100.7/32', 300, 500));
      expect(await store.activeBans(400)).toEqual([ban('b1', '203.0.113.0/24', 100, 10_000), ban('b2', '2001:db8::/32', 200, 20_000), ban('b3', '198.51.100.7/32', 300, 500)]);
      expect((await store.activeBans(500)).map((b) => b.id)).toEqual(['b1', 'b2']);
      expect(await store.liftBan('b1')).toBe(true);
      expect(await store.liftBan('b1')).toBe(false);
      expect(await store.liftBan('nope')).toBe(false);
      store = await reopen();
      expect(await store.activeBans(600)).toEqual([ban('b2', '2001:db8::/32', 200, 20_000)]);
      expect(await store.activeBans(20_000)).toEqual([]);
    });

    test("a moderator (authorKey null) deletes anyone's message, also one stored without an author key", async () => {
      const store = current();
      await store.createRoom({ id: 'mod', name: 'mod', createdAt: 1 });
      const a = (await store.appendMessage(newMessage('mod', { text: 'spam', authorKey: 'usr_spammer' }))).message;
      const legacy = (await store.appendMessage(newMessage('mod', { text: 'old spam' }))).message;
      expect(await store.deleteMessage('mod', a.id, null)).toMatchObject({ kind: 'deleted', seq: a.seq, lastSeq: 2, room: { messageCount: 1 } });
      expect(await store.deleteMessage('mod', legacy.id, null)).toMatchObject({ kind: 'deleted', seq: legacy.seq, room: { messageCount: 0 } });
      expect(await store.deleteMessage('mod', a.id, null)).toEqual({ kind: 'not_found' });
      expect(await store.recentMessages('mod', 10)).toEqual([]);
    });

    test('deleteRoom removes the room with every message and reaction, once; other rooms are untouched', async () => {
      let store = current();
      await store.createRoom({ id: 'gone', name: 'gone', createdAt: 1 });
      await store.createRoom({ id: 'kept', name: 'kept', createdAt: 1 });
      const m = (await store.appendMessage(newMessage('gone', { text: 'x', authorKey: 'usr_a' }))).message;
      await store.react({ roomId: 'gone', messageId: m.id, emoji: '👍', userKey: 'usr_b', on: true, ts: 5, maxEmoji: 20 });
      const k = (await store.appendMessage(newMessage('kept', { text: 'y', authorKey: 'usr_a' }))).message;
      expect(await store.deleteRoom('gone')).toBe(true);
      expect(await store.deleteRoom('gone')).toBe(false);
      expect(await store.getRoom('gone')).toBeUndefined();
      expect(await store.recentMessages('gone', 10)).toEqual([]);
      expect(await store.messagesPage('gone', { limit: 10 })).toBeUndefined();
      await expect(store.appendMessage(newMessage('gone', { text: 'late' }))).rejects.toMatchObject({ code: 'ROOM_NOT_FOUND' });
      store = await reopen();
      expect((await store.listRooms()).map((r) => r.id)).toEqual(['kept']);
      expect(await store.recentMessages('kept', 10)).toEqual([k]);
      // The id can be used again, from a clean slate.
      await store.createRoom({ id: 'gone', name: 'gone again', createdAt: 2 });
      expect((await store.appendMessage(newMessage('gone', { text: 'fresh' }))).message.seq).toBe(1);
    });
  });
}
