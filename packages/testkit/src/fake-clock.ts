import type { Cancel, Clock } from '@rgchat/chat-core';

/** A clock that moves only when told to, running due timers in time order. */
export interface FakeClock extends Clock {
  /** Moves time forward, firing every timer that falls due on the way. */
  advance(ms: number): void;
  readonly pendingTimers: number;
}

export function createFakeClock(startMs = 1_730_000_000_000): FakeClock {
  let now = startMs;
  let nextId = 0;
  const timers = new Map<number, { at: number; fn: () => void; everyMs?: number }>();

  const add = (at: number, fn: () => void, everyMs?: number): Cancel => {
    const id = nextId++;
    timers.set(id, everyMs === undefined ? { at, fn } : { at, fn, everyMs });
    return () => void timers.delete(id);
  };

  return {
    now: () => now,
    schedule: (delayMs, fn) => add(now + delayMs, fn),
    every: (intervalMs, fn) => add(now + intervalMs, fn, intervalMs),
    advance(ms) {
      const target = now + ms;
      for (;;) {
        let dueId: number | undefined;
        let due: { at: number; fn: () => void; everyMs?: number } | undefined;
        for (const [id, t] of timers) if (t.at <= target && (!due || t.at < due.at)) [dueId, due] = [id, t];
        if (!due || dueId === undefined) break;
        now = due.at;
        if (due.everyMs === undefined) timers.delete(dueId);
        else due.at += due.everyMs;
        due.fn();
      }
      now = target;
    },
    get pendingTimers() {
      return timers.size;
    },
  };
}
