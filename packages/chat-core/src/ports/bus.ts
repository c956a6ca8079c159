import type { Member } from './presence';
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
  | { readonly kind: 'resync' }
  /** A moderator added or lifted a ban (stored): every instance re-reads the bans and closes banned sockets. */
  | { readonly kind: 'bans_changed' }
  /** A moderator closes the connection `clientId`, on whichever instance holds it. */
  | { readonly kind: 'kick'; readonly clientId: string }
  | EphemeralEvent;

/** A member put into (`member` set) or taken out of (`member` null) a room, by the instance that holds it. */
export interface PresenceDelta {
  readonly roomId: string;
  readonly clientId: string;
  readonly member: Member | null;
}

/**
 * Facts that are never stored (extensions.md, presence and typing): each
 * instance's own members and its typists. A lost one is repaired by the
 * liveness and sync events below, never read back from the store. Every
 * presence event names the instance it is about (`instanceId`), so an
 * instance ignores its own.
 */
export type EphemeralEvent =
  /** The sender's members changed. */
  | { readonly kind: 'presence'; readonly instanceId: string; readonly deltas: readonly PresenceDelta[] }
  /** The sender is alive and holds `members` members in all. */
  | { readonly kind: 'presence_beat'; readonly instanceId: string; readonly members: number }
  /** The sender asks `target` (null: every instance) for its complete members (`presence_state`). */
  | { readonly kind: 'presence_sync'; readonly instanceId: string; readonly target: string | null }
  /**
   * One part of the sender's complete members: parts of one `epoch` arrive
   * in order, and the `last` one ends it (members it did not list are gone).
   */
  | {
      readonly kind: 'presence_state';
      readonly instanceId: string;
      readonly epoch: number;
      readonly members: ReadonlyArray<{ readonly roomId: string; readonly member: Member }>;
      readonly last: boolean;
    }
  /** The sender stops: its members are gone. */
  | { readonly kind: 'presence_bye'; readonly instanceId: string }
  /** A connection started or stopped typing in a room. */
  | { readonly kind: 'typing'; readonly roomId: string; readonly clientId: string; readonly name: string; readonly active: boolean };

/**
 * Cross-instance fan-out of stored facts and ephemeral events. `publish`
 * delivers to this instance's subscribers synchronously and to other
 * instances eventually; an instance never receives its own events twice.
 */
export interface Bus {
  /**
   * Largest event, in UTF-8 bytes of `encodeBusEvent`, this bus carries to
   * other instances (Postgres NOTIFY: under 8000). Producers of ephemeral
   * events split theirs below it; undefined: no limit of its own.
   */
  readonly maxEventBytes?: number;
  publish(event: BusEvent): void;
  subscribe(handler: (event: BusEvent) => void): () => void;
}
