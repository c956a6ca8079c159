import { ErrorCode, roomAfter, storedMessage, type ChatStore, type NewMessage } from '@rgchat/chat-core';
import { describeAcksContract } from './store-contract-acks';
import { describeDeleteContract } from './store-contract-delete';
import { describeModerationContract } from './store-contract-moderation';
import { describeReactionsContract } from './store-contract-reactions';

/**
 * Storage a contract run can open, close and open again (the same data), then
 * destroy. Memory: one object; SQLite: a temp file; Postgres: a fresh schema.
 */
export interface StoreHarness {
  open(): Promise<ChatStore>;
  destroy(): Promise<void>;
}

let counter = 0;
export function newMessage(roomId: string, over: Partial<NewMessage> = {}): NewMessage {
  counter++;
  return {
    roomId,
    id: `msg_contract_${process.pid}_${Date.now()}_${counter}`,
    ts: 1_730_000_000_000 + counter,
    authorId: 'conn_1',
    name: 'alice',
    avatarId: 7,
    type: 'message',
    text: `hello ${counter}`,
    ...over,
  };
}

/** The MessageStore/RoomStore contract; every store adapter runs it. */
export function describeStoreContract(name: string, harness: () => Promise<StoreHarness>): void {
  describe(`store contract: ${name}`, () => {
    let h: StoreHarness;
    let store: ChatStore;

    beforeEach(async () => {
      h = await harness();
      store = await h.open();
    });
    afterEach(async () => {
      await store.close();
      await h.destroy();
    });

    test('check resolves on a healthy store', async () => {
      await expect(store.check()).resolves.toBeUndefined();
    });

    test('createRoom creates once and is idempotent by id', async () => {
      const a = await store.createRoom({ id: 'lobby', name: 'Lobby', createdAt: 1000 });
      expect(a).toEqual({ created: true, room: { id: 'lobby', name: 'Lobby', createdAt: 1000, messageCount: 0, lastMessageTs: null } });
      const b = await store.createRoom({ id: 'lobby', name: 'LOBBY!', createdAt: 2000 });
      expect(b.created).toBe(false);
      expect(b.room).toEqual(a.room);
      expect(await store.listRooms()).toEqual([a.room]);
      expect(await store.getRoom('lobby')).toEqual(a.room);
      expect(await store.getRoom('nope')).toBeUndefined();
    });

    test('concurrent creates of one id create it exactly once', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.createRoom({ id: 'race', name: `race ${i}`, createdAt: i })),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.room.name)).size).toBe(1);
    });

    test('appendMessage assigns seq from 1, counts exactly and tracks last activity', async () => {
      await store.createRoom({ id: 'r', name: 'r', createdAt: 1 });
      const first = await store.appendMessage(newMessage('r', { ts: 5000 }));
      expect(first.message.seq).toBe(1);
      expect(first.room).toMatchObject({ id: 'r', messageCount: 1, lastMessageTs: 5000 });
      const second = await store.appendMessage(newMessage('r', { ts: 6000, type: 'emote' }));
      expect(second.message).toMatchObject({ seq: 2, type: 'emote', ts: 6000 });
      expect(await store.getRoom('r')).toMatchObject({ messageCount: 2, lastMessageTs: 6000 });
    });

    test('every record has the one shape core builds: same fields, same key order, appended or read back', async () => {
      const roomKeys = Object.keys(roomAfter({ id: 'k', name: 'k', createdAt: 1, messageCount: 0, lastMessageTs: null }, storedMessage(newMessage('k'), 1)));
      const messageKeys = Object.keys(storedMessage(newMessage('k'), 1));
      const { room: created } = await store.createRoom({ id: 'k', name: 'Keys', createdAt: 1 });
      const appended = await store.appendMessage(newMessage('k'));
      const rooms = [created, appended.room, ...(await store.listRooms()), (await store.getRoom('k'))!];
      const messages = [appended.message, ...(await store.recentMessages('k', 5)), ...(await store.messagesAfter('k', 0, 5))];
      expect(messages).toHaveLength(3);
      for (const r of rooms) expect(Object.keys(r)).toEqual(roomKeys);
      for (const m of messages) expect(Object.keys(m)).toEqual(messageKeys);
    });

    test('appendMessage to a missing room rejects with ROOM_NOT_FOUND and stores nothing', async () => {
      await expect(store.appendMessage(newMessage('ghost'))).rejects.toMatchObject({ code: ErrorCode.ROOM_NOT_FOUND });
      expect(await store.getRoom('ghost')).toBeUndefined();
    });

    test('messages round-trip exactly: unicode, newlines, large avatar ids', async () => {
      await store.createRoom({ id: 'u', name: 'Ünïcødé ☕', createdAt: 1 });
      const text = '𝄞 4-byte 😀 and "quotes" \\ backslash\nsecond line 中文';
      const m = newMessage('u', { text, name: 'ü名前', avatarId: Number.MAX_SAFE_INTEGER });
      const { message } = await store.appendMessage(m);
      expect(message).toEqual({ ...m, seq: 1 });
      expect(await store.recentMessages('u', 10)).toEqual([{ ...m, seq: 1 }]);
      const negative = newMessage('u', { avatarId: -42 });
      await store.appendMessage(negative);
      expect((await store.recentMessages('u', 1))[0]!.avatarId).toBe(-42);
      expect((await store.getRoom('u'))!.name).toBe('Ünïcødé ☕');
    });

    test('recentMessages returns the newest `limit`, oldest first, per room', async () => {
      await store.createRoom({ id: 'a', name: 'a', createdAt: 1 });
      await store.createRoom({ id: 'b', name: 'b', createdAt: 2 });
      for (let i = 1; i <= 520; i++) await store.appendMessage(newMessage('a', { text: `a${i}`, ts: i }));
      await store.appendMessage(newMessage('b', { text: 'b1' }));
      const recent = await store.recentMessages('a', 500);
      expect(recent).toHaveLength(500);
      expect(recent[0]).toMatchObject({ seq: 21, text: 'a21' });
      expect(recent[499]).toMatchObject({ seq: 520, text: 'a520' });
      expect(recent.map((m) => m.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 21));
      expect(await store.recentMessages('b', 500)).toEqual([expect.objectContaining({ text: 'b1', seq: 1 })]);
      expect(await store.recentMessages('missing', 500)).toEqual([]);
      expect((await store.getRoom('a'))!.messageCount).toBe(520);
    });

    test('messagesAfter reads by position, oldest first, bounded by limit', async () => {
      await store.createRoom({ id: 'p', name: 'p', createdAt: 1 });
      for (let i = 1; i <= 30; i++) await store.appendMessage(newMessage('p', { text: `p${i}` }));
      expect((await store.messagesAfter('p', 0, 3)).map((m) => m.seq)).toEqual([1, 2, 3]);
      expect((await store.messagesAfter('p', 25, 100)).map((m) => m.text)).toEqual(['p26', 'p27', 'p28', 'p29', 'p30']);
      expect(await store.messagesAfter('p', 30, 10)).toEqual([]);
    });

    test('concurrent appends lose nothing and get distinct, gapless seqs', async () => {
      await store.createRoom({ id: 'c', name: 'c', createdAt: 1 });
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => store.appendMessage(newMessage('c', { text: `c${i}` }))));
      const seqs = results.map((r) => r.message.seq).sort((x, y) => x - y);
      expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      for (const r of results) expect(r.room.messageCount).toBeGreaterThanOrEqual(r.message.seq);
      const stored = await store.recentMessages('c', 500);
      expect(stored.map((m) => m.seq)).toEqual(seqs);
      expect(new Set(stored.map((m) => m.text)).size).toBe(200);
      expect((await store.getRoom('c'))!.messageCount).toBe(200);
    });

    test('removeEmptyRooms removes exactly the empty rooms created before the cutoff, except those kept, once', async () => {
      await store.createRoom({ id: 'old-empty', name: 'a', createdAt: 100 });
      await store.createRoom({ id: 'old-kept', name: 'b', createdAt: 100 });
      await store.createRoom({ id: 'old-busy', name: 'c', createdAt: 100 });
      await store.createRoom({ id: 'at-cutoff', name: 'd', createdAt: 1000 });
      await store.createRoom({ id: 'young', name: 'e', createdAt: 5000 });
      await store.appendMessage(newMessage('old-busy'));
      expect(await store.removeEmptyRooms(1000, ['old-kept', 'not-a-room'])).toEqual(['old-empty']);
      expect(await store.getRoom('old-empty')).toBeUndefined();
      expect((await store.listRooms()).map((r) => r.id).sort()).toEqual(['at-cutoff', 'old-busy', 'old-kept', 'young']);
      // Idempotent: nothing left to report.
      expect(await store.removeEmptyRooms(1000, ['old-kept'])).toEqual([]);
      await expect(store.appendMessage(newMessage('old-empty'))).rejects.toMatchObject({ code: ErrorCode.ROOM_NOT_FOUND });
      expect((await store.removeEmptyRooms(10_000, [])).sort()).toEqual(['at-cutoff', 'old-kept', 'young']);
      expect((await store.listRooms()).map((r) => r.id)).toEqual(['old-busy']);
      // The id is free again: creating it makes a new, empty room.
      const again = await store.createRoom({ id: 'old-empty', name: 'again', createdAt: 20_000 });
      expect(again).toEqual({ created: true, room: { id: 'old-empty', name: 'again', createdAt: 20_000, messageCount: 0, lastMessageTs: null } });
    });

    test('a first append racing removeEmptyRooms either wins (the room stays) or gets ROOM_NOT_FOUND (the room is gone)', async () => {
      const ids = Array.from({ length: 20 }, (_, i) => `race-${i}`);
      for (const id of ids) await store.createRoom({ id, name: id, createdAt: 1 });
      const appends = ids.map((id) => store.appendMessage(newMessage(id)).then(() => 'stored' as const, (e: { code?: string }) => e.code));
      const removed = new Set(await store.removeEmptyRooms(2, []));
      const outcomes = await Promise.all(appends);
      for (const [i, id] of ids.entries()) {
        const room = await store.getRoom(id);
        if (removed.has(id)) {
          expect(outcomes[i]).toBe(ErrorCode.ROOM_NOT_FOUND);
          expect(room).toBeUndefined();
        } else {
          expect(outcomes[i]).toBe('stored');
          expect(room).toMatchObject({ messageCount: 1 });
          expect(await store.recentMessages(id, 5)).toHaveLength(1);
        }
      }
    });

    test('reopening keeps rooms, messages, order and counts', async () => {
      await store.createRoom({ id: 'keep', name: 'Keep', createdAt: 42 });
      for (let i = 1; i <= 5; i++) await store.appendMessage(newMessage('keep', { text: `k${i}`, ts: 100 + i }));
      const before = await store.recentMessages('keep', 500);
      await store.close();
      store = await h.open();
      expect(await store.getRoom('keep')).toEqual({ id: 'keep', name: 'Keep', createdAt: 42, messageCount: 5, lastMessageTs: 105 });
      expect(await store.recentMessages('keep', 500)).toEqual(before);
      const next = await store.appendMessage(newMessage('keep'));
      expect(next.message.seq).toBe(6);
    });

    // Issue #11: pages of history by seq (get_history, GET /api/rooms/{id}/messages, recovery).
    const seqsOf = (page: { messages: readonly { seq: number }[] } | undefined) => page?.messages.map((m) => m.seq);
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

    test('messagesPage: undefined for a missing room; an empty room is an empty page at lastSeq 0', async () => {
      expect(await store.messagesPage('ghost', { limit: 10 })).toBeUndefined();
      expect(await store.messagesPage('ghost', { after: 0, limit: 10 })).toBeUndefined();
      await store.createRoom({ id: 'empty', name: 'e', createdAt: 1 });
      expect(await store.messagesPage('empty', { limit: 10 })).toEqual({ messages: [], hasMore: false, lastSeq: 0 });
      expect(await store.messagesPage('empty', { before: 5, limit: 10 })).toEqual({ messages: [], hasMore: false, lastSeq: 0 });
      expect(await store.messagesPage('empty', { after: 0, limit: 10 })).toEqual({ messages: [], hasMore: false, lastSeq: 0 });
    });

    test('messagesPage without a cursor: the newest `limit`, oldest first; hasMore says older ones exist', async () => {
      await store.createRoom({ id: 'pg', name: 'pg', createdAt: 1 });
      await store.createRoom({ id: 'other', name: 'o', createdAt: 1 });
      for (let i = 1; i <= 30; i++) {
        await store.appendMessage(newMessage('pg', { text: `pg${i}` }));
        if (i % 10 === 0) await store.appendMessage(newMessage('other'));
      }
      const newest = await store.messagesPage('pg', { limit: 10 });
      expect(seqsOf(newest)).toEqual(range(21, 30));
      expect(newest).toMatchObject({ hasMore: true, lastSeq: 30 });
      expect(newest!.messages[0]).toMatchObject({ roomId: 'pg', text: 'pg21' });
      expect(await store.messagesPage('pg', { limit: 30 })).toMatchObject({ hasMore: false, lastSeq: 30 });
      expect(seqsOf(await store.messagesPage('pg', { limit: 31 }))).toEqual(range(1, 30));
      expect(await store.messagesPage('pg', { limit: 29 })).toMatchObject({ hasMore: true });
      // Another room's messages never show, and it keeps its own counter.
      expect(await store.messagesPage('other', { limit: 10 })).toMatchObject({ hasMore: false, lastSeq: 3 });
      expect(seqsOf(await store.messagesPage('other', { limit: 10 }))).toEqual([1, 2, 3]);
    });

    test('messagesPage before: the newest `limit` below the cursor, oldest first; hasMore says older ones exist', async () => {
      await store.createRoom({ id: 'pb', name: 'pb', createdAt: 1 });
      for (let i = 1; i <= 30; i++) await store.appendMessage(newMessage('pb'));
      expect(await store.messagesPage('pb', { before: 21, limit: 10 })).toMatchObject({ hasMore: true, lastSeq: 30 });
      expect(seqsOf(await store.messagesPage('pb', { before: 21, limit: 10 }))).toEqual(range(11, 20));
      expect(seqsOf(await store.messagesPage('pb', { before: 11, limit: 10 }))).toEqual(range(1, 10));
      expect(await store.messagesPage('pb', { before: 11, limit: 10 })).toMatchObject({ hasMore: false });
      expect(await store.messagesPage('pb', { before: 5, limit: 10 })).toMatchObject({ hasMore: false });
      expect(seqsOf(await store.messagesPage('pb', { before: 5, limit: 10 }))).toEqual([1, 2, 3, 4]);
      expect(await store.messagesPage('pb', { before: 1, limit: 10 })).toEqual({ messages: [], hasMore: false, lastSeq: 30 });
      expect(seqsOf(await store.messagesPage('pb', { before: 1000, limit: 3 }))).toEqual([28, 29, 30]);
      expect(seqsOf(await store.messagesPage('pb', { before: 2, limit: 1 }))).toEqual([1]);
      expect(await store.messagesPage('pb', { before: 2, limit: 1 })).toMatchObject({ hasMore: false });
    });

    test('messagesPage after: the oldest `limit` above the cursor; hasMore says newer ones exist', async () => {
      await store.createRoom({ id: 'pa', name: 'pa', createdAt: 1 });
      for (let i = 1; i <= 30; i++) await store.appendMessage(newMessage('pa'));
      expect(seqsOf(await store.messagesPage('pa', { after: 0, limit: 10 }))).toEqual(range(1, 10));
      expect(await store.messagesPage('pa', { after: 0, limit: 10 })).toMatchObject({ hasMore: true, lastSeq: 30 });
      expect(seqsOf(await store.messagesPage('pa', { after: 25, limit: 3 }))).toEqual([26, 27, 28]);
      expect(await store.messagesPage('pa', { after: 25, limit: 3 })).toMatchObject({ hasMore: true });
      expect(seqsOf(await store.messagesPage('pa', { after: 20, limit: 10 }))).toEqual(range(21, 30));
      expect(await store.messagesPage('pa', { after: 20, limit: 10 })).toMatchObject({ hasMore: false });
      expect(await store.messagesPage('pa', { after: 30, limit: 10 })).toEqual({ messages: [], hasMore: false, lastSeq: 30 });
      // Beyond the counter (a client from a replaced database): empty, and lastSeq shows it.
      expect(await store.messagesPage('pa', { after: 99, limit: 10 })).toEqual({ messages: [], hasMore: false, lastSeq: 30 });
    });

    test('messagesPage: records of the one shape, equal to what the other reads return; lastSeq follows appends', async () => {
      await store.createRoom({ id: 'ps', name: 'ps', createdAt: 1 });
      for (let i = 1; i <= 5; i++) await store.appendMessage(newMessage('ps', { text: `ps${i}` }));
      const messageKeys = Object.keys(storedMessage(newMessage('ps'), 1));
      const page = await store.messagesPage('ps', { limit: 5 });
      for (const m of page!.messages) expect(Object.keys(m)).toEqual(messageKeys);
      expect(page!.messages).toEqual(await store.recentMessages('ps', 5));
      expect((await store.messagesPage('ps', { after: 0, limit: 5 }))!.messages).toEqual(await store.messagesAfter('ps', 0, 5));
      await store.appendMessage(newMessage('ps'));
      expect(await store.messagesPage('ps', { limit: 1 })).toMatchObject({ hasMore: true, lastSeq: 6 });
    });

    test('close is idempotent', async () => {
      await store.close();
      await expect(store.close()).resolves.toBeUndefined();
      store = await h.open();
    });

    // The extensions (issue #11), each a part of its own file.
    const reopen = async () => {
      await store.close();
      store = await h.open();
      return store;
    };
    describeAcksContract(() => store, reopen);
    describeDeleteContract(() => store, reopen);
    describeReactionsContract(() => store, reopen);
    describeModerationContract(() => store, reopen);
  });
}
