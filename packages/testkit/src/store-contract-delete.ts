import type { ChatStore } from '@rgchat/chat-core';
import { newMessage } from './store-contract';

/**
 * `deleteMessage` (issue #11, delete): author only, gone from every read,
 * the count drops, the seq counter does not. Part of the store contract
 * (see `describeStoreContract`).
 */
export function describeDeleteContract(current: () => ChatStore, reopen: () => Promise<ChatStore>): void {
  describe('delete', () => {
    const by = (roomId: string, authorKey: string | undefined, text: string) => newMessage(roomId, { text, ...(authorKey === undefined ? {} : { authorKey }) });

    async function roomWith(store: ChatStore, id: string, texts: readonly string[], authorKey = 'usr_alice') {
      await store.createRoom({ id, name: id, createdAt: 1 });
      const appended = [];
      for (const t of texts) appended.push(await store.appendMessage(by(id, authorKey, t)));
      return appended.map((a) => a.message);
    }

    test('the author deletes: reads skip it, the count drops by one, the seq counter stays', async () => {
      const store = current();
      const [m1, m2, m3] = await roomWith(store, 'd', ['one', 'two', 'three']);
      const outcome = await store.deleteMessage('d', m2!.id, 'usr_alice');
      expect(outcome).toEqual({ kind: 'deleted', seq: 2, lastSeq: 3, room: { id: 'd', name: 'd', createdAt: 1, messageCount: 2, lastMessageTs: m3!.ts } });
      expect(await store.recentMessages('d', 10)).toEqual([m1, m3]);
      expect(await store.messagesAfter('d', 0, 10)).toEqual([m1, m3]);
      expect(await store.messagesAfter('d', 1, 1)).toEqual([m3]);
      expect(await store.getRoom('d')).toMatchObject({ messageCount: 2 });
      // The newest goes too: its seq is still never assigned again.
      expect(await store.deleteMessage('d', m3!.id, 'usr_alice')).toMatchObject({ kind: 'deleted', seq: 3, lastSeq: 3 });
      expect(await store.recentMessages('d', 1)).toEqual([m1]);
      const next = await store.appendMessage(by('d', 'usr_bob', 'four'));
      expect(next.message.seq).toBe(4);
      expect(next.room.messageCount).toBe(2);
    });

    test('someone else, or a message stored without an author key, is forbidden and changes nothing', async () => {
      const store = current();
      const [mine] = await roomWith(store, 'f', ['mine']);
      const legacy = (await store.appendMessage(by('f', undefined, 'legacy'))).message;
      expect(await store.deleteMessage('f', mine!.id, 'usr_mallory')).toEqual({ kind: 'forbidden' });
      expect(await store.deleteMessage('f', legacy.id, 'usr_alice')).toEqual({ kind: 'forbidden' });
      expect(await store.deleteMessage('f', legacy.id, '')).toEqual({ kind: 'forbidden' });
      expect(await store.recentMessages('f', 10)).toEqual([mine, legacy]);
      expect(await store.getRoom('f')).toMatchObject({ messageCount: 2 });
    });

    test('an unknown id, an id of another room, or one already deleted is not found', async () => {
      const store = current();
      const [here] = await roomWith(store, 'a', ['here']);
      await store.createRoom({ id: 'b', name: 'b', createdAt: 1 });
      expect(await store.deleteMessage('a', 'no-such-id', 'usr_alice')).toEqual({ kind: 'not_found' });
      expect(await store.deleteMessage('b', here!.id, 'usr_alice')).toEqual({ kind: 'not_found' });
      expect(await store.deleteMessage('ghost', here!.id, 'usr_alice')).toEqual({ kind: 'not_found' });
      expect((await store.deleteMessage('a', here!.id, 'usr_alice')).kind).toBe('deleted');
      expect(await store.deleteMessage('a', here!.id, 'usr_alice')).toEqual({ kind: 'not_found' });
      expect(await store.getRoom('a')).toMatchObject({ messageCount: 0 });
    });

    test('concurrent deletes of one message: exactly one deletes, the count drops once', async () => {
      const store = current();
      const [m] = await roomWith(store, 'c', ['x', 'y']);
      const outcomes = await Promise.all(Array.from({ length: 8 }, () => store.deleteMessage('c', m!.id, 'usr_alice')));
      expect(outcomes.filter((o) => o.kind === 'deleted')).toHaveLength(1);
      expect(outcomes.filter((o) => o.kind === 'not_found')).toHaveLength(7);
      expect(await store.getRoom('c')).toMatchObject({ messageCount: 1 });
    });

    test('deletes and appends interleaved keep count = visible messages and seqs unique', async () => {
      const store = current();
      const first = await roomWith(store, 'i', ['a', 'b', 'c', 'd']);
      const work = await Promise.all([
        store.deleteMessage('i', first[0]!.id, 'usr_alice'),
        store.appendMessage(by('i', 'usr_alice', 'e')),
        store.deleteMessage('i', first[2]!.id, 'usr_alice'),
        store.appendMessage(by('i', 'usr_alice', 'f')),
      ]);
      expect(work.map((w) => ('kind' in w ? w.kind : w.message.seq))).toEqual(['deleted', 5, 'deleted', 6]);
      const visible = await store.recentMessages('i', 10);
      expect(visible.map((m) => m.text)).toEqual(['b', 'd', 'e', 'f']);
      expect(await store.getRoom('i')).toMatchObject({ messageCount: 4 });
    });

    test('a deleted message keeps its idempotency key; a room whose messages were all deleted is not swept as empty', async () => {
      const store = current();
      await store.createRoom({ id: 'k', name: 'k', createdAt: 1 });
      const original = await store.appendMessage(newMessage('k', { authorKey: 'usr_alice', clientMsgId: 'once' }));
      expect((await store.deleteMessage('k', original.message.id, 'usr_alice')).kind).toBe('deleted');
      const resend = await store.appendMessage(newMessage('k', { authorKey: 'usr_alice', clientMsgId: 'once' }));
      expect(resend).toMatchObject({ duplicate: true, message: { id: original.message.id, seq: 1 } });
      expect(await store.getRoom('k')).toMatchObject({ messageCount: 0 });
      expect(await store.removeEmptyRooms(Number.MAX_SAFE_INTEGER, [])).toEqual([]);
      expect(await store.getRoom('k')).toBeDefined();
    });

    // Issue #11: history pages (get_history, HTTP, recovery) over rooms with deleted messages.
    test('messagesPage skips deleted messages: each page holds `limit` visible ones, hasMore counts only visible ones, lastSeq stays', async () => {
      const store = current();
      const all = await roomWith(store, 'h', Array.from({ length: 12 }, (_, i) => `h${i + 1}`));
      // Deleted: the oldest, two in the middle, the two newest. Visible: 4..10 except 7.
      for (const seq of [1, 2, 3, 7, 11, 12]) expect((await store.deleteMessage('h', all[seq - 1]!.id, 'usr_alice')).kind).toBe('deleted');
      const seqs = (page: { messages: readonly { seq: number }[] } | undefined) => page?.messages.map((m) => m.seq);
      const page = (q: { before?: number; after?: number; limit: number }) => store.messagesPage('h', q);

      // No cursor: deleted rows beyond the page (newer or older) neither fill it nor make hasMore true.
      expect(await page({ limit: 6 })).toMatchObject({ hasMore: false, lastSeq: 12 });
      expect(seqs(await page({ limit: 6 }))).toEqual([4, 5, 6, 8, 9, 10]);
      expect(seqs(await page({ limit: 5 }))).toEqual([5, 6, 8, 9, 10]);
      expect(await page({ limit: 5 })).toMatchObject({ hasMore: true });
      expect(seqs(await page({ limit: 1 }))).toEqual([10]);
      // before: a deleted cursor works as any seq.
      expect(seqs(await page({ before: 7, limit: 2 }))).toEqual([5, 6]);
      expect(await page({ before: 7, limit: 2 })).toMatchObject({ hasMore: true });
      expect(seqs(await page({ before: 7, limit: 3 }))).toEqual([4, 5, 6]);
      expect(await page({ before: 7, limit: 3 })).toMatchObject({ hasMore: false });
      expect(await page({ before: 4, limit: 10 })).toEqual({ messages: [], hasMore: false, lastSeq: 12 });
      // after: the deleted tail is not "more".
      expect(seqs(await page({ after: 0, limit: 3 }))).toEqual([4, 5, 6]);
      expect(await page({ after: 0, limit: 3 })).toMatchObject({ hasMore: true });
      expect(seqs(await page({ after: 6, limit: 3 }))).toEqual([8, 9, 10]);
      expect(await page({ after: 6, limit: 3 })).toMatchObject({ hasMore: false });
      expect(seqs(await page({ after: 5, limit: 2 }))).toEqual([6, 8]);
      expect(await page({ after: 5, limit: 2 })).toMatchObject({ hasMore: true });
      // Past every visible message, yet within the counter: nothing missed (recovery tells it from a replaced database by lastSeq).
      expect(await page({ after: 10, limit: 5 })).toEqual({ messages: [], hasMore: false, lastSeq: 12 });
      expect(await page({ after: 12, limit: 5 })).toEqual({ messages: [], hasMore: false, lastSeq: 12 });
      // The visible ones are the very records the other reads return.
      expect((await page({ limit: 6 }))!.messages).toEqual(await store.recentMessages('h', 6));
      // A room whose every message was deleted: an empty page at its counter.
      const [only] = await roomWith(store, 'h0', ['gone']);
      await store.deleteMessage('h0', only!.id, 'usr_alice');
      expect(await store.messagesPage('h0', { limit: 10 })).toEqual({ messages: [], hasMore: false, lastSeq: 1 });
      expect(await store.messagesPage('h0', { after: 0, limit: 10 })).toEqual({ messages: [], hasMore: false, lastSeq: 1 });
    });

    test('a deletion survives a reopen, and the seq is still not reused', async () => {
      let store = current();
      const [, m2] = await roomWith(store, 'r', ['one', 'two']);
      await store.deleteMessage('r', m2!.id, 'usr_alice');
      store = await reopen();
      expect((await store.recentMessages('r', 10)).map((m) => m.text)).toEqual(['one']);
      expect(await store.getRoom('r')).toMatchObject({ messageCount: 1 });
      expect((await store.appendMessage(newMessage('r'))).message.seq).toBe(3);
    });
  });
}
