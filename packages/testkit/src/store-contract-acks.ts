import type { ChatStore } from '@rgchat/chat-core';
import { newMessage } from './store-contract';

/**
 * The idempotency key of `acks` (issue #11): at most one message per (room,
 * authorKey, clientMsgId), answered from the store. Part of the store
 * contract (see `describeStoreContract`).
 */
export function describeAcksContract(current: () => ChatStore, reopen: () => Promise<ChatStore>): void {
  describe('acks: the idempotency key', () => {
    const keyed = (roomId: string, clientMsgId: string, authorKey = 'usr_alice', text = `t-${clientMsgId}`) =>
      newMessage(roomId, { authorKey, clientMsgId, text });

    test('a second append with the same key returns the original, flagged duplicate, and stores nothing', async () => {
      const store = current();
      await store.createRoom({ id: 'k', name: 'k', createdAt: 1 });
      const first = await store.appendMessage(keyed('k', 'c-1'));
      expect(first.duplicate).toBeUndefined();
      const again = await store.appendMessage(keyed('k', 'c-1', 'usr_alice', 'a different text'));
      expect(again.duplicate).toBe(true);
      expect(again.message).toEqual(first.message);
      expect(again.room).toMatchObject({ id: 'k', messageCount: 1 });
      expect(await store.recentMessages('k', 10)).toEqual([first.message]);
      expect(await store.getRoom('k')).toMatchObject({ messageCount: 1 });
      // The counter did not move either: the next message takes seq 2.
      expect((await store.appendMessage(newMessage('k'))).message.seq).toBe(2);
    });

    test('the key is per room and per author; messages without a clientMsgId never collide', async () => {
      const store = current();
      await store.createRoom({ id: 'a', name: 'a', createdAt: 1 });
      await store.createRoom({ id: 'b', name: 'b', createdAt: 1 });
      const results = [
        await store.appendMessage(keyed('a', 'same', 'usr_1')),
        await store.appendMessage(keyed('a', 'same', 'usr_2')),
        await store.appendMessage(keyed('b', 'same', 'usr_1')),
        await store.appendMessage(newMessage('a', { authorKey: 'usr_1' })),
        await store.appendMessage(newMessage('a', { authorKey: 'usr_1' })),
      ];
      expect(results.map((r) => r.duplicate)).toEqual([undefined, undefined, undefined, undefined, undefined]);
      expect(await store.getRoom('a')).toMatchObject({ messageCount: 4 });
      expect(await store.getRoom('b')).toMatchObject({ messageCount: 1 });
    });

    test('concurrent appends with one key store one message; the batch-mates are stored as usual', async () => {
      const store = current();
      await store.createRoom({ id: 'c', name: 'c', createdAt: 1 });
      // One event-loop turn: the same group commit in SQLite, the same room group in Postgres.
      const results = await Promise.all([
        store.appendMessage(keyed('c', 'twin', 'usr_1', 'first')),
        store.appendMessage(newMessage('c', { text: 'plain' })),
        store.appendMessage(keyed('c', 'twin', 'usr_1', 'second')),
        store.appendMessage(keyed('c', 'other', 'usr_1')),
      ]);
      const [a, plain, b, other] = results;
      expect([a!.duplicate, plain!.duplicate, b!.duplicate, other!.duplicate]).toEqual([undefined, undefined, true, undefined]);
      expect(b!.message).toEqual(a!.message);
      const stored = await store.recentMessages('c', 10);
      expect(stored.map((m) => m.text)).toEqual(['first', 'plain', 't-other']);
      expect(stored.map((m) => m.seq)).toEqual([1, 2, 3]);
      expect(await store.getRoom('c')).toMatchObject({ messageCount: 3 });
    });

    test('many concurrent resends of one key over several turns: exactly one stored', async () => {
      const store = current();
      await store.createRoom({ id: 'm', name: 'm', createdAt: 1 });
      const sends = [];
      for (let i = 0; i < 20; i++) {
        sends.push(store.appendMessage(keyed('m', 'storm', 'usr_1', `storm ${i}`)));
        if (i % 5 === 4) await new Promise((r) => setImmediate(r));
      }
      const results = await Promise.all(sends);
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      const ids = new Set(results.map((r) => r.message.id));
      expect(ids.size).toBe(1);
      expect(await store.recentMessages('m', 50)).toHaveLength(1);
    });

    test('the key holds across a reopen', async () => {
      let store = current();
      await store.createRoom({ id: 'r', name: 'r', createdAt: 1 });
      const first = await store.appendMessage(keyed('r', 'persist'));
      store = await reopen();
      const again = await store.appendMessage(keyed('r', 'persist'));
      expect(again).toMatchObject({ duplicate: true, message: first.message });
      expect(await store.getRoom('r')).toMatchObject({ messageCount: 1 });
    });
  });
}
