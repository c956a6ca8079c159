import type { BusEvent } from './ports/bus';
import type { Log } from './ports/log';
import type { ChatStore } from './ports/store';
import type { RoomDirectory } from './room-directory';
import type { RoomEvents } from './room-events';
import { messageDeletedFrame } from './requests/delete-message';
import { reactionFrame } from './requests/react';
import type { RoomFeed } from './room-feed';
import type { StoreGuard } from './store-guard';

export interface BusRouterDeps {
  readonly store: ChatStore;
  readonly guard: StoreGuard;
  readonly directory: RoomDirectory;
  readonly feed: RoomFeed;
  /** Extension events (deletions, reactions) to the members that negotiated them. */
  readonly events: RoomEvents;
  readonly log: Log;
}

/**
 * What this instance does with each bus event (its own included): a stored
 * message goes to the room's feed, a room to the directory (a removed one
 * out of it), and a `resync`
 * reloads both from the store, the source of truth.
 */
export function createBusRouter({ store, guard, directory, feed, events, log }: BusRouterDeps): (event: BusEvent) => void {
  return (event: BusEvent) => {
    switch (event.kind) {
      case 'message':
        // A message's seq is its room's seq counter right after it.
        directory.upsert(event.room, event.message.seq);
        feed.deliver(event.message);
        return;
      case 'message_deleted':
        directory.upsert(event.room, event.lastSeq);
        feed.deleted(event.roomId, event.seq);
        events.publish(event.roomId, 'delete', messageDeletedFrame(event.roomId, event.messageId, event.seq));
        return;
      case 'reaction':
        events.publish(event.roomId, 'reactions', reactionFrame(event));
        return;
      case 'room':
        directory.upsert(event.room);
        return;
      case 'room_removed':
        directory.remove(event.roomId);
        return;
      case 'resync':
        guard('listRooms', () => store.listRooms()).then(
          (rooms) => directory.replaceAll(rooms),
          () => log('warn', 'room list resync failed'),
        );
        feed.resync();
        return;
    }
  };
}
