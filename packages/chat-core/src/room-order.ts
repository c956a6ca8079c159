import type { Cancel, Clock } from './ports/clock';
import type { Log } from './ports/log';
import type { MessageRecord, MessageStore } from './ports/store';
import type { StoreGuard } from './store-guard';

/** The longest a failing gap fill backs off before it reads again. */
const MAX_GAP_RETRY_MS = 30_000;

/** Where one room's live delivery stands in the store's seq order. */
export interface OrderState {
  readonly roomId: string;
  /** Highest seq delivered to members; null until the first history read tells us. */
  lastSeq: number | null;
  /** Messages that arrived ahead of a gap (or before lastSeq was known), by seq. */
  readonly pending: Map<number, MessageRecord>;
  /** Seqs above lastSeq known to be deleted (extensions: delete): holes the order steps over. */
  readonly holes: Set<number>;
  /**
   * Every seq up to this one was assigned and committed (a join's snapshot
   * read the room that far): a store read begun later that lacks one proves
   * it deleted (see `skipDeleted`).
   */
  assignedUpTo: number;
  /** A seq up to this one that is not pending was deleted: the order steps over it (see `skipDeleted`). */
  absentUpTo: number;
  /**
   * lastSeq came from a plain join's newest messages and nothing was
   * delivered since: the room's newest seqs may have been deleted (holes
   * no event will announce), so a first gap is read at once instead of
   * waiting `gapFillMs` for the bus.
   */
  tailUnknown: boolean;
  gapTimer: Cancel | undefined;
  filling: boolean;
  /** Settles when the fill in flight (if any) has delivered what it read. */
  filled: Promise<void>;
  gapRetryMs: number;
}

/** A room's order state before anything is known: no seq delivered, no gap, no fill. */
export function initialOrder(roomId: string, gapFillMs: number): OrderState {
  return {
    roomId,
    lastSeq: null,
    pending: new Map(),
    holes: new Set(),
    assignedUpTo: 0,
    absentUpTo: 0,
    tailUnknown: false,
    gapTimer: undefined,
    filling: false,
    filled: Promise.resolve(),
    gapRetryMs: gapFillMs,
  };
}

export interface RoomOrderDeps<S extends OrderState> {
  readonly store: MessageStore;
  readonly guard: StoreGuard;
  readonly clock: Clock;
  readonly log: Log;
  readonly historyLimit: number;
  readonly gapFillMs: number;
  /** The room is still tracked with this state (a room dropped meanwhile gets nothing more). */
  tracked(s: S): boolean;
  /** Sends `m` to the room's members: it is the next message in order. */
  publish(s: S, m: MessageRecord): void;
}

export interface RoomOrder<S extends OrderState> {
  /** Publishes what now follows lastSeq without a gap; a gap left waits for the bus or is read from the store. */
  drain(s: S): void;
  /** Reads the room's gap from the store and delivers it; a fill already in flight is shared. Never rejects. */
  fill(s: S): Promise<void>;
  /** Fills the room's gap in `ms` (the bus may bring it first). */
  fillAfter(s: S, ms: number): void;
  /** Reads the gap until lastSeq reaches `since`; false when the store cannot take it that far. */
  catchUp(s: S, since: number): Promise<boolean>;
}

/**
 * Puts a room's messages in the one order the store assigned (seq),
 * whatever order the bus brings them in, so that a lost or late
 * notification delays a message and never drops or reorders it.
 */
export function createRoomOrder<S extends OrderState>(deps: RoomOrderDeps<S>): RoomOrder<S> {
  const { store, guard, clock, log, historyLimit, gapFillMs, tracked, publish } = deps;
  /** Pending entries beyond this trigger a store read at once instead of waiting. */
  const maxPending = historyLimit * 2;

  function drain(s: S): void {
    if (s.lastSeq === null) return;
    for (;;) {
      const seq: number = s.lastSeq + 1;
      const next = s.pending.get(seq);
      if (next) {
        s.pending.delete(seq);
        s.lastSeq = seq;
        publish(s, next);
      } else if (s.holes.delete(seq)) {
        s.lastSeq = seq;
      } else if (seq <= s.absentUpTo) {
        // Nothing left to publish below absentUpTo: step over the rest at once.
        s.lastSeq = s.pending.size === 0 ? s.absentUpTo : seq;
      } else {
        break;
      }
    }
    for (const seq of s.pending.keys()) if (seq <= s.lastSeq) s.pending.delete(seq);
    for (const seq of s.holes) if (seq <= s.lastSeq) s.holes.delete(seq);
    if (s.pending.size === 0) {
      s.gapTimer?.();
      s.gapTimer = undefined;
      s.gapRetryMs = gapFillMs;
    } else if ((s.tailUnknown || s.pending.size > maxPending) && s.gapRetryMs === gapFillMs) {
      // At once only while not backing off: after a failed fill this branch
      // would start the next read straight away, a busy loop on a broken store.
      void fill(s);
    } else if (!s.gapTimer) {
      fillAfter(s, s.gapRetryMs);
    }
  }

  /**
   * The store's read after lastSeq is the truth about what is left there:
   * seqs are committed in order (one writer per room at a time), so a seq
   * the read covers (`covered`: up to its last row, or when the read was
   * not cut by its limit, up to every seq known committed before it began)
   * that is missing from it was deleted. Such pending messages go, and
   * `absentUpTo` lets the order step over the missing seqs instead of
   * waiting for them. Without deletes every seq is there and this changes
   * nothing.
   */
  function skipDeleted(s: S, rows: readonly MessageRecord[], covered: number): void {
    if (s.lastSeq === null) return;
    const present = new Set(rows.map((m) => m.seq));
    for (const seq of s.pending.keys()) if (seq <= covered && !present.has(seq)) s.pending.delete(seq);
    if (covered > s.absentUpTo) s.absentUpTo = covered;
  }

  function fillAfter(s: S, ms: number): void {
    s.gapTimer = clock.schedule(ms, () => {
      s.gapTimer = undefined;
      void fill(s);
    });
  }

  /** Reads the room's gap from the store and delivers it; a fill already in flight is shared. Never rejects. */
  function fill(s: S): Promise<void> {
    if (s.filling) return s.filled;
    if (s.lastSeq === null || !tracked(s)) return Promise.resolve();
    s.filling = true;
    s.filled = readGap(s);
    return s.filled;
  }

  /**
   * A recovering joiner holds everything up to `since`; live delivery must
   * not start below it, or it would get some messages twice. While this
   * instance's feed is behind `since` (the client came from an instance
   * whose bus was ahead), read the gap now. False when it cannot catch up.
   */
  async function catchUp(s: S, since: number): Promise<boolean> {
    // A fill in flight may have begun before the join's snapshot proved every seq up to `since`
    // committed (assignedUpTo): it could not tell a deleted one from one not yet seen.
    if (s.filling) await s.filled;
    while (s.lastSeq !== null && s.lastSeq < since && tracked(s)) {
      const before = s.lastSeq;
      await fill(s);
      if (s.lastSeq === before) return false;
    }
    return s.lastSeq === null || s.lastSeq >= since;
  }

  async function readGap(s: S): Promise<void> {
    s.gapTimer?.();
    s.gapTimer = undefined;
    // This read tells what the tail holds; a later gap waits for the bus as usual.
    s.tailUnknown = false;
    try {
      const after = s.lastSeq ?? 0;
      // Committed before the read begins: what was delivered (pending) and what a join's snapshot saw.
      let known = s.assignedUpTo;
      for (const seq of s.pending.keys()) if (seq > known) known = seq;
      const rows = await guard('messagesAfter', () => store.messagesAfter(s.roomId, after, maxPending));
      s.gapRetryMs = gapFillMs;
      const last = rows.at(-1)?.seq ?? after;
      // A read cut by its limit says nothing beyond its last row; a whole one covers everything committed before it.
      if (s.lastSeq === after) skipDeleted(s, rows, rows.length < maxPending ? Math.max(known, last) : last);
      for (const m of rows) if (s.lastSeq !== null && m.seq > s.lastSeq) s.pending.set(m.seq, m);
    } catch {
      // Back off; the next delivery or resync tries again.
      s.gapRetryMs = Math.min(MAX_GAP_RETRY_MS, s.gapRetryMs * 2);
      log('warn', 'gap fill failed; will retry', { roomId: s.roomId, retryMs: s.gapRetryMs });
    } finally {
      s.filling = false;
    }
    if (tracked(s)) drain(s);
  }

  return { drain, fill, fillAfter, catchUp };
}
