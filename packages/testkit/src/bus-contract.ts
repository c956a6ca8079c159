import type { Bus, BusEvent, MessageRecord, RoomRecord } from '@rgchat/chat-core';
import { recordBusEvents } from './recording';

/** A bus as the contract sees it; buses that hold connections also have a `close`. */
export type ContractBus = Bus & { close?(): Promise<void> };

/**
 * Instances a contract run can open on one shared medium (for Postgres: one
 * database and channel), then destroy. Memory: each open is its own bus.
 */
export interface BusHarness {
  /** Opens one instance; ids differ per call within a test. */
  open(instanceId: string): Promise<ContractBus>;
  /** Closes whatever the harness itself opened; instances are closed by the suite first. */
  destroy(): Promise<void>;
}

export interface BusContractOptions {
  /**
   * Whether instances reach each other. False for an in-process bus: only
   * the local half of the contract applies.
   */
  readonly crossInstance: boolean;
  /** Longest wait for a cross-instance delivery, in ms. Default 10000. */
  readonly deliveryTimeoutMs?: number;
}

const roomRecord = (id: string, over: Partial<RoomRecord> = {}): RoomRecord => ({
  id,
  name: `Room ${id}`,
  createdAt: 1_730_000_000_000,
  messageCount: 0,
  lastMessageTs: null,
  ...over,
});

const roomEvent = (id: string): BusEvent => ({ kind: 'room', room: roomRecord(id) });

function messageEvent(roomId: string, seq: number, text: string): BusEvent {
  const message: MessageRecord = {
    roomId,
    seq,
    id: `msg_bus_${roomId}_${seq}`,
    ts: 1_730_000_000_000 + seq,
    authorId: 'conn_bus',
    name: 'bob',
    avatarId: Number.MAX_SAFE_INTEGER,
    type: 'emote',
    text,
  };
  return { kind: 'message', message, room: roomRecord(roomId, { messageCount: seq, lastMessageTs: message.ts }) };
}

/** Which event this is, for counting; resyncs are allowed any time and not counted. */
const keyOf = (e: BusEvent): string | undefined =>
  e.kind === 'room'
    ? `room:${e.room.id}`
    : e.kind === 'message'
      ? `message:${e.message.id}`
      : e.kind === 'room_removed'
        ? `room_removed:${e.roomId}`
        : undefined;

const countOf = (events: readonly BusEvent[], key: string) => events.filter((e) => keyOf(e) === key).length;

async function waitFor(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** 400 code points, each 4 bytes in UTF-8 (and a surrogate pair in JS): the largest default message. */
export const WIDE_MESSAGE_TEXT = Array.from({ length: 400 }, (_, i) => String.fromCodePoint(0x1f600 + (i % 64))).join('');

/** The Bus contract; every bus adapter runs it. */
export function describeBusContract(name: string, harness: () => Promise<BusHarness>, options: BusContractOptions): void {
  const timeoutMs = options.deliveryTimeoutMs ?? 10_000;

  describe(`bus contract: ${name}`, () => {
    let h: BusHarness;
    let opened: ContractBus[];
    let next = 0;
    const open = async (label: string) => {
      const bus = await h.open(`inst_${label}_${process.pid}_${++next}`);
      opened.push(bus);
      return bus;
    };
    const record = recordBusEvents;

    beforeEach(async () => {
      opened = [];
      h = await harness();
    });
    afterEach(async () => {
      for (const b of opened.splice(0).reverse()) await b.close?.();
      await h.destroy();
    });

    test('publish delivers to local subscribers synchronously, in publish order', async () => {
      const bus = await open('a');
      const first = record(bus);
      const second = record(bus);
      const events = [roomEvent('s1'), messageEvent('s1', 1, 'hi'), roomEvent('s2')];
      bus.publish(events[0]!);
      // No await in between: delivery happened inside publish.
      expect(first).toEqual([events[0]]);
      bus.publish(events[1]!);
      bus.publish(events[2]!);
      expect(first.filter(keyOf)).toEqual(events);
      expect(second.filter(keyOf)).toEqual(events);
    });

    test('unsubscribe stops delivery, is idempotent, and may run inside a handler', async () => {
      const bus = await open('a');
      const kept = record(bus);
      const dropped: BusEvent[] = [];
      const off = bus.subscribe((e) => void dropped.push(e));
      const once: BusEvent[] = [];
      const offOnce = bus.subscribe((e) => {
        once.push(e);
        offOnce();
      });
      bus.publish(roomEvent('u1'));
      off();
      off();
      bus.publish(roomEvent('u2'));
      expect(kept.map(keyOf)).toEqual(['room:u1', 'room:u2']);
      expect(dropped.map(keyOf)).toEqual(['room:u1']);
      expect(once.map(keyOf)).toEqual(['room:u1']);
    });

    test('a message event reaches local subscribers unchanged, 4-byte characters included', async () => {
      const bus = await open('a');
      const got = record(bus);
      const event = messageEvent('wide', 3, WIDE_MESSAGE_TEXT);
      bus.publish(event);
      expect(got).toEqual([event]);
    });

    test('a room_removed event reaches local subscribers unchanged', async () => {
      const bus = await open('a');
      const got = record(bus);
      const event: BusEvent = { kind: 'room_removed', roomId: 'gone-room' };
      bus.publish(event);
      expect(got).toEqual([event]);
    });

    test('close is idempotent', async () => {
      const bus = await open('a');
      if (!bus.close) return;
      await bus.close();
      await expect(bus.close()).resolves.toBeUndefined();
    });

    if (!options.crossInstance) return;

    /**
     * Proves A has heard everything B published before this call and vice
     * versa: each side publishes a marker and waits for the other to hear
     * it. Notices from one instance arrive in order, so anything duplicated
     * or echoed earlier has arrived by then too.
     */
    async function settle(a: Bus, gotA: BusEvent[], b: Bus, gotB: BusEvent[]): Promise<void> {
      const id = `settle_${++next}`;
      a.publish(roomEvent(`${id}_a`));
      b.publish(roomEvent(`${id}_b`));
      await waitFor(`B to hear ${id}_a`, () => countOf(gotB, `room:${id}_a`) > 0, timeoutMs);
      await waitFor(`A to hear ${id}_b`, () => countOf(gotA, `room:${id}_b`) > 0, timeoutMs);
    }

    test('events reach other instances exactly once and never echo back', async () => {
      const a = await open('a');
      const b = await open('b');
      const gotA = record(a);
      const gotB = record(b);
      a.publish(roomEvent('x'));
      b.publish(roomEvent('y'));
      await waitFor('B to hear x', () => countOf(gotB, 'room:x') > 0, timeoutMs);
      await waitFor('A to hear y', () => countOf(gotA, 'room:y') > 0, timeoutMs);
      await settle(a, gotA, b, gotB);
      await settle(a, gotA, b, gotB);
      for (const got of [gotA, gotB]) {
        expect(countOf(got, 'room:x')).toBe(1);
        expect(countOf(got, 'room:y')).toBe(1);
      }
      expect(gotB.find((e) => keyOf(e) === 'room:x')).toEqual(roomEvent('x'));
    });

    test('a message event round-trips exactly, 400 characters of 4-byte code points included', async () => {
      const a = await open('a');
      const b = await open('b');
      const gotB = record(b);
      const wide = messageEvent('wide', 7, WIDE_MESSAGE_TEXT);
      const tricky = messageEvent('wide', 8, '"quotes" \\ back\nslash 中文 \u2028 𝄞');
      a.publish(wide);
      a.publish(tricky);
      await waitFor('B to hear both messages', () => gotB.filter(keyOf).length >= 2, timeoutMs);
      expect(gotB.filter(keyOf)).toEqual([wide, tricky]);
    });

    test('a room_removed event reaches other instances exactly once, after the room it removes', async () => {
      const a = await open('a');
      const b = await open('b');
      const gotA = record(a);
      const gotB = record(b);
      a.publish(roomEvent('short-lived'));
      a.publish({ kind: 'room_removed', roomId: 'short-lived' });
      await waitFor('B to hear the removal', () => countOf(gotB, 'room_removed:short-lived') > 0, timeoutMs);
      await settle(a, gotA, b, gotB);
      expect(gotB.filter((e) => keyOf(e)?.endsWith(':short-lived'))).toEqual([roomEvent('short-lived'), { kind: 'room_removed', roomId: 'short-lived' }]);
      expect(countOf(gotA, 'room_removed:short-lived')).toBe(1);
    });

    test('bursts from both sides arrive complete, each event once', async () => {
      const a = await open('a');
      const b = await open('b');
      const c = await open('c');
      const gotA = record(a);
      const gotB = record(b);
      const gotC = record(c);
      const n = 60;
      for (let i = 1; i <= n; i++) {
        a.publish(messageEvent('burst_a', i, `a${i}`));
        b.publish(messageEvent('burst_b', i, `b${i}`));
      }
      const heard = (got: BusEvent[], room: string) =>
        got.filter((e) => e.kind === 'message' && e.message.roomId === room).length;
      await waitFor('everyone to hear both bursts', () =>
        heard(gotA, 'burst_b') >= n && heard(gotB, 'burst_a') >= n && heard(gotC, 'burst_a') >= n && heard(gotC, 'burst_b') >= n,
      timeoutMs);
      await settle(a, gotA, b, gotB);
      for (const [got, room] of [[gotA, 'burst_b'], [gotB, 'burst_a'], [gotC, 'burst_a'], [gotC, 'burst_b']] as const) {
        const seqs = got.flatMap((e) => (e.kind === 'message' && e.message.roomId === room ? [e.message.seq] : []));
        expect(new Set(seqs).size).toBe(n);
        expect(seqs).toHaveLength(n);
      }
      expect(heard(gotA, 'burst_a')).toBe(n);
      expect(heard(gotB, 'burst_b')).toBe(n);
    });

    test('ephemeral events (presence, typing) reach other instances unchanged, in order, and fit the bus', async () => {
      const a = await open('a');
      const b = await open('b');
      const gotB = record(b);
      const member = { clientId: 'conn_e1', userId: 'usr_e1', name: 'émile 𝄞', avatarId: 3 };
      // As many members as core would put in one part of a bus with this limit.
      const many = Array.from({ length: 40 }, (_, i) => ({ roomId: 'lobby', member: { ...member, clientId: `conn_e${i}` } }));
      const events: BusEvent[] = [
        { kind: 'presence', instanceId: 'inst_e', deltas: [{ roomId: 'lobby', clientId: 'conn_e1', member }] },
        { kind: 'presence_state', instanceId: 'inst_e', epoch: 1, members: many, last: true },
        { kind: 'typing', roomId: 'lobby', clientId: 'conn_e1', name: 'émile', active: true },
        { kind: 'presence_bye', instanceId: 'inst_e' },
      ];
      for (const e of events) a.publish(e);
      const ephemeral = () => gotB.filter((e) => e.kind === 'typing' || e.kind.startsWith('presence'));
      await waitFor('B to hear the ephemeral events', () => ephemeral().length >= events.length, timeoutMs);
      expect(ephemeral()).toEqual(events);
      if (a.maxEventBytes !== undefined) expect(a.maxEventBytes).toBeLessThan(8000);
    });

    test('a closed instance neither delivers nor receives', async () => {
      const a = await open('a');
      const b = await open('b');
      const gotA = record(a);
      const gotB = record(b);
      if (!b.close) return;
      await b.close();
      a.publish(roomEvent('after_close'));
      b.publish(roomEvent('from_closed'));
      const c = await open('c');
      const gotC = record(c);
      await settle(a, gotA, c, gotC);
      expect(countOf(gotB, 'room:after_close')).toBe(0);
      expect(countOf(gotA, 'room:from_closed')).toBe(0);
    });
  });
}
