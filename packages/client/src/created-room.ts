import type { Room } from './types.js';

/** A display name as the server compares rooms: NFKC, whitespace collapsed, trimmed, case-insensitive. */
const comparable = (name: string): string => name.normalize('NFKC').replace(/\s+/gu, ' ').trim().toLowerCase();

/**
 * Picks the room a `create_room` answered from the room frames seen while it
 * was in flight. The answer (`room_list`, or `room_update` with feature
 * `rooms`) carries no request id and a push may arrive in the same window,
 * so the room is matched by name (the server keeps an existing room's
 * display name, equal up to case), falling back to the one frame that
 * listed exactly one room.
 */
export function pickCreatedRoom(name: string, frames: ReadonlyArray<readonly Room[]>): Room | undefined {
  const wanted = comparable(name);
  for (let i = frames.length - 1; i >= 0; i--) {
    const hit = frames[i]!.find((r) => comparable(r.name) === wanted);
    if (hit) return hit;
  }
  const singles = frames.filter((f) => f.length === 1);
  return singles.length === 1 ? singles[0]![0] : undefined;
}
