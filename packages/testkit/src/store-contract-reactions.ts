import type { ChatStore, ReactionChange } from '@rgchat/chat-core';
import { newMessage } from './store-contract';

/**
 * `react` and `reactionCounts` (issue #11, reactions): one per person,
 * message and emoji; a cap of distinct emoji; persistent. Part of the store
 * contract (see `describeStoreContract`).
 */
export function describeReactionsContract(current: () => ChatStore, reopen: () => Promise<ChatStore>): void {
  describe('reactions', () => {
    let ts = 1000;
    const change = (messageId: string, emoji: string, userKey: string, on = true, over: Partial<ReactionChange> = {}): ReactionChange => ({
      roomId: 'r',
      messageId,
      emoji,
      userKey,
      on,
      ts: ts++,
      maxEmoji: 20,
      ...over,
    });

    async function twoMessages(store: ChatStore): Promise<[string, string]> {
      await store.createRoom({ id: 'r', name: 'r', createdAt: 1 });
      const a = await store.appendMessage(newMessage('r', { authorKey: 'usr_author' }));
      const b = await store.appendMessage(newMessage('r', { authorKey: 'usr_author' }));
      return [a.message.id, b.message.id];
    }

    test('one per person, message and emoji: counts go up and down, repeats change nothing', async () => {
      const store = current();
      const [m] = await twoMessages(store);
      expect(await store.react(change(m, '👍', 'usr_1'))).toEqual({ kind: 'changed', count: 1 });
      expect(await store.react(change(m, '👍', 'usr_1'))).toEqual({ kind: 'unchanged', count: 1 });
      expect(await store.react(change(m, '👍', 'usr_2'))).toEqual({ kind: 'changed', count: 2 });
      expect(await store.react(change(m, '👍🏽', 'usr_1'))).toEqual({ kind: 'changed', count: 1 });
      expect(await store.react(change(m, '👍', 'usr_3', false))).toEqual({ kind: 'unchanged', count: 2 });
      expect(await store.react(change(m, '👍', 'usr_1', false))).toEqual({ kind: 'changed', count: 1 });
      expect(await store.react(change(m, '👍', 'usr_1', false))).toEqual({ kind: 'unchanged', count: 1 });
      expect(await store.react(change(m, '👍🏽', 'usr_1', false))).toEqual({ kind: 'changed', count: 0 });
      const counts = await store.reactionCounts('r', [m]);
      expect([...counts]).toEqual([[m, [['👍', 1]]]]);
    });

    test('reactionCounts: a page in one call, emoji in the order first given, messages without reactions absent', async () => {
      const store = current();
      const [m1, m2] = await twoMessages(store);
      await store.react(change(m1, '🎉', 'usr_1'));
      await store.react(change(m1, '👍', 'usr_1'));
      await store.react(change(m1, '🎉', 'usr_2'));
      await store.react(change(m1, '🇫🇷', 'usr_3'));
      const counts = await store.reactionCounts('r', [m1, m2, 'unknown-id']);
      expect([...counts.keys()]).toEqual([m1]);
      expect(counts.get(m1)).toEqual([
        ['🎉', 2],
        ['👍', 1],
        ['🇫🇷', 1],
      ]);
      expect(await store.reactionCounts('r', [])).toEqual(new Map());
      // Another room's id list finds nothing of this room.
      expect(await store.reactionCounts('elsewhere', [m1])).toEqual(new Map());
    });

    test('at most maxEmoji distinct emoji per message; more people on an existing emoji are fine', async () => {
      const store = current();
      const [m, other] = await twoMessages(store);
      const emoji = ['😀', '😃', '😄', '😁', '😆'];
      for (const [i, e] of emoji.slice(0, 3).entries()) expect((await store.react(change(m, e, `usr_${i}`, true, { maxEmoji: 3 }))).kind).toBe('changed');
      expect(await store.react(change(m, emoji[3]!, 'usr_9', true, { maxEmoji: 3 }))).toEqual({ kind: 'too_many' });
      expect(await store.react(change(m, emoji[0]!, 'usr_9', true, { maxEmoji: 3 }))).toEqual({ kind: 'changed', count: 2 });
      expect(await store.react(change(other, emoji[3]!, 'usr_9', true, { maxEmoji: 3 }))).toEqual({ kind: 'changed', count: 1 });
      // An emoji that drops to zero frees its place.
      await store.react(change(m, emoji[1]!, 'usr_1', false, { maxEmoji: 3 }));
      expect(await store.react(change(m, emoji[3]!, 'usr_9', true, { maxEmoji: 3 }))).toEqual({ kind: 'changed', count: 1 });
      expect((await store.reactionCounts('r', [m])).get(m)).toHaveLength(3);
    });

    test('concurrent reactions: no count lost, the cap holds', async () => {
      const store = current();
      const [m, capped] = await twoMessages(store);
      const same = await Promise.all(Array.from({ length: 12 }, (_, i) => store.react(change(m, '❤️', `usr_${i}`))));
      expect(same.every((o) => o.kind === 'changed')).toBe(true);
      expect((await store.reactionCounts('r', [m])).get(m)).toEqual([['❤️', 12]]);
      const emoji = ['🍎', '🍐', '🍊', '🍋', '🍌', '🍉', '🍇', '🍓'];
      const racing = await Promise.all(emoji.map((e, i) => store.react(change(capped, e, `usr_${i}`, true, { maxEmoji: 5 }))));
      expect(racing.filter((o) => o.kind === 'changed')).toHaveLength(5);
      expect(racing.filter((o) => o.kind === 'too_many')).toHaveLength(3);
      expect((await store.reactionCounts('r', [capped])).get(capped)).toHaveLength(5);
    });

    test('unknown, deleted or other-room messages are not found; a deleted message takes its reactions along', async () => {
      const store = current();
      const [m, gone] = await twoMessages(store);
      await store.createRoom({ id: 'elsewhere', name: 'e', createdAt: 1 });
      expect(await store.react(change('no-such', '👍', 'usr_1'))).toEqual({ kind: 'not_found' });
      expect(await store.react(change(m, '👍', 'usr_1', true, { roomId: 'elsewhere' }))).toEqual({ kind: 'not_found' });
      await store.react(change(gone, '👍', 'usr_1'));
      expect((await store.deleteMessage('r', gone, 'usr_author')).kind).toBe('deleted');
      expect(await store.react(change(gone, '👍', 'usr_2'))).toEqual({ kind: 'not_found' });
      expect(await store.reactionCounts('r', [m, gone])).toEqual(new Map());
    });

    test('reactions persist across a reopen', async () => {
      let store = current();
      const [m] = await twoMessages(store);
      await store.react(change(m, '🔥', 'usr_1'));
      await store.react(change(m, '🔥', 'usr_2'));
      store = await reopen();
      expect((await store.reactionCounts('r', [m])).get(m)).toEqual([['🔥', 2]]);
      expect(await store.react(change(m, '🔥', 'usr_1'))).toEqual({ kind: 'unchanged', count: 2 });
    });
  });
}
