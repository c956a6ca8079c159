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
