/**
 * Which room changed at which version of a room list, for `room_update`
 * diffs (extensions: rooms). Only each room's latest change matters to "what
 * changed since v", so the log is compacted to that when it grows; removed
 * rooms' entries are the only ones that outlive their room, and past a bound
 * the oldest go (a client older than that gets the whole list instead).
 */
export interface RoomChangeLog {
  /** `id` changed at `version` (versions only grow); `roomCount` rooms exist now, which bounds the log. */
  record(version: number, id: string, roomCount: number): void;
  /** Every room may have changed at `version` (the source it follows lost track): older holders get the whole list. */
  forgetBefore(version: number): void;
  /** Ids changed after `since`, each once; undefined when `since` is older than the log. */
  since(since: number): string[] | undefined;
}

export function createRoomChangeLog(): RoomChangeLog {
  let entries: Array<{ readonly version: number; readonly id: string }> = [];
  /** Versions below this are no longer fully described. */
  let floor = 0;
  return {
    record(version, id, roomCount) {
      entries.push({ version, id });
      if (entries.length <= 2 * roomCount + 1024) return;
      const latest = new Map<string, number>();
      for (const e of entries) latest.set(e.id, e.version);
      entries = entries.filter((e) => latest.get(e.id) === e.version);
      const cap = 2 * roomCount + 512;
      if (entries.length > cap) {
        floor = entries[entries.length - cap - 1]!.version;
        entries = entries.slice(entries.length - cap);
      }
    },
    forgetBefore(version) {
      entries = [];
      floor = version;
    },
    since(since) {
      if (since < floor) return undefined;
      let lo = 0;
      let hi = entries.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (entries[mid]!.version <= since) lo = mid + 1;
        else hi = mid;
      }
      return [...new Set(entries.slice(lo).map((e) => e.id))];
    },
  };
}
