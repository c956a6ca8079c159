import { createEchoHolds, type EchoHolds } from './echo-holds';
import type { Clock } from './ports/clock';
import type { Connection } from './ports/connection';
import type { Fanout } from './ports/fanout';
import type { Log } from './ports/log';
import { noMetrics, type ChatMetrics } from './ports/metrics';
import { readRecent, readSince, type JoinSnapshot } from './join-snapshot';
import type { HistoryStore, MessageRecord, MessageStore } from './ports/store';
import { createRoomOrder, initialOrder, type OrderState } from './room-order';
import type { StoreGuard } from './store-guard';
import { messageFrame, messageFramePlus, roomPlusTopic, roomTopic } from './wire';

/** A join whose history read is in flight; it collects what the room delivers meanwhile. */
interface Joiner {
  readonly buffer: MessageRecord[];
  /** The buffer overflowed `historyLimit`: it no longer follows on from the snapshot without a gap. */
  dropped: boolean;
}

interface RoomState extends OrderState {
  readonly topic: string;
  /** The Message+ topic (see `roomPlusTopic`). */
  readonly plusTopic: string;
  readonly joiners: Set<Joiner>;
  /** Local connections subscribed to one of the room's topics. */
  readonly members: Set<Connection>;
  /** The members on the Message+ topic (a subset of `members`). */
  readonly plus: Set<Connection>;
}

export interface RoomFeedDeps {
  /** `messagesPage` (HistoryStore) is needed only by joins with `since`. */
  readonly store: MessageStore & Partial<HistoryStore>;
  readonly guard: StoreGuard;
  readonly fanout: Fanout;
  readonly clock: Clock;
  readonly log: Log;
  readonly historyLimit: number;
  readonly gapFillMs: number;
  /** Counts live deliveries; default `noMetrics`. */
  readonly metrics?: ChatMetrics;
}

/** How a connection joins (see `RoomFeed.join`). */
export interface FeedJoinOptions {
  /** Live messages as Message+ (with `seq`): the connection negotiated a feature. */
  readonly plus?: boolean;
  /**
   * Recovery: the last seq the joiner holds. `onReady` then gets
   * `recovered`: true when the history is exactly the messages after it
   * (live ones follow with no gap and no duplicate), false when it is the
   * newest `historyLimit` instead (see join-snapshot.ts).
   */
  readonly since?: number | undefined;
  /**
   * A further read about the history just read (reactions), done while the
   * join still collects live messages, so nothing falls in between. Its
   * failure fails the join as the history read's would.
   */
  readonly readAlso?: (history: readonly MessageRecord[]) => Promise<void>;
}

export interface RoomFeed {
  /** A stored message, from this instance or another, in any order, possibly twice. */
  deliver(message: MessageRecord): void;
  /**
   * The message at `seq` of `roomId` was deleted: if it was not delivered
   * yet it never will be, and the order steps over its seq instead of
   * waiting for it.
   */
  deleted(roomId: string, seq: number): void;
  /**
   * Reads the room's history and subscribes `connection`, with no message
   * lost or repeated between the two: `onReady(history)` runs synchronously
   * right before the subscription, so the caller sends `joined_room` first.
   * `stillWanted` is asked once the read returns (the socket may have gone).
   */
  join(
    connection: Connection,
    roomId: string,
    stillWanted: () => boolean,
    onReady: (history: MessageRecord[], recovered: boolean | undefined) => void,
    options?: FeedJoinOptions,
  ): Promise<boolean>;
  leave(connection: Connection, roomId: string): void;
  /**
   * Moves a member to the v1 or the Message+ topic (a later `hello`
   * negotiated again); nothing for a connection not in the room.
   */
  setVariant(connection: Connection, roomId: string, plus: boolean): void;
  /** Unconfirmed appends whose message this feed keeps from their sender (see echo-holds.ts). */
  readonly echoes: EchoHolds;
  /** The bus may have dropped events: re-read every watched room from the store. */
  resync(): void;
  close(): void;
}

/**
 * Live delivery per room in the one order the store assigned (seq), whatever
 * order the bus brings messages in. A gap waits `gapFillMs` for the bus, then
 * is read from the store (see room-order.ts), so a lost notification delays
 * a message, never drops it. Only rooms with local members or joiners are tracked.
 */
export function createRoomFeed(deps: RoomFeedDeps): RoomFeed {
  const { store, guard, fanout, clock, log, historyLimit, gapFillMs } = deps;
  const metrics = deps.metrics ?? noMetrics;
  const rooms = new Map<string, RoomState>();
  const echoes = createEchoHolds();
  const reader = { store, guard, historyLimit };
  // A room dropped while a fill was in flight is no longer this state in `rooms`: the fill delivers nothing.
  const tracked = (s: RoomState): boolean => rooms.get(s.roomId) === s;
  const { drain, fill, fillAfter, catchUp } = createRoomOrder<RoomState>({ store, guard, clock, log, historyLimit, gapFillMs, tracked, publish });

  function stateOf(roomId: string): RoomState {
    let s = rooms.get(roomId);
    if (!s) {
      s = {
        ...initialOrder(roomId, gapFillMs),
        topic: roomTopic(roomId),
        plusTopic: roomPlusTopic(roomId),
        joiners: new Set(),
        members: new Set(),
        plus: new Set(),
      };
      rooms.set(roomId, s);
    }
    return s;
  }

  function dropIfIdle(s: RoomState): void {
    if (s.members.size > 0 || s.joiners.size > 0) return;
    s.gapTimer?.();
    rooms.delete(s.roomId);
  }

  function broadcast(s: RoomState, frame: string, plusFrame: string | undefined): void {
    fanout.publish(s.topic, frame);
    if (plusFrame !== undefined) fanout.publish(s.plusTopic, plusFrame);
  }

  function publish(s: RoomState, m: MessageRecord): void {
    s.tailUnknown = false;
    // Serialised once per variant; the same string goes to every member of
    // that variant. A room without Message+ members never builds the second.
    const frame = messageFrame(m);
    const plusFrame = s.plus.size > 0 ? messageFramePlus(m) : undefined;
    const skip = echoes.skip(m.id);
    if (skip !== undefined && s.members.has(skip)) {
      // Out of the topic for this one publish, whatever the fanout (uWS
      // fixes a publish's recipients when it is called).
      const topic = s.plus.has(skip) ? s.plusTopic : s.topic;
      fanout.unsubscribe(skip, topic);
      broadcast(s, frame, plusFrame);
      fanout.subscribe(skip, topic);
      metrics.messagesDelivered(s.members.size - 1);
    } else {
      broadcast(s, frame, plusFrame);
      // Per broadcast, not per recipient: the topic's members are exactly the room's members here.
      metrics.messagesDelivered(s.members.size);
    }
    for (const j of s.joiners) {
      j.buffer.push(m);
      if (j.buffer.length > historyLimit) {
        j.buffer.shift();
        j.dropped = true;
      }
    }
  }

  return {
    deliver(m) {
      const s = rooms.get(m.roomId);
      if (!s) return;
      if (s.lastSeq !== null && m.seq <= s.lastSeq) return;
      if (s.lastSeq !== null && m.seq === s.lastSeq + 1 && s.pending.size === 0) {
        s.lastSeq = m.seq;
        publish(s, m);
        return;
      }
      s.pending.set(m.seq, m);
      drain(s);
    },

    deleted(roomId, seq) {
      const s = rooms.get(roomId);
      if (!s || (s.lastSeq !== null && seq <= s.lastSeq)) return;
      s.pending.delete(seq);
      s.holes.add(seq);
      drain(s);
    },

    async join(connection, roomId, stillWanted, onReady, options = {}) {
      const s = stateOf(roomId);
      const joiner: Joiner = { buffer: [], dropped: false };
      s.joiners.add(joiner);
      const { since } = options;
      let snapshot: JoinSnapshot;
      try {
        snapshot = since === undefined ? await readRecent(reader, roomId) : await readSince(reader, roomId, since);
        if (snapshot.upTo > s.assignedUpTo) s.assignedUpTo = snapshot.upTo;
        // Behind the joiner: fall back to a plain join (dup-free by construction) if the feed cannot catch up.
        if (snapshot.exact && since !== undefined && !(await catchUp(s, since))) snapshot = await readRecent(reader, roomId);
        if (options.readAlso) await options.readAlso(snapshot.messages);
      } catch (e) {
        s.joiners.delete(joiner);
        dropIfIdle(s);
        throw e;
      }
      const history = snapshot.messages;
      s.joiners.delete(joiner);
      if (!stillWanted() || rooms.get(roomId) !== s) {
        dropIfIdle(s);
        return false;
      }
      const readUpTo = snapshot.upTo;
      if (s.lastSeq === null) {
        s.lastSeq = readUpTo;
        // An exact snapshot read the room's counter; the newest messages alone do not say what came after them.
        s.tailUnknown = !snapshot.exact;
      }
      const upTo = s.lastSeq;
      // History newer than what members have seen arrives through the feed
      // instead, so the joiner gets it in the same order as everyone else.
      let merged = history.filter((m) => m.seq <= upTo);
      // A recovering joiner already holds everything up to `since`.
      const floor = snapshot.exact && since !== undefined ? since : 0;
      const tail = merged.length > 0 ? Math.max(floor, merged[merged.length - 1]!.seq) : floor;
      merged = merged.concat(joiner.buffer.filter((m) => m.seq > tail));
      // More than the limit arrived meanwhile, or the buffer lost some: not exact any more, the newest then.
      let recovered = snapshot.exact && !joiner.dropped;
      if (merged.length > historyLimit) {
        merged = merged.slice(merged.length - historyLimit);
        recovered = false;
      }
      onReady(merged, since === undefined ? undefined : recovered);
      fanout.subscribe(connection, options.plus === true ? s.plusTopic : s.topic);
      s.members.add(connection);
      if (options.plus === true) s.plus.add(connection);
      drain(s);
      if (readUpTo > upTo && !s.gapTimer && s.pending.size === 0) {
        // The store already holds messages the feed has not delivered: fetch them soon.
        fillAfter(s, gapFillMs);
      }
      return true;
    },

    leave(connection, roomId) {
      const s = rooms.get(roomId);
      if (s?.plus.delete(connection)) fanout.unsubscribe(connection, s.plusTopic);
      else fanout.unsubscribe(connection, roomTopic(roomId));
      // Not tracked (closed feed): its topic is unknown, so out of both.
      if (!s) fanout.unsubscribe(connection, roomPlusTopic(roomId));
      echoes.releaseAll(connection);
      if (!s) return;
      s.members.delete(connection);
      dropIfIdle(s);
    },

    setVariant(connection, roomId, plus) {
      const s = rooms.get(roomId);
      if (!s?.members.has(connection) || s.plus.has(connection) === plus) return;
      // Synchronous, like a publish: no message falls between the two topics.
      fanout.unsubscribe(connection, plus ? s.topic : s.plusTopic);
      fanout.subscribe(connection, plus ? s.plusTopic : s.topic);
      if (plus) s.plus.add(connection);
      else s.plus.delete(connection);
    },

    echoes,

    resync() {
      for (const s of rooms.values()) void fill(s);
    },

    close() {
      for (const s of rooms.values()) s.gapTimer?.();
      rooms.clear();
    },
  };
}
