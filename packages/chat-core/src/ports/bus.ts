import type { MessageRecord, RoomRecord } from './store';

export type BusEvent =
  /** A message was stored; `room` is the room's metadata right after it. */
  | { readonly kind: 'message'; readonly message: MessageRecord; readonly room: RoomRecord }
  /**
   * A message was deleted (extensions: delete). `room` is the room right
   * after, `lastSeq` its seq counter (which orders this against the room
   * of `message` events, see room-directory.ts).
   */
  | {
      readonly kind: 'message_deleted';
      readonly roomId: string;
      readonly messageId: string;
      readonly seq: number;
      readonly room: RoomRecord;
      readonly lastSeq: number;
    }
  /** A reaction changed and is stored (extensions: reactions); `count` is the emoji's new total. */
  | {
      readonly kind: 'reaction';
      readonly roomId: string;
      readonly messageId: string;
      readonly emoji: string;
      readonly count: number;
      /** The connection that reacted. */
      readonly clientId: string;
      readonly on: boolean;
    }
  /** A room was created. */
  | { readonly kind: 'room'; readonly room: RoomRecord }
  /** An empty room was removed from the store (see `RoomStore.removeEmptyRooms`). */
  | { readonly kind: 'room_removed'; readonly roomId: string }
  /**
   * The bus may have missed events (e.g. its connection was re-established):
   * subscribers re-read what they hold from the store. The store, not the
   * bus, is the source of truth.
   */
  | { readonly kind: 'resync' };

/**
 * Cross-instance fan-out of stored facts. `publish` delivers to this
 * instance's subscribers synchronously and to other instances eventually;
 * an instance never receives its own events twice.
 */
export interface Bus {
  publish(event: BusEvent): void;
  subscribe(handler: (event: BusEvent) => void): () => void;
}
