import type { Connection } from './ports/connection';
import type { Fanout } from './ports/fanout';

/** The features whose events go to a room's members that negotiated them (extensions contract). */
export const EVENT_FEATURES = ['delete', 'reactions'] as const;
export type EventFeature = (typeof EVENT_FEATURES)[number];

/**
 * Topic of a room's events of one feature. `+` is not in a slug, and
 * `room+:` (Message+) is a different prefix, so no topic collides.
 */
export const roomEventTopic = (roomId: string, feature: EventFeature): string => `room+${feature}:${roomId}`;

/** Most events one join may collect while its history is read; older ones are dropped (the history read is bounded by the store timeout). */
const MAX_WINDOW_FRAMES = 10_000;

/**
 * A join in progress: the events its room publishes while the joiner's
 * history is read, replayed to it once `joined_room` is out.
 */
export interface JoinWindow {
  /**
   * Right after `joined_room`, in the same synchronous step: sends the
   * collected frames of `features`, subscribes the connection to those
   * features' topics and ends the window. The frames are absolute (a
   * deletion, a new count), so one the history already reflects is harmless.
   */
  attach(connection: Connection, features: ReadonlySet<string>): void;
  /** The join failed or was abandoned. Idempotent. */
  close(): void;
}

/**
 * Deletions and reaction changes, to the members of a room that negotiated
 * the feature: serialised once, one publish per event on the feature's
 * topic (uWS: native), never to v1 connections.
 */
export interface RoomEvents {
  /** Starts collecting `roomId`'s events for a join whose history read is about to start. */
  open(roomId: string): JoinWindow;
  /** Sends `frame` (already serialised) to the room's members with `feature`, and to joins in progress. */
  publish(roomId: string, feature: EventFeature, frame: string): void;
  /** A member left its room (or closed): off every topic. Nothing for a connection never attached. */
  detach(connection: Connection): void;
  /** A later hello negotiated again: the topics of a connection in `roomId` (if any) follow its new features. */
  renegotiate(connection: Connection, roomId: string | undefined, features: ReadonlySet<string>): void;
}

interface Member {
  readonly roomId: string;
  features: EventFeature[];
}

const wanted = (features: ReadonlySet<string>): EventFeature[] => EVENT_FEATURES.filter((f) => features.has(f));

export function createRoomEvents(fanout: Fanout): RoomEvents {
  const windows = new Map<string, Set<Array<{ feature: EventFeature; frame: string }>>>();
  const members = new Map<Connection, Member>();

  function subscribe(connection: Connection, member: Member): void {
    for (const f of member.features) fanout.subscribe(connection, roomEventTopic(member.roomId, f));
  }

  function unsubscribe(connection: Connection, member: Member): void {
    for (const f of member.features) fanout.unsubscribe(connection, roomEventTopic(member.roomId, f));
  }

  return {
    open(roomId) {
      const frames: Array<{ feature: EventFeature; frame: string }> = [];
      let open = windows.get(roomId);
      if (!open) windows.set(roomId, (open = new Set()));
      open.add(frames);
      const close = () => {
        const set = windows.get(roomId);
        if (set?.delete(frames) && set.size === 0) windows.delete(roomId);
      };
      return {
        attach(connection, features) {
          close();
          const member: Member = { roomId, features: wanted(features) };
          if (member.features.length === 0) return;
          for (const e of frames) if (member.features.includes(e.feature)) connection.send(e.frame);
          subscribe(connection, member);
          members.set(connection, member);
        },
        close,
      };
    },

    publish(roomId, feature, frame) {
      fanout.publish(roomEventTopic(roomId, feature), frame);
      const open = windows.get(roomId);
      if (!open) return;
      for (const frames of open) {
        frames.push({ feature, frame });
        if (frames.length > MAX_WINDOW_FRAMES) frames.shift();
      }
    },

    detach(connection) {
      const member = members.get(connection);
      if (!member) return;
      unsubscribe(connection, member);
      members.delete(connection);
    },

    renegotiate(connection, roomId, features) {
      const old = members.get(connection);
      if (old) unsubscribe(connection, old);
      members.delete(connection);
      const member: Member = { roomId: roomId ?? '', features: wanted(features) };
      if (roomId === undefined || member.features.length === 0) return;
      subscribe(connection, member);
      members.set(connection, member);
    },
  };
}
