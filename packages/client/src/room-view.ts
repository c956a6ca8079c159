import type { DeletedEvent, Member, Message, ReactionEvent, Room, Typist } from './types.js';

/** A receiver treats `typing active:true` as over after this long without a repeat (extensions contract). */
export const TYPING_EXPIRY_MS = 6_000;

/**
 * The active room as this client holds it: messages ordered by `seq`, each
 * once; members; typists. Pure bookkeeping: every method says whether
 * anything changed, and the client turns that into events.
 */
export class RoomView {
  room: Room;
  private list: Message[] = [];
  private memberMap = new Map<string, Member>();
  private typistMap = new Map<string, { name: string; until: number }>();

  constructor(room: Room, messages: readonly Message[], members: readonly Member[]) {
    this.room = room;
    this.list = sortBySeq(dedupe(messages));
    for (const m of members) this.memberMap.set(m.clientId, m);
  }

  get messages(): readonly Message[] {
    return this.list;
  }

  get members(): readonly Member[] {
    return [...this.memberMap.values()];
  }

  typists(now: number): Typist[] {
    const out: Typist[] = [];
    for (const [clientId, t] of this.typistMap) if (t.until > now) out.push({ clientId, name: t.name });
    return out;
  }

  /** The highest `seq` held: what a reconnect asks to recover from. */
  get lastSeq(): number | undefined {
    return this.list.length ? this.list[this.list.length - 1]!.seq : undefined;
  }

  /** The lowest `seq` held: where "load older" pages from. */
  get firstSeq(): number | undefined {
    return this.list[0]?.seq;
  }

  /** Adds messages not held yet; returns those added, in `seq` order. */
  add(messages: readonly Message[]): Message[] {
    const held = new Set(this.list.map((m) => m.seq));
    const fresh = sortBySeq(dedupe(messages.filter((m) => !held.has(m.seq))));
    if (!fresh.length) return fresh;
    const last = this.lastSeq;
    if (last === undefined || fresh[0]!.seq > last) this.list.push(...fresh);
    else this.list = sortBySeq([...this.list, ...fresh]);
    return fresh;
  }

  /** Removes a deleted message; false when it was not held. */
  remove(e: DeletedEvent): boolean {
    const i = this.list.findIndex((m) => m.id === e.messageId);
    if (i < 0) return false;
    this.list.splice(i, 1);
    return true;
  }

  /** Applies a reaction count; false when the message is not held. */
  react(e: ReactionEvent): boolean {
    const i = this.list.findIndex((m) => m.id === e.messageId);
    if (i < 0) return false;
    const old = this.list[i]!;
    const reactions: Record<string, number> = { ...(old.reactions ?? {}) };
    if (e.count > 0) reactions[e.emoji] = e.count;
    else delete reactions[e.emoji];
    const { reactions: _dropped, ...rest } = old;
    void _dropped;
    this.list[i] = Object.keys(reactions).length ? { ...rest, reactions } : rest;
    return true;
  }

  /** Applies a `presence` diff: joins and updates are upserts, leaves removals. */
  presence(joined: readonly Member[], left: readonly string[], updated: readonly Member[]): void {
    for (const m of joined) this.memberMap.set(m.clientId, m);
    for (const m of updated) this.memberMap.set(m.clientId, m);
    for (const id of left) {
      this.memberMap.delete(id);
      this.typistMap.delete(id);
    }
  }

  /** Applies a relayed `typing`; returns whether the visible typists changed. */
  typing(clientId: string, name: string, active: boolean, now: number): boolean {
    if (active) {
      const had = this.typistMap.get(clientId);
      this.typistMap.set(clientId, { name, until: now + TYPING_EXPIRY_MS });
      return !had || had.until <= now || had.name !== name;
    }
    return this.typistMap.delete(clientId);
  }

  /** Drops expired typists; returns whether any was dropped. */
  expireTypists(now: number): boolean {
    let changed = false;
    for (const [id, t] of this.typistMap) {
      if (t.until <= now) {
        this.typistMap.delete(id);
        changed = true;
      }
    }
    return changed;
  }

  /** The soonest moment a typist expires, if any. */
  nextTypistExpiry(): number | undefined {
    let soonest: number | undefined;
    for (const t of this.typistMap.values()) if (soonest === undefined || t.until < soonest) soonest = t.until;
    return soonest;
  }
}

function sortBySeq(messages: Message[]): Message[] {
  return messages.sort((a, b) => a.seq - b.seq);
}

function dedupe(messages: readonly Message[]): Message[] {
  const seen = new Set<number>();
  return messages.filter((m) => !seen.has(m.seq) && (seen.add(m.seq), true));
}
