import type { Clock } from '@rgchat/chat-core';

/** Core's Clock on Node timers. Timers are unref'd: they never keep a stopping process alive. */
export function createSystemClock(): Clock {
  return {
    now: () => Date.now(),
    schedule(delayMs, fn) {
      const t = setTimeout(fn, delayMs);
      t.unref();
      return () => clearTimeout(t);
    },
    every(intervalMs, fn) {
      const t = setInterval(fn, intervalMs);
      t.unref();
      return () => clearInterval(t);
    },
  };
}
