import type { Clock } from '@rgchat/chat-core';
import { describeBusContract } from './bus-contract';
import { createLinkedBuses, type LinkedBuses } from './linked-buses';

/** Real timers: the contract waits in real time. */
const realClock: Clock = {
  now: () => Date.now(),
  schedule(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
  every(ms, fn) {
    const t = setInterval(fn, ms);
    return () => clearInterval(t);
  },
};

// The helper core's cross-instance tests stand on passes the same contract as the Postgres bus.
describeBusContract(
  'linked (testkit)',
  async () => {
    const link: LinkedBuses = createLinkedBuses({ clock: realClock, delayMs: 1, maxEventBytes: 7900 });
    return { open: async (id: string) => link.open(id), destroy: async () => {} };
  },
  { crossInstance: true, deliveryTimeoutMs: 2000 },
);
