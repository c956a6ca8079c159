import type { Bus, BusEvent, Log } from '@rgchat/chat-core';

export interface LogEntry {
  readonly level: string;
  readonly msg: string;
  readonly fields: Record<string, unknown> | undefined;
}

/** A `Log` that keeps every entry, for tests that assert what an adapter logged. */
export function createRecordingLog(): { log: Log; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const log: Log = (level, msg, fields) => void entries.push({ level, msg, fields });
  return { log, entries };
}

/** Every event `bus` delivers to a subscriber from now on, in order. */
export function recordBusEvents(bus: Pick<Bus, 'subscribe'>): BusEvent[] {
  const got: BusEvent[] = [];
  bus.subscribe((e) => void got.push(e));
  return got;
}
