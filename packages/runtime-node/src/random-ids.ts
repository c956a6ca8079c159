import { randomBytes, randomInt } from 'node:crypto';
import type { Ids } from '@rgchat/chat-core';

/**
 * Ids unique across instances without coordination: a millisecond time prefix
 * (so ids sort roughly by creation, handy in logs and indexes) and 64 random
 * bits. Random bytes are drawn in blocks to keep the per-message cost low.
 * `now` is the millisecond source (tests pass their own).
 */
export function createRandomIds(now: () => number = Date.now): Ids {
  let pool = Buffer.alloc(0);
  let offset = 0;
  const random64 = (): string => {
    if (offset + 8 > pool.length) {
      pool = randomBytes(8 * 512);
      offset = 0;
    }
    const s = pool.toString('hex', offset, offset + 8);
    offset += 8;
    return s;
  };
  // Many ids share a millisecond under load; format its base-36 stamp once.
  let stampMs = -1;
  let stamp = '';
  const id = (prefix: string) => {
    const ms = now();
    if (ms !== stampMs) {
      stampMs = ms;
      stamp = ms.toString(36);
    }
    return `${prefix}_${stamp}${random64()}`;
  };
  return {
    connectionId: () => id('conn'),
    messageId: () => id('msg'),
    randomInt: (maxExclusive) => randomInt(maxExclusive),
  };
}
