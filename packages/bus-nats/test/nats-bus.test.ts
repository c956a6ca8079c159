import { connect, type NatsConnection } from 'nats';
import type { BusEvent, Log, RoomRecord } from '@rgchat/chat-core';
import { createRecordingLog, describeBusContract, recordBusEvents, waitUntil } from '@rgchat/testkit';
import { startTcpProxy, type TcpProxy } from '../../store-postgres/test/tcp-proxy';
import { openNatsBus, type NatsBus } from '../src';
import { describeNats, freshSubject, NATS_TEST_URL } from './nats-test-env';

const recordingLog = createRecordingLog;
const record = recordBusEvents;

const room = (id: string): RoomRecord => ({ id, name: `Room ${id}`, createdAt: 1, messageCount: 0, lastMessageTs: null });
const roomEvent = (id: string): BusEvent => ({ kind: 'room', room: room(id) });
const heard = (got: readonly BusEvent[], id: string) => got.filter((e) => e.kind === 'room' && e.room.id === id).length;
const resyncs = (got: readonly BusEvent[]) => got.filter((e) => e.kind === 'resync').length;

describeNats('nats bus', () => {
  describeBusContract(
    'nats',
    async () => {
      const subject = freshSubject();
      return {
        open: (instanceId) => openNatsBus({ url: NATS_TEST_URL, instanceId, subject }),
        destroy: async () => {},
      };
    },
    { crossInstance: true },
  );

  describe('beyond the contract', () => {
    let subject: string;
    const toClose: { close(): Promise<unknown> }[] = [];
    const openBus = async (instanceId: string, extra: { log?: Log; url?: string; pingIntervalMs?: number } = {}): Promise<NatsBus> => {
      const bus = await openNatsBus({ url: NATS_TEST_URL, instanceId, subject, connectTimeoutMs: 2000, ...extra });
      toClose.push(bus);
      return bus;
    };
    /** A plain client on the subject, to write what no bus would. */
    const rawClient = async (): Promise<NatsConnection> => {
      const nc = await connect({ servers: NATS_TEST_URL });
      toClose.push(nc);
      return nc;
    };
    const proxyToNats = async (): Promise<TcpProxy> => {
      const { hostname, port } = new URL(NATS_TEST_URL);
      const proxy = await startTcpProxy({ host: hostname, port: Number(port || 4222) });
      toClose.push(proxy);
      return proxy;
    };

    beforeEach(() => {
      subject = freshSubject();
    });
    afterEach(async () => {
      for (const x of toClose.splice(0).reverse()) await x.close();
    });

    test('an outage of NATS costs events and a resync, never the process; both directions work again once it is back', async () => {
      const proxy = await proxyToNats();
      const { log, entries } = recordingLog();
      const a = await openBus('inst_a', { log, url: `nats://127.0.0.1:${proxy.port}` });
      const b = await openBus('inst_b');
      const gotA = record(a);
      const gotB = record(b);
      a.publish(roomEvent('before'));
      await waitUntil(() => heard(gotB, 'before') === 1, 'B to hear A before the outage', 10_000);

      await proxy.down();
      await waitUntil(() => entries.some((e) => e.msg.includes('lost its NATS connection')), 'A to notice the loss', 10_000);
      // Publishing while away neither throws nor waits; local subscribers still hear it at once.
      for (let i = 0; i < 50; i++) a.publish(roomEvent(`during_${i}`));
      expect(heard(gotA, 'during_0')).toBe(1);
      expect(entries.some((e) => e.level === 'warn' && e.msg.includes('dropping events'))).toBe(true);
      b.publish(roomEvent('missed_by_a'));

      await proxy.up();
      await waitUntil(() => resyncs(gotA) >= 1, 'A to resync once NATS is back', 15_000);
      // A was away: B is told to re-read what A may have published meanwhile.
      await waitUntil(() => resyncs(gotB) >= 1, 'B to resync on A\'s return', 10_000);
      expect(entries.some((e) => e.msg === 'bus reconnected to NATS')).toBe(true);

      a.publish(roomEvent('after_a'));
      b.publish(roomEvent('after_b'));
      await waitUntil(() => heard(gotB, 'after_a') === 1 && heard(gotA, 'after_b') === 1, 'both directions after the outage', 10_000);
      // What was dropped stays dropped (the store repairs it); nothing arrives twice.
      expect(heard(gotB, 'during_0')).toBe(0);
      expect(heard(gotA, 'missed_by_a')).toBe(0);
      expect(heard(gotB, 'before')).toBe(1);
    }, 60_000);

    test('a connection that goes silent without closing is noticed by pings, replaced, and followed by a resync', async () => {
      const proxy = await proxyToNats();
      const { log, entries } = recordingLog();
      const a = await openBus('inst_a', { log, url: `nats://127.0.0.1:${proxy.port}`, pingIntervalMs: 200 });
      const b = await openBus('inst_b');
      const gotA = record(a);
      const gotB = record(b);
      a.publish(roomEvent('before'));
      await waitUntil(() => heard(gotB, 'before') === 1, 'B to hear A', 10_000);
      // Sockets stay open but nothing passes: a hung server or a dead network path.
      proxy.blackhole();
      await waitUntil(() => entries.some((e) => e.msg.includes('went silent')), 'A to call the connection stale', 10_000);
      await proxy.up();
      await waitUntil(() => resyncs(gotA) >= 1, 'A to reconnect and resync', 15_000);
      b.publish(roomEvent('after'));
      await waitUntil(() => heard(gotA, 'after') === 1, 'A to hear B again', 10_000);
    }, 30_000);

    test('the first connect failing rejects (startup stops rather than running deaf)', async () => {
      const proxy = await proxyToNats();
      const port = proxy.port;
      await proxy.down();
      await expect(openNatsBus({ url: `nats://u:pw0rd@127.0.0.1:${port}`, instanceId: 'inst_x', subject, connectTimeoutMs: 1000 })).rejects.toThrow(
        new RegExp(`^NATS bus could not connect to nats://127\\.0\\.0\\.1:${port}: `),
      );
    });

    test('a payload that is not one of ours is dropped with a warning, and the bus goes on', async () => {
      const { log, entries } = recordingLog();
      const a = await openBus('inst_a', { log });
      const gotA = record(a);
      const raw = await rawClient();
      const enc = new TextEncoder();
      for (const junk of ['not json', '{"i":"x","k":"message"}', '[]', '{"k":"room","room":{}}']) raw.publish(subject, enc.encode(junk));
      raw.publish(subject, enc.encode(JSON.stringify({ i: 'inst_raw', k: 'room', room: room('fine') })));
      await raw.flush();
      await waitUntil(() => heard(gotA, 'fine') === 1, 'A to hear the well-formed event', 10_000);
      expect(gotA.filter((e) => e.kind !== 'room')).toEqual([]);
      expect(entries.filter((e) => e.msg === 'bus ignored a malformed event')).toHaveLength(4);
    });

    test('a subscriber that throws does not starve the others', async () => {
      const { log, entries } = recordingLog();
      const a = await openBus('inst_a');
      const b = await openBus('inst_b', { log });
      b.subscribe(() => {
        throw new Error('boom');
      });
      const gotB = record(b);
      a.publish(roomEvent('one'));
      a.publish(roomEvent('two'));
      await waitUntil(() => heard(gotB, 'two') === 1, 'B to hear both', 10_000);
      expect(heard(gotB, 'one')).toBe(1);
      expect(entries.filter((e) => e.msg === 'bus subscriber threw').length).toBeGreaterThanOrEqual(2);
    });

    test('credentials in the URL are used, and refused ones fail the first connect without echoing them', async () => {
      // The test server has no auth: a token is accepted and ignored, so the connect succeeds.
      const u = new URL(NATS_TEST_URL);
      const a = await openBus('inst_a', { url: `nats://sometoken@${u.host}` });
      const b = await openBus('inst_b');
      const gotB = record(b);
      a.publish(roomEvent('with_token'));
      await waitUntil(() => heard(gotB, 'with_token') === 1, 'B to hear A', 10_000);
      await expect(openNatsBus({ url: 'http://secret@127.0.0.1:4222', instanceId: 'i', subject })).rejects.toThrow(/^(?!.*secret).*nats:\/\//);
    });
  });
});
