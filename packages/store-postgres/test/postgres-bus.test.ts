import { Client } from 'pg';
import type { BusEvent, ChatStore, Log } from '@rgchat/chat-core';
import { createRecordingLog, describeBusContract, newMessage, recordBusEvents } from '@rgchat/testkit';
import { MAX_NOTIFY_PAYLOAD_BYTES, openPostgresBus, openPostgresStore } from '../src';
import { describePostgres, dropSchema, freshSchema, RUN_ID, urlFor, waitUntil } from './pg-test-env';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

const APP = `${RUN_ID}_bus`;
const url = urlFor(APP);
let channelCounter = 0;
/** A channel per test, so buses of other test runs on the same database never hear ours. */
const freshChannel = () => `${RUN_ID}_ch${++channelCounter}`;

const recordingLog = createRecordingLog;
const record = recordBusEvents;

describePostgres('postgres bus', () => {
  describeBusContract(
    'postgres',
    async () => {
      const channel = freshChannel();
      return {
        open: (instanceId) => openPostgresBus({ url, instanceId, channel }),
        destroy: async () => {},
      };
    },
    { crossInstance: true },
  );

  describe('beyond the contract', () => {
    let channel: string;
    let schema: string;
    let store: ChatStore | undefined;
    const toClose: { close(): Promise<void> }[] = [];
    const openBus = async (instanceId: string, extra: { log?: Log; store?: ChatStore; url?: string } = {}) => {
      const bus = await openPostgresBus({ url, instanceId, channel, connectTimeoutMs: 1000, statementTimeoutMs: 1000, ...extra });
      toClose.push(bus);
      return bus;
    };
    /** A raw LISTEN connection, to see the payloads themselves. */
    const rawListener = async () => {
      const c = new Client({ connectionString: urlFor(`${RUN_ID}_raw`) });
      c.on('error', () => undefined);
      await c.connect();
      await c.query(`LISTEN "${channel}"`);
      const payloads: string[] = [];
      c.on('notification', (n) => void payloads.push(n.payload ?? ''));
      toClose.push({ close: () => c.end() });
      return { client: c, payloads };
    };

    beforeEach(() => {
      channel = freshChannel();
      schema = freshSchema();
    });
    afterEach(async () => {
      for (const x of toClose.splice(0).reverse()) await x.close();
      await store?.close();
      store = undefined;
      await dropSchema(schema);
    });

    test('a message too big for NOTIFY travels as a reference and is read back from the store', async () => {
      store = await openPostgresStore({ url, schema, poolSize: 2 });
      const a = await openBus('a');
      const b = await openBus('b', { store });
      const raw = await rawListener();
      const gotB = record(b);
      await store.createRoom({ id: 'big', name: 'Big', createdAt: 1 });
      // 3000 four-byte characters: 12000 bytes of text alone.
      const text = '😀'.repeat(3000);
      const { message, room } = await store.appendMessage(newMessage('big', { text }));
      a.publish({ kind: 'message', message, room });
      await waitUntil('B to hear the big message', () => gotB.some((e) => e.kind === 'message'));
      expect(gotB.filter((e) => e.kind !== 'resync')).toEqual([{ kind: 'message', message, room }]);
      await waitUntil('the raw listener to see the payload', () => raw.payloads.length > 0);
      const payload = raw.payloads[0]!;
      expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_NOTIFY_PAYLOAD_BYTES);
      expect(JSON.parse(payload)).toMatchObject({ k: 'message-ref', seq: message.seq, id: message.id, room });
    });

    test('without a store, a reference becomes the room metadata plus a resync', async () => {
      const a = await openBus('a');
      const b = await openBus('b');
      const gotB = record(b);
      const room = { id: 'big', name: 'Big', createdAt: 1, messageCount: 1, lastMessageTs: 9 };
      const message = { ...newMessage('big', { text: '😀'.repeat(3000), ts: 9 }), seq: 1 };
      a.publish({ kind: 'message', message, room });
      await waitUntil('B to resync', () => gotB.some((e) => e.kind === 'resync'));
      expect(gotB).toEqual([{ kind: 'room', room }, { kind: 'resync' }]);
    });

    test('malformed notices from strangers on the channel are dropped', async () => {
      const { log, entries } = recordingLog();
      const a = await openBus('a');
      const b = await openBus('b', { log });
      const gotB = record(b);
      await (await rawListener()).client.query(
        `SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p`,
        [channel, ['not json', '{"i":"x","k":"message","message":{}}', '{"k":"room"}', '[]']],
      );
      a.publish({ kind: 'room', room: { id: 'fine', name: 'Fine', createdAt: 1, messageCount: 0, lastMessageTs: null } });
      await waitUntil('B to hear the valid notice', () => gotB.length > 0);
      expect(gotB).toEqual([{ kind: 'room', room: expect.objectContaining({ id: 'fine' }) }]);
      expect(entries.filter((e) => e.msg === 'bus ignored a malformed notice')).toHaveLength(4);
    });

    test('a throwing subscriber neither breaks publish nor other subscribers', async () => {
      const { log, entries } = recordingLog();
      const a = await openBus('a', { log });
      const b = await openBus('b', { log });
      a.subscribe(() => {
        throw new Error('boom');
      });
      b.subscribe(() => {
        throw new Error('boom');
      });
      const gotA = record(a);
      const gotB = record(b);
      const event: BusEvent = { kind: 'room', room: { id: 't', name: 'T', createdAt: 1, messageCount: 0, lastMessageTs: null } };
      expect(() => a.publish(event)).not.toThrow();
      expect(gotA).toEqual([event]);
      await waitUntil('B to hear it', () => gotB.length > 0);
      expect(entries.filter((e) => e.msg === 'bus subscriber threw')).toHaveLength(2);
    });

    test('an unreachable server makes open reject, leaving nothing running', async () => {
      const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
      await proxy.down();
      const started = Date.now();
      await expect(openPostgresBus({ url: `postgres://postgres@127.0.0.1:${proxy.port}/test`, instanceId: 'x', channel, connectTimeoutMs: 1000 })).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(5000);
      await proxy.close();
    });

    describe('through a proxy that can take the database away', () => {
      let proxy: TcpProxy;
      beforeEach(async () => {
        proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
      });
      afterEach(async () => {
        await proxy.close();
      });
      const proxiedUrl = () => urlFor(APP, `postgres://postgres@127.0.0.1:${proxy.port}/test`);

      test('a NOTIFY that fails is logged, never thrown, and the others are told to resync once it works again', async () => {
        const { log, entries } = recordingLog();
        const a = await openBus('a', { log, url: proxiedUrl() });
        const b = await openBus('b');
        const gotA = record(a);
        const gotB = record(b);
        await proxy.down();
        const lost: BusEvent = { kind: 'room', room: { id: 'lost', name: 'Lost', createdAt: 1, messageCount: 0, lastMessageTs: null } };
        expect(() => a.publish(lost)).not.toThrow();
        // Local delivery does not depend on the database.
        expect(gotA).toEqual([lost]);
        await waitUntil('the NOTIFY to be given up', () => entries.some((e) => e.msg.startsWith('bus NOTIFY gave up')));
        expect(entries.filter((e) => e.msg === 'bus NOTIFY failed').length).toBeGreaterThanOrEqual(2);
        await proxy.up();
        // A's LISTEN connection came back: its own subscribers re-read.
        await waitUntil('A to re-LISTEN and resync', () => gotA.some((e) => e.kind === 'resync'));
        const after: BusEvent = { kind: 'room', room: { id: 'after', name: 'After', createdAt: 1, messageCount: 0, lastMessageTs: null } };
        a.publish(after);
        await waitUntil('B to hear the next event', () => gotB.some((e) => e.kind === 'room' && e.room.id === 'after'));
        await waitUntil('B to be told to resync', () => gotB.some((e) => e.kind === 'resync'));
        // B never heard "lost", but it was told to re-read from the store.
        expect(gotB.filter((e) => e.kind === 'room').map((e) => (e.kind === 'room' ? e.room.id : ''))).toEqual(['after']);
        expect(gotB.filter((e) => e.kind === 'resync')).toHaveLength(1);
      });
    });
  });
});
