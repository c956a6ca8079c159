import type { Limits } from '../limits';
import type { Bus } from '../ports/bus';
import type { Clock } from '../ports/clock';
import type { Fanout } from '../ports/fanout';
import type { Log } from '../ports/log';
import type { RoomDirectory } from '../room-directory';
import { createTypingRelay } from '../typing/typing-relay';
import { createBusPresence } from './bus-presence';
import { createMemoryPresence } from './memory-presence';
import { createOnlineRoomList } from './online-room-list';
import { createPresenceFrames } from './presence-frames';
import { createRoomPresence } from './room-presence';

export interface PresenceStackDeps {
  /** The bus, when other instances may share it (then presence travels over it); undefined: one instance alone. */
  readonly sharedBus: Bus | undefined;
  /** The bus typing relays over (the in-process one when alone). */
  readonly bus: Bus;
  readonly fanout: Fanout;
  readonly clock: Clock;
  readonly log: Log;
  readonly limits: Limits;
  readonly directory: RoomDirectory;
  readonly instanceId: string;
}

/** Who is in which room and who is typing (issue #12), built in the order its parts depend on each other. */
export function createPresenceStack(deps: PresenceStackDeps) {
  const { sharedBus, bus, fanout, clock, log, limits, directory } = deps;
  const presence = sharedBus
    ? createBusPresence({
        bus: sharedBus,
        clock,
        log,
        instanceId: deps.instanceId,
        ttlMs: limits.presenceTtlMs,
        livenessMs: limits.presenceLivenessMs,
        sweepMs: limits.presenceIntervalMs,
      })
    : createMemoryPresence();
  const onlineRooms = createOnlineRoomList(directory, (roomId) => presence.count(roomId), limits.roomListLimit);
  const frames = createPresenceFrames({
    presence,
    fanout,
    clock,
    intervalMs: limits.presenceIntervalMs,
    countsChanged: (roomIds) => onlineRooms.countsChanged(roomIds),
  });
  const typing = createTypingRelay({ bus, fanout, clock });
  const roomPresence = createRoomPresence({ presence, frames, typing, directory, onlineRooms });
  return {
    presence,
    onlineRooms,
    typing,
    roomPresence,
    start(): void {
      typing.start();
      presence.start();
      frames.start();
    },
    /** Goodbye first, before the sessions close: the other instances drop all our members at once, not one leave each. */
    closePresence(): void {
      presence.close();
      frames.close();
    },
  };
}
