import { createMemoryBus } from '@rgchat/chat-core';
import { describeBusContract } from './bus-contract';

// One process, one bus: only the local half of the contract applies.
describeBusContract(
  'memory',
  async () => ({
    open: async () => createMemoryBus(),
    destroy: async () => {},
  }),
  { crossInstance: false },
);
