import type { MemberChange, Presence } from '../ports/presence';
import { createPresenceRoster, type PresenceRoster } from './presence-roster';

/** The owner of every member in a one-instance presence. */
const LOCAL = 'local';

/** Hands each change to every subscriber, in order. */
export function createChangeHub(): { emit(changes: readonly MemberChange[]): void; subscribe(h: (c: MemberChange) => void): () => void } {
  const handlers = new Set<(change: MemberChange) => void>();
  return {
    emit(changes) {
      for (const change of changes) for (const h of [...handlers]) h(change);
    },
    subscribe(h) {
      handlers.add(h);
      return () => void handlers.delete(h);
    },
  };
}

/** Presence for one instance: every member is this instance's; nothing runs in the background. */
export function createMemoryPresence(roster: PresenceRoster = createPresenceRoster()): Presence {
  const hub = createChangeHub();
  return {
    join(roomId, member) {
      hub.emit(roster.put(roomId, member, LOCAL));
    },
    leave(roomId, clientId) {
      const change = roster.remove(roomId, clientId, LOCAL);
      if (change) hub.emit([change]);
    },
    members: (roomId) => roster.members(roomId),
    count: (roomId) => roster.count(roomId),
    subscribe: (handler) => hub.subscribe(handler),
    start() {},
    close() {},
  };
}
