import type { ChatStore } from '@rgchat/chat-core';
import { createMemoryStore } from './memory-store';
import { describeStoreContract } from './store-contract';

/**
 * The memory store keeps its data in the object, so "reopening" hands out a
 * fresh view over the same store; each view has its own idempotent close.
 */
describeStoreContract('memory', async () => {
  const backing = createMemoryStore();
  return {
    async open(): Promise<ChatStore> {
      let closed = false;
      const live = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
        async (...args: A): Promise<R> => {
          if (closed) throw new Error('store is closed');
          return fn(...args);
        };
      return {
        listRooms: live(() => backing.listRooms()),
        getRoom: live((id) => backing.getRoom(id)),
        createRoom: live((room) => backing.createRoom(room)),
        removeEmptyRooms: live((createdBefore, keep) => backing.removeEmptyRooms(createdBefore, keep)),
        appendMessage: live((m) => backing.appendMessage(m)),
        recentMessages: live((roomId, limit) => backing.recentMessages(roomId, limit)),
        messagesAfter: live((roomId, afterSeq, limit) => backing.messagesAfter(roomId, afterSeq, limit)),
        messagesPage: live((roomId, query) => backing.messagesPage(roomId, query)),
        deleteMessage: live((roomId, messageId, authorKey) => backing.deleteMessage(roomId, messageId, authorKey)),
        react: live((change) => backing.react(change)),
        reactionCounts: live((roomId, messageIds) => backing.reactionCounts(roomId, messageIds)),
        addBan: live((ban) => backing.addBan(ban)),
        liftBan: live((id) => backing.liftBan(id)),
        activeBans: live((now) => backing.activeBans(now)),
        deleteRoom: live((roomId) => backing.deleteRoom(roomId)),
        check: live(() => backing.check()),
        async close() {
          closed = true;
        },
      };
    },
    destroy: () => backing.close(),
  };
});
