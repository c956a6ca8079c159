import { createChatServer, type Connection, type Transport, type TransportOptions } from '@rgchat/chat-core';
import { createRandomIds, createSystemClock } from '@rgchat/runtime-node';
import { describeCloseDrainContract } from './close-drain-contract';
import { describeEdgeContract } from './edge-contract';
import { createMemoryStore } from './memory-store';
import { enterRoom, freePort, messageWithText, roundTrip, say, startTransportHarness, waitUntil, type HarnessSetup, type TransportHarness } from './transport-harness';
import { connectClient, type TestClient } from './ws-test-client';

/**
 * The transport contract: every transport adapter runs it over real sockets
 * against a real chat server on the memory store. It only uses the Transport
 * port, core and a WebSocket client, never the server library's internals.
 */
export interface TransportContractOptions {
  /** The transport implements `Connection.pauseReading` (ws does; uWS cannot). Default false. */
  readonly pausesReading?: boolean;
}

export function describeTransportContract(name: string, create: (options: TransportOptions) => Transport, options: TransportContractOptions = {}): void {
  describe(`transport contract: ${name}`, () => {
    const harnesses: TransportHarness[] = [];
    const start = async (setup?: HarnessSetup): Promise<TransportHarness> => {
      const h = await startTransportHarness(create, setup);
      harnesses.push(h);
      return h;
    };
    afterEach(async () => {
      await Promise.all(harnesses.splice(0).map((h) => h.stop()));
    });

    describeEdgeContract(start);
    describeCloseDrainContract(start, options.pausesReading ?? false);

    test('hello is answered with welcome over a real socket', async () => {
      const h = await start();
      const c = await h.connect();
      c.send({ type: 'hello', profile: { name: 'alice', avatarId: 3 } });
      const welcome = await c.next('welcome');
      expect(welcome).toMatchObject({ protocol: 'rg-chat-v1', self: { name: 'alice', avatarId: 3 } });
      expect(h.chat.connectionCount).toBe(1);
    });

    test('a message reaches every member exactly once, sender included, with identical payloads', async () => {
      const h = await start();
      const clients = [await h.greet('alice'), await h.greet('bob'), await h.greet('carol')];
      const [alice] = clients as [TestClient];
      const roomId = await enterRoom(clients, 'Lobby');
      say(alice, roomId, 'first');
      say(alice, roomId, 'second');
      const firsts = await Promise.all(clients.map((c) => c.waitFor(messageWithText('first'))));
      await Promise.all(clients.map((c) => c.waitFor(messageWithText('second'))));
      const id = firsts[0]?.['message']?.id as string;
      expect(firsts.every((f) => f['message']?.id === id)).toBe(true);
      const raws = clients.map((c) => c.rawFrames.filter((raw) => raw.includes(id)));
      for (const r of raws) expect(r).toHaveLength(1);
      expect(new Set(raws.map((r) => r[0])).size).toBe(1);
    });

    test('a frame over maxPayloadBytes closes that socket with 1009; another client keeps working', async () => {
      const h = await start({ limits: { maxPayloadBytes: 4096 } });
      const big = await h.greet('alice');
      const other = await h.greet('bob');
      big.sendRaw(JSON.stringify({ type: 'ping', ts: 'x'.repeat(8192) }));
      expect((await big.closed).code).toBe(1009);
      await roundTrip(other, 'still-here');
      await waitUntil(() => h.chat.connectionCount === 1, 'the oversize sender is gone');
      // At the limit is still fine.
      const edge = await h.greet('carol');
      const pad = 'y'.repeat(4096 - JSON.stringify({ type: 'ping', ts: 'edge', pad: '' }).length);
      const atLimit = JSON.stringify({ type: 'ping', ts: 'edge', pad });
      expect(Buffer.byteLength(atLimit)).toBe(4096);
      edge.sendRaw(atLimit);
      await edge.waitFor((f) => f['type'] === 'pong' && f['ts'] === 'edge');
    });

    test('a binary frame gets an error frame and the connection stays open', async () => {
      const h = await start();
      const c = await h.greet('alice');
      c.sendRaw(Buffer.from(JSON.stringify({ type: 'ping', ts: 1 })));
      const error = await c.next('error');
      expect(error).toMatchObject({ type: 'error', requestType: null });
      await roundTrip(c, 'after-binary');
      expect(c.isClosed).toBe(false);
    });

    test('a frame starting with a UTF-8 BOM is not JSON on any transport (BAD_JSON); the connection stays', async () => {
      const h = await start();
      const c = await h.connect();
      c.sendRaw(`\uFEFF${JSON.stringify({ type: 'hello', profile: { name: 'bom', avatarId: 1 } })}`);
      expect(await c.next('error')).toMatchObject({ code: 'BAD_JSON' });
      await roundTrip(c, 'after-bom');
    });

    test('a peer that does not answer protocol pings is dropped; a live one stays', async () => {
      // Short enough for a quick test, long enough that a busy test machine does not starve the live peer's pong.
      const h = await start({ limits: { heartbeatMs: 500 } });
      const dead = await h.greet('dead', { autoPong: false });
      const live = await h.greet('live');
      await dead.closed;
      await waitUntil(() => h.chat.connectionCount === 1, 'only the live peer remains');
      const pingsAtDrop = live.pings;
      await waitUntil(() => live.pings >= pingsAtDrop + 2, 'two more heartbeats reach the live peer');
      expect(live.isClosed).toBe(false);
      await roundTrip(live, 'alive');
    });

    test('a reader that stops reading is closed once over its send budget; other members get everything', async () => {
      const h = await start({
        limits: {
          sendBudgetBytes: 64 * 1024,
          maxMessageLength: 2000,
          rateLimitPerSec: 1_000_000,
          rateLimitBurst: 1_000_000,
          // Every client here is 127.0.0.1: the per-address bucket would otherwise be the limit under test.
          rateLimitPerIpPerSec: 1_000_000,
          rateLimitPerIpBurst: 1_000_000,
          maxPendingRequests: 1000,
        },
      });
      const sender = await h.greet('sender');
      const reader = await h.greet('reader');
      const slow = await h.greet('slow');
      const roomId = await enterRoom([sender, reader, slow], 'Flood');
      slow.pauseReading();
      // Small bursts: one tick's output to the fast reader stays well under its budget.
      const filler = 'z'.repeat(1900);
      const windowSize = 8;
      // Kernel buffers on loopback can take several MiB before the server's own queue grows.
      const maxMessages = 40_000;
      let sent = 0;
      while (h.chat.connectionCount === 3) {
        if (sent >= maxMessages) throw new Error(`slow reader still connected after ${sent} messages`);
        for (let i = 0; i < windowSize; i++) say(sender, roomId, `${sent++} ${filler}`);
        await sender.waitFor(messageWithText(`${sent - 1} ${filler}`), 20_000);
      }
      // Sent after the drop: the slow reader can never see these.
      for (let i = 0; i < windowSize; i++) say(sender, roomId, `${sent++} ${filler}`);
      await reader.waitFor(messageWithText(`${sent - 1} ${filler}`), 20_000);
      const received = reader.frames.filter((f) => f['type'] === 'message').map((f) => Number(String(f['message'].text).split(' ', 1)[0]));
      expect(received).toEqual(Array.from({ length: sent }, (_, i) => i));
      slow.resumeReading();
      await slow.closed;
      expect(slow.frames.filter((f) => f['type'] === 'message').length).toBeLessThan(sent);
      expect(reader.isClosed).toBe(false);
    });

    test('a port another server already listens on is refused, and that server keeps its clients', async () => {
      // A fixed port: the kernel lets a second SO_REUSEPORT socket join a
      // port that was chosen by number, not one it assigned for port 0.
      const h = await start({ port: await freePort() });
      const c = await h.greet('alice');
      const second = create({ host: '127.0.0.1', port: h.running.port, log: () => {} });
      const chat = createChatServer({ store: createMemoryStore(), clock: createSystemClock(), ids: createRandomIds() });
      await chat.start();
      try {
        // Both would accept and split the clients between two servers (uWS
        // listens with SO_REUSEPORT unless told otherwise).
        const outcome = await second.start(chat).then(
          async (running) => {
            await running.close();
            return 'second server started';
          },
          (e: Error) => e.message,
        );
        expect(outcome).toContain(String(h.running.port));
      } finally {
        chat.close();
      }
      for (let i = 0; i < 5; i++) await h.greet(`late${i}`);
      await roundTrip(c, 'still-served');
      expect(h.chat.connectionCount).toBe(6);
    });

    test(`the Connection ${options.pausesReading ? 'offers' : 'does not offer'} pauseReading/resumeReading`, async () => {
      const h = await start();
      await h.greet('alice');
      expect(typeof h.connections[0]?.pauseReading).toBe(options.pausesReading ? 'function' : 'undefined');
      expect(typeof h.connections[0]?.resumeReading).toBe(options.pausesReading ? 'function' : 'undefined');
    });

    if (options.pausesReading) {
      test('a paused connection delivers no frame until resumed, and the backpressure reaches the client', async () => {
        const h = await start({ limits: { rateLimitPerSec: 1_000_000, rateLimitBurst: 1_000_000, rateLimitPerIpPerSec: 1_000_000, rateLimitPerIpBurst: 1_000_000, maxPendingRequests: 10_000 } });
        const c = await h.greet('alice');
        const connection = h.connections[0] as Connection;
        connection.pauseReading?.();
        const before = h.inboundFrames;
        const pad = 'p'.repeat(60_000);
        let sent = 0;
        // Until the kernel buffers on both ends are full and the client's own queue grows: proof the server stopped reading.
        while (c.bufferedAmount < 1024 * 1024) {
          if (sent >= 2000) throw new Error(`client queue still empty after ${sent} frames`);
          for (let i = 0; i < 16; i++) c.send({ type: 'ping', ts: String(sent++), pad });
          await new Promise((r) => setTimeout(r, 20));
        }
        expect(h.inboundFrames).toBe(before);
        expect(c.frames.filter((f) => f['type'] === 'pong')).toEqual([]);
        connection.resumeReading?.();
        await c.waitFor((f) => f['type'] === 'pong' && f['ts'] === String(sent - 1), 30_000);
        expect(h.inboundFrames).toBe(before + sent);
        const pongs = c.frames.filter((f) => f['type'] === 'pong').map((f) => Number(f['ts']));
        expect(pongs).toEqual(Array.from({ length: sent }, (_, i) => i));
      });
    }

    test('connectionCount drops back after clients disconnect', async () => {
      const h = await start();
      const a = await h.greet('alice');
      const b = await h.greet('bob');
      expect(h.chat.connectionCount).toBe(2);
      a.close(1000, 'bye');
      await a.closed;
      await waitUntil(() => h.chat.connectionCount === 1, 'a clean close is reported');
      b.terminate();
      await waitUntil(() => h.chat.connectionCount === 0, 'a dropped connection is reported');
    });

    test('running.close() stops new connections and leaves open ones to core', async () => {
      const h = await start();
      const c = await h.greet('alice');
      await h.running.close();
      await h.running.close(); // idempotent
      await expect(connectClient(h.url)).rejects.toThrow();
      await roundTrip(c, 'after-transport-close');
      expect(h.chat.connectionCount).toBe(1);
    });

    test.each([
      [1001, 'server shutting down'],
      [1012, 'server restarting'],
    ])('chat.close(%i) closes every client with that code', async (code, reason) => {
      const h = await start();
      const clients = [await h.greet('alice'), await h.greet('bob')];
      h.chat.close(code, reason);
      for (const c of clients) expect(await c.closed).toEqual({ code, reason });
      expect(h.chat.connectionCount).toBe(0);
    });

    test('a socket that sends no hello within helloTimeoutMs is closed with 1008', async () => {
      const h = await start({ limits: { helloTimeoutMs: 300 } });
      const silent = await h.connect();
      const greeted = await h.greet('alice');
      expect(await silent.closed).toEqual({ code: 1008, reason: 'hello timeout' });
      await roundTrip(greeted, 'greeted-stays');
    });
  });
}
