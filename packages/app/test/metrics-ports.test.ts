import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BusEvent } from '@rgchat/chat-core';
import { openSqliteStore } from '@rgchat/store-sqlite';
import { createFakeClock, createLinkedBuses, describeStoreContract, newMessage } from '@rgchat/testkit';
import { countedBus } from '../src/metrics-bus';
import { createMetricSet, type MetricSet } from '../src/metrics-set';
import { timedStore } from '../src/metrics-store';

// Issue #14, metrics: what app measures around core's ports, the store and the bus, on real ones.

/** The value of one series of `name` whose labels include `labels`. */
async function sample(set: MetricSet, name: string, labels: Record<string, string> = {}): Promise<number> {
  // A histogram's _count and _sum are series of the histogram itself.
  const family = name.replace(/_(count|sum)$/, '');
  const metric = set.registry.getSingleMetric(name) ?? set.registry.getSingleMetric(family);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  // A histogram's values carry the series name (`metricName`), which prom-client's types leave out.
  const found = (values as Array<(typeof values)[number] & { metricName?: string }>).find(
    (v) =>
      (v.metricName === undefined || v.metricName === name || (name === family && v.metricName === `${name}_bucket`)) &&
      Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want),
  );
  return found?.value ?? 0;
}

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'rgchat-metrics-ports-'));
}

// The timed store is the store: it passes the whole store contract on SQLite.
describeStoreContract('sqlite, timed for metrics', async () => {
  const dir = await tempDir();
  const set = createMetricSet(() => 0);
  return {
    open: async () => timedStore(await openSqliteStore({ path: join(dir, 'chat.db') }), set),
    destroy: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('timedStore', () => {
  test('each call is observed once under its method name; a rejection is also counted as an error', async () => {
    const dir = await tempDir();
    try {
      const set = createMetricSet(() => 0);
      const store = timedStore(await openSqliteStore({ path: join(dir, 'chat.db') }), set);
      await store.createRoom({ id: 'lobby', name: 'lobby', createdAt: 1 });
      for (let i = 0; i < 4; i++) await store.appendMessage(newMessage('lobby'));
      await store.listRooms();
      const count = (op: string) => sample(set, 'rgchat_store_call_duration_seconds', { op, le: '+Inf' });
      expect(await count('createRoom')).toBe(1);
      expect(await count('appendMessage')).toBe(4);
      expect(await count('listRooms')).toBe(1);
      expect(await sample(set, 'rgchat_store_call_errors_total', { op: 'appendMessage' })).toBe(0);

      await store.close();
      await expect(store.listRooms()).rejects.toThrow();
      expect(await count('listRooms')).toBe(2);
      expect(await sample(set, 'rgchat_store_call_errors_total', { op: 'listRooms' })).toBe(1);
      // close is not a call worth timing.
      expect(await count('close')).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('countedBus', () => {
  const message = (ts: number): BusEvent => ({
    kind: 'message',
    message: { roomId: 'lobby', seq: 1, id: 'm1', ts, authorId: 'c1', name: 'ann', avatarId: 0, type: 'message', text: 'hi' },
    room: { id: 'lobby', name: 'lobby', createdAt: 1, messageCount: 1, lastMessageTs: ts },
  });

  test("out on the publisher; in on the other instance only, never for one's own echo; a message's age on arrival", async () => {
    const clock = createFakeClock();
    const linked = createLinkedBuses({ clock, delayMs: 250 });
    const [a, b] = [createMetricSet(() => 0), createMetricSet(() => 0)];
    const busA = countedBus(linked.open('inst_a'), a, () => clock.now());
    const busB = countedBus(linked.open('inst_b'), b, () => clock.now());
    const heardByA: BusEvent[] = [];
    const heardByB: BusEvent[] = [];
    busA.bus.subscribe((e) => heardByA.push(e));
    busB.bus.subscribe((e) => heardByB.push(e));

    busA.bus.publish(message(clock.now()));
    busA.bus.publish({ kind: 'room_removed', roomId: 'old' });
    // A hears its own events at once (the Bus contract); they are not "in".
    expect(heardByA).toHaveLength(2);
    expect(await sample(a, 'rgchat_bus_events_total', { direction: 'out' })).toBe(2);
    expect(await sample(a, 'rgchat_bus_events_total', { direction: 'in' })).toBe(0);
    expect(await sample(b, 'rgchat_bus_events_total', { direction: 'in' })).toBe(0);

    clock.advance(250);
    expect(heardByB).toHaveLength(2);
    expect(await sample(b, 'rgchat_bus_events_total', { direction: 'in' })).toBe(2);
    expect(await sample(b, 'rgchat_bus_events_total', { direction: 'out' })).toBe(0);
    expect(await sample(a, 'rgchat_bus_events_total', { direction: 'in' })).toBe(0);
    // Only the message event has an age: 250 ms on the fake clock.
    expect(await sample(b, 'rgchat_bus_message_age_seconds_count')).toBe(1);
    expect(await sample(b, 'rgchat_bus_message_age_seconds_sum')).toBeCloseTo(0.25, 6);

    // A message stamped "in the future" (clock skew between hosts) counts as age 0, not negative.
    busB.bus.publish(message(clock.now() + 60_000));
    clock.advance(250);
    expect(await sample(a, 'rgchat_bus_message_age_seconds_sum')).toBe(0);
    expect(await sample(a, 'rgchat_bus_events_total', { direction: 'in' })).toBe(1);

    // Closing stops the counting subscription; the instance's own subscribers are its business.
    busB.close();
    busA.bus.publish({ kind: 'room_removed', roomId: 'gone' });
    clock.advance(250);
    expect(await sample(b, 'rgchat_bus_events_total', { direction: 'in' })).toBe(2);
  });
});
