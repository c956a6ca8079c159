import { encodeBusEvent } from '../bus-codec';
import { utf8Length } from '../edge/http-answer';
import type { Bus, BusEvent, EphemeralEvent, PresenceDelta } from '../ports/bus';
import type { Cancel, Clock } from '../ports/clock';
import type { Log } from '../ports/log';
import type { Member, MemberChange, Presence } from '../ports/presence';
import { createChangeHub } from './memory-presence';
import { createPresenceRoster } from './presence-roster';

/** Largest `presence_state` part on a bus without a limit of its own: a restart's catch-up stays in pieces of bounded size. */
const DEFAULT_STATE_PART_BYTES = 64 * 1024;
/** Room left in each part for the bus's own envelope (`i`, the sending bus's id, may be longer than ours). */
const ENVELOPE_SLACK_BYTES = 256;

export interface BusPresenceOptions {
  readonly bus: Bus;
  readonly clock: Clock;
  readonly log: Log;
  /** This instance, unique per start; it ignores presence events about itself. */
  readonly instanceId: string;
  /** An instance not heard from for this long is gone: its members leave (`PRESENCE_TTL_MS`). */
  readonly ttlMs: number;
  /** How often this instance says it is alive (`presence_beat`). */
  readonly livenessMs: number;
  /** How often silent instances are looked for; they are dropped by `ttlMs` after their last event. */
  readonly sweepMs: number;
}

interface Peer {
  lastSeenMs: number;
  /** The `presence_state` epoch being received, and the members it listed so far. */
  epoch: number | undefined;
  seen: Set<string>;
  /** When this instance last asked it for its state (asks are at most one per `livenessMs`). */
  askedAtMs: number;
}

/**
 * Presence across instances over the bus, with no store involved (issue
 * #12): each instance publishes its own members' changes; announces
 * liveness with its member count every `livenessMs`; and answers a
 * `presence_sync` with its complete members in parts that fit the bus. An
 * instance that starts, or whose bus may have missed events (`resync`),
 * asks everyone; one whose count disagrees with what a beat says is asked
 * again; one silent for `ttlMs` (killed without a goodbye) is dropped, so
 * its members leave. Changes reach subscribers synchronously, local ones
 * before they are published.
 */
export function createBusPresence(options: BusPresenceOptions): Presence {
  const { bus, clock, log, instanceId: self, ttlMs, livenessMs, sweepMs } = options;
  const roster = createPresenceRoster();
  const hub = createChangeHub();
  const peers = new Map<string, Peer>();
  const stops: Cancel[] = [];
  let started = false;
  let closed = false;
  let epochs = 0;
  let answerOwed: Cancel | undefined;

  const publish = (event: EphemeralEvent) => {
    if (!closed) bus.publish(event);
  };

  function changed(changes: readonly MemberChange[]): void {
    if (changes.length === 0) return;
    hub.emit(changes);
  }

  function publishOwn(changes: readonly MemberChange[]): void {
    changed(changes);
    if (changes.length === 0) return;
    const deltas: PresenceDelta[] = changes.map((c) => ({ roomId: c.roomId, clientId: c.clientId, member: c.after ?? null }));
    publish({ kind: 'presence', instanceId: self, deltas });
  }

  function peer(id: string): Peer {
    let p = peers.get(id);
    if (!p) peers.set(id, (p = { lastSeenMs: clock.now(), epoch: undefined, seen: new Set(), askedAtMs: -Infinity }));
    p.lastSeenMs = clock.now();
    return p;
  }

  function ask(id: string, p: Peer): void {
    const now = clock.now();
    if (now - p.askedAtMs < livenessMs) return;
    p.askedAtMs = now;
    publish({ kind: 'presence_sync', instanceId: self, target: id });
  }

  /** Publishes this instance's complete members as one epoch of parts, each within the bus's size. */
  function publishState(): void {
    const epoch = ++epochs;
    const empty = (last: boolean): EphemeralEvent => ({ kind: 'presence_state', instanceId: self, epoch, members: [], last });
    const limit = Math.min(bus.maxEventBytes ?? DEFAULT_STATE_PART_BYTES, DEFAULT_STATE_PART_BYTES);
    const budget = limit - utf8Length(encodeBusEvent(self, empty(false))) - ENVELOPE_SLACK_BYTES;
    const own = roster.ownedBy(self);
    let part: Array<{ roomId: string; member: Member }> = [];
    let bytes = 0;
    for (const [roomId, member] of own) {
      // Each member costs its array in the encoding plus a comma.
      const size = utf8Length(JSON.stringify([roomId, member.clientId, member.userId, member.name, member.avatarId])) + 1;
      if (part.length > 0 && bytes + size > budget) {
        publish({ kind: 'presence_state', instanceId: self, epoch, members: part, last: false });
        part = [];
        bytes = 0;
      }
      part.push({ roomId, member });
      bytes += size;
    }
    publish({ kind: 'presence_state', instanceId: self, epoch, members: part, last: true });
  }

  /** Answers sync requests once per turn of the clock, however many arrive together. */
  function oweState(): void {
    if (answerOwed || closed) return;
    answerOwed = clock.schedule(0, () => {
      answerOwed = undefined;
      publishState();
    });
  }

  function receiveState(from: string, p: Peer, e: Extract<EphemeralEvent, { kind: 'presence_state' }>): void {
    if (p.epoch !== e.epoch) {
      p.epoch = e.epoch;
      p.seen = new Set();
    }
    const changes: MemberChange[] = [];
    for (const { roomId, member } of e.members) {
      changes.push(...roster.put(roomId, member, from));
      p.seen.add(member.clientId);
    }
    if (e.last) {
      for (const [roomId, member] of roster.ownedBy(from)) {
        if (p.seen.has(member.clientId)) continue;
        const gone = roster.remove(roomId, member.clientId, from);
        if (gone) changes.push(gone);
      }
      p.epoch = undefined;
      p.seen = new Set();
    }
    changed(changes);
  }

  function onEvent(event: BusEvent): void {
    if (event.kind === 'resync') {
      // Our view of the others may be stale, and theirs of us: ask, and tell.
      publish({ kind: 'presence_sync', instanceId: self, target: null });
      oweState();
      return;
    }
    if (
      event.kind !== 'presence' &&
      event.kind !== 'presence_beat' &&
      event.kind !== 'presence_sync' &&
      event.kind !== 'presence_state' &&
      event.kind !== 'presence_bye'
    ) {
      return;
    }
    const from = event.instanceId;
    if (from === self) return;
    if (event.kind === 'presence_bye') {
      peers.delete(from);
      changed(roster.removeOwner(from));
      return;
    }
    const p = peer(from);
    switch (event.kind) {
      case 'presence': {
        const changes: MemberChange[] = [];
        for (const d of event.deltas) {
          if (d.member) changes.push(...roster.put(d.roomId, d.member, from));
          else {
            const gone = roster.remove(d.roomId, d.clientId, from);
            if (gone) changes.push(gone);
          }
        }
        changed(changes);
        return;
      }
      case 'presence_beat':
        // Its events arrive in order, so a different count means some were lost (or we just started).
        if (p.epoch === undefined && roster.countOf(from) !== event.members) ask(from, p);
        return;
      case 'presence_sync':
        if (event.target === null || event.target === self) oweState();
        return;
      case 'presence_state':
        receiveState(from, p, event);
        return;
    }
  }

  function sweep(): void {
    const now = clock.now();
    // One sweep period early, so a dead instance's members are gone by `ttlMs` after its last event.
    const silentFor = Math.max(0, ttlMs - sweepMs);
    for (const [id, p] of [...peers]) {
      if (now - p.lastSeenMs < silentFor) continue;
      peers.delete(id);
      const gone = roster.removeOwner(id);
      if (gone.length > 0) log('info', 'presence: instance went silent; its members left', { instanceId: id, members: gone.length, silentMs: now - p.lastSeenMs });
      changed(gone);
    }
  }

  const beat = () => publish({ kind: 'presence_beat', instanceId: self, members: roster.countOf(self) });

  return {
    join(roomId, member) {
      publishOwn(roster.put(roomId, member, self));
    },
    leave(roomId, clientId) {
      const change = roster.remove(roomId, clientId, self);
      if (change) publishOwn([change]);
    },
    members: (roomId) => roster.members(roomId),
    count: (roomId) => roster.count(roomId),
    subscribe: (handler) => hub.subscribe(handler),
    start() {
      if (started || closed) return;
      started = true;
      stops.push(bus.subscribe(onEvent));
      stops.push(clock.every(livenessMs, beat));
      stops.push(clock.every(sweepMs, sweep));
      beat();
      // Learn who is where on every other instance.
      publish({ kind: 'presence_sync', instanceId: self, target: null });
    },
    close() {
      if (closed) return;
      if (started) bus.publish({ kind: 'presence_bye', instanceId: self });
      closed = true;
      answerOwed?.();
      for (const stop of stops.splice(0)) stop();
    },
  };
}
