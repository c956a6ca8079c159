import type { AppendResult, BusEvent, ChatStore } from '@rgchat/chat-core';
import { createRecordingLog, newMessage, recordBusEvents } from '@rgchat/testkit';
import { openPostgresBus, openPostgresStore } from '../src';
import { countBackends, describePostgres, dropSchema, freshSchema, killBackends, openAdmin, RUN_ID, settleTimed, urlFor, waitUntil } from './pg-test-env';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

const APP = `${RUN_ID}_outage`;
/** Short timeouts, so "bounded" is a few seconds here. */
const TIMEOUTS = { connectTimeoutMs: 1000, statementTimeoutMs: 1000 } as const;
/** Longest any call may take while the database is away: connect + query timeout, plus slack for a loaded machine. */
const MAX_CALL_MS = 6000;

const recordingLog = createRecordingLog;
const record = recordBusEvents;
const roomEvent = (id: string): BusEvent => ({ kind: 'room', room: { id, name: id, createdAt: 1, messageCount: 0, lastMessageTs: null } });
const heard = (got: BusEvent[], id: string) => got.some((e) => e.kind === 'room' && e.room.id === id);

describePostgres('postgres outages', () => {
  let schema: string;
  let channel: string;
  let n = 0;
  const toClose: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(x: T): T => {
    toClose.push(x);
    return x;
  };

  beforeEach(() => {
    schema = freshSchema();
    channel = `${RUN_ID}_outage_${++n}`;
  });
  afterEach(async () => {
    for (const x of toClose.splice(0).reverse()) await x.close();
    await dropSchema(schema);
  });

  /** Every stored seq of the room is 1..messageCount, and every acknowledged append is stored as acknowledged. */
  async function expectConsistent(store: ChatStore, roomId: string, acked: AppendResult[]): Promise<void> {
    const room = await store.getRoom(roomId);
    const stored = await store.messagesAfter(roomId, 0, 100_000);
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: room!.messageCount }, (_, i) => i + 1));
    const bySeq = new Map(stored.map((m) => [m.seq, m]));
    for (const r of acked) expect(bySeq.get(r.message.seq)).toEqual(r.message);
  }

  test('backends killed mid-traffic: calls settle, nothing crashes, store and LISTEN recover by themselves', async () => {
    const url = urlFor(APP);
    const { log, entries } = recordingLog();
    // Long enough that appends are still waiting on the lock below when the kill lands.
    const store = track(await openPostgresStore({ url, schema, poolSize: 4, log, connectTimeoutMs: 1000, statementTimeoutMs: 3000 }));
    const a = track(await openPostgresBus({ url, instanceId: 'a', channel, store, log, ...TIMEOUTS }));
    const b = track(await openPostgresBus({ url, instanceId: 'b', channel, store, log, ...TIMEOUTS }));
    const gotA = record(a);
    const gotB = record(b);
    await store.createRoom({ id: 'live', name: 'Live', createdAt: 1 });

    const acked: AppendResult[] = [];
    const outcomes: { ok: boolean; ms: number }[] = [];
    let running = true;
    const traffic = (async () => {
      let i = 0;
      while (running) {
        const round = await Promise.all(
          Array.from({ length: 5 }, () => settleTimed(store.appendMessage(newMessage('live', { text: `t${++i}` })))),
        );
        for (const r of round) {
          outcomes.push(r);
          if (r.ok && r.value) {
            acked.push(r.value);
            a.publish({ kind: 'message', message: r.value.message, room: r.value.room });
          }
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    await waitUntil('traffic to flow', () => acked.length >= 20);
    // Hold the room's row lock so appends are mid-statement when their backends die.
    const admin = await openAdmin();
    await admin.query('BEGIN');
    await admin.query(`SELECT 1 FROM "${schema}".rooms WHERE id = 'live' FOR UPDATE`);
    await waitUntil('an append to wait on the lock', async () => (await countBackends(APP, true)) > 0);
    const killed = await killBackends(APP);
    await admin.query('ROLLBACK');
    await admin.end();
    // The store's pool, two LISTEN connections and at least one NOTIFY connection.
    expect(killed).toBeGreaterThanOrEqual(4);
    const ackedAtKill = acked.length;
    await waitUntil('appends to succeed again', () => acked.length >= ackedAtKill + 20);
    running = false;
    await traffic;

    // The appends that were waiting failed; none hung.
    expect(outcomes.filter((o) => !o.ok).length).toBeGreaterThan(0);
    for (const o of outcomes) expect(o.ms).toBeLessThan(MAX_CALL_MS + 2000);
    // Both buses lost LISTEN, came back on their own and told core to re-read.
    await waitUntil('both buses to resync', () => gotA.some((e) => e.kind === 'resync') && gotB.some((e) => e.kind === 'resync'));
    a.publish(roomEvent('after_kill_a'));
    b.publish(roomEvent('after_kill_b'));
    await waitUntil('events to flow both ways again', () => heard(gotB, 'after_kill_a') && heard(gotA, 'after_kill_b'));
    await expect(store.check()).resolves.toBeUndefined();
    await expectConsistent(store, 'live', acked);
    expect(entries.some((e) => e.msg === 'bus LISTEN re-established')).toBe(true);
  });

  describe('through a proxy that takes the database away', () => {
    let proxy: TcpProxy;
    beforeEach(async () => {
      proxy = track(await startTcpProxy({ host: '127.0.0.1', port: 5432 }));
    });

    /** Runs the calls a chat server makes and returns how each settled. */
    const probeCalls = (store: ChatStore) =>
      Promise.all([
        settleTimed(store.appendMessage(newMessage('r'))),
        settleTimed(store.recentMessages('r', 500)),
        settleTimed(store.messagesAfter('r', 0, 500)),
        settleTimed(store.listRooms()),
        settleTimed(store.getRoom('r')),
        settleTimed(store.createRoom({ id: `new_${Date.now()}`, name: 'New', createdAt: 1 })),
        settleTimed(store.check()),
      ]);

    async function expectRecovery(store: ChatStore, acked: AppendResult[]): Promise<void> {
      await waitUntil('the store to serve again', async () => {
        const r = await settleTimed(store.appendMessage(newMessage('r')));
        if (r.ok && r.value) acked.push(r.value);
        return r.ok;
      });
      await expect(store.check()).resolves.toBeUndefined();
    }

    test('refused, then hung, then back: every call rejects in bounded time and everything recovers', async () => {
      const proxied = urlFor(APP, `postgres://postgres@127.0.0.1:${proxy.port}/test`);
      const store = track(await openPostgresStore({ url: proxied, schema, poolSize: 3, ...TIMEOUTS }));
      const a = track(await openPostgresBus({ url: proxied, instanceId: 'a', channel, store, ...TIMEOUTS }));
      const b = track(await openPostgresBus({ url: urlFor(APP), instanceId: 'b', channel, store, ...TIMEOUTS }));
      const gotA = record(a);
      const gotB = record(b);
      await store.createRoom({ id: 'r', name: 'R', createdAt: 1 });
      const acked = [await store.appendMessage(newMessage('r'))];

      // A stopped server: connections cut, new ones refused.
      await proxy.down();
      for (const r of await probeCalls(store)) {
        expect(r.ok).toBe(false);
        expect(r.ms).toBeLessThan(MAX_CALL_MS);
      }
      expect(() => a.publish(roomEvent('during_down'))).not.toThrow();
      await proxy.up();
      await expectRecovery(store, acked);
      await waitUntil('A to re-LISTEN and resync', () => gotA.some((e) => e.kind === 'resync'));

      // A hung server: sockets accepted and kept open, nothing ever answered.
      const resyncsBefore = gotA.filter((e) => e.kind === 'resync').length;
      proxy.blackhole();
      for (const r of await probeCalls(store)) {
        expect(r.ok).toBe(false);
        expect(r.ms).toBeLessThan(MAX_CALL_MS);
      }
      await proxy.up();
      await expectRecovery(store, acked);
      await waitUntil('A to re-LISTEN again', () => gotA.filter((e) => e.kind === 'resync').length > resyncsBefore);

      a.publish(roomEvent('back_a'));
      b.publish(roomEvent('back_b'));
      await waitUntil('events to flow both ways', () => heard(gotB, 'back_a') && heard(gotA, 'back_b'));
      await expectConsistent(store, 'r', acked);
    });
  });
});
