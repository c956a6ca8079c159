import type { Room } from './types.js';

/**
 * The room list as this client knows it, from `welcome`, `room_list` pushes
 * (plain v1) or `room_update` changes (feature `rooms`), most recently active
 * first.
 */
export class RoomList {
  private byId = new Map<string, Room>();
  private sorted: readonly Room[] = [];

  get rooms(): readonly Room[] {
    return this.sorted;
  }

  /** Replaces the whole list (`welcome`, a pushed `room_list`). */
  replace(rooms: readonly Room[]): void {
    this.byId = new Map(rooms.map((r) => [r.id, r]));
    this.sort();
  }

  /** Applies a `room_update`: upserts and removals. */
  update(rooms: readonly Room[], removed: readonly string[]): void {
    for (const r of rooms) this.byId.set(r.id, r);
    for (const id of removed) this.byId.delete(id);
    this.sort();
  }

  get(id: string): Room | undefined {
    return this.byId.get(id);
  }

  private sort(): void {
    const activity = (r: Room) => r.lastMessageTs ?? r.createdAt;
    this.sorted = [...this.byId.values()].sort((a, b) => activity(b) - activity(a) || a.id.localeCompare(b.id));
  }
}
