import type { Member, MemberChange } from '../ports/presence';

/**
 * The members of every room and which instance each belongs to: the data
 * both presence implementations share. Pure bookkeeping; every mutation
 * returns the change it made (undefined when it changed nothing), so the
 * caller decides whom to tell.
 */
export interface PresenceRoster {
  /**
   * Puts `member` into `roomId` as `owner`'s: a join, a profile change, or
   * nothing when identical. A member the same owner held in another room
   * leaves that one first (its leave was lost or is late), so there may be two changes.
   */
  put(roomId: string, member: Member, owner: string): MemberChange[];
  /** Removes `clientId` from `roomId`, only when `owner` holds it (an instance never removes another's member). */
  remove(roomId: string, clientId: string, owner: string): MemberChange | undefined;
  /** Removes every member `owner` holds (its instance is gone); the changes, in no particular order. */
  removeOwner(owner: string): MemberChange[];
  /** Members `owner` holds, as `[roomId, member]`. */
  ownedBy(owner: string): Array<[string, Member]>;
  /** How many members `owner` holds. */
  countOf(owner: string): number;
  /** Every instance holding at least one member. */
  owners(): string[];
  members(roomId: string): Member[];
  count(roomId: string): number;
}

interface Entry {
  member: Member;
  readonly owner: string;
}

export function createPresenceRoster(): PresenceRoster {
  const rooms = new Map<string, Map<string, Entry>>();
  /** Per owner: clientId → roomId (a connection is in one room at a time, rg-chat-v1). */
  const byOwner = new Map<string, Map<string, string>>();

  function detach(roomId: string, clientId: string, owner: string): void {
    const own = byOwner.get(owner);
    if (own?.get(clientId) === roomId) {
      own.delete(clientId);
      if (own.size === 0) byOwner.delete(owner);
    }
  }

  const roster: PresenceRoster = {
    put(roomId, member, owner) {
      const changes: MemberChange[] = [];
      const previousRoom = byOwner.get(owner)?.get(member.clientId);
      if (previousRoom !== undefined && previousRoom !== roomId) {
        const moved = roster.remove(previousRoom, member.clientId, owner);
        if (moved) changes.push(moved);
      }
      let room = rooms.get(roomId);
      if (!room) rooms.set(roomId, (room = new Map()));
      const old = room.get(member.clientId);
      if (old && old.owner === owner) {
        const before = old.member;
        if (before.userId === member.userId && before.name === member.name && before.avatarId === member.avatarId) return changes;
        old.member = member;
        changes.push({ roomId, clientId: member.clientId, before, after: member });
        return changes;
      }
      // Another owner's entry for the same clientId can only be stale (ids are unique across instances).
      if (old) detach(roomId, member.clientId, old.owner);
      room.set(member.clientId, { member, owner });
      let own = byOwner.get(owner);
      if (!own) byOwner.set(owner, (own = new Map()));
      own.set(member.clientId, roomId);
      changes.push({ roomId, clientId: member.clientId, before: old?.member, after: member });
      return changes;
    },

    remove(roomId, clientId, owner) {
      const room = rooms.get(roomId);
      const entry = room?.get(clientId);
      if (!room || !entry || entry.owner !== owner) return undefined;
      room.delete(clientId);
      if (room.size === 0) rooms.delete(roomId);
      detach(roomId, clientId, owner);
      return { roomId, clientId, before: entry.member, after: undefined };
    },

    removeOwner(owner) {
      const changes: MemberChange[] = [];
      for (const [clientId, roomId] of [...(byOwner.get(owner) ?? [])]) {
        const change = roster.remove(roomId, clientId, owner);
        if (change) changes.push(change);
      }
      byOwner.delete(owner);
      return changes;
    },

    ownedBy(owner) {
      const out: Array<[string, Member]> = [];
      for (const [clientId, roomId] of byOwner.get(owner) ?? []) {
        const entry = rooms.get(roomId)?.get(clientId);
        if (entry) out.push([roomId, entry.member]);
      }
      return out;
    },

    countOf: (owner) => byOwner.get(owner)?.size ?? 0,
    owners: () => [...byOwner.keys()],
    members: (roomId) => [...(rooms.get(roomId)?.values() ?? [])].map((e) => e.member),
    count: (roomId) => rooms.get(roomId)?.size ?? 0,
  };
  return roster;
}
