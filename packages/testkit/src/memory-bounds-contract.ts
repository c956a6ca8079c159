import { OVERSIZE_SLACK_BYTES, type Connection, type Transport, type TransportOptions } from '@rgchat/chat-core';
import { maskedFrame, oneByteContinuations, Opcode, openRawWebSocket, type RawWebSocket } from './raw-websocket';
import { startTransportHarness, waitUntil, type HarnessSetup, type TransportHarness } from './transport-harness';
import type { TestClient } from './ws-test-client';

export interface MemoryBoundsOptions {
  /**
   * The library counts fragments and closes with 1008 past
   * `maxFragmentsPerMessage` (ws). uWS cannot: it appends fragments to one
   * byte buffer capped at `maxPayloadBytes` plus slack and drops the socket
   * (no close frame) past that, so there the cost is bytes, not pieces.
   */
  readonly countsFragments: boolean;
}

/** `text` cut into `count` text/continuation frames, the last one final. */
function fragments(text: string, count: number): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const size = Math.ceil(bytes.length / count);
  const frames = Array.from({ length: count }, (_, i) =>
    maskedFrame(i === 0 ? Opcode.TEXT : Opcode.CONTINUATION, i === count - 1, bytes.subarray(i * size, (i + 1) * size)),
  );
  return Buffer.concat(frames);
}

const pingFrame = (ts: string, padBytes = 0): string => JSON.stringify({ type: 'ping', ts, pad: 'p'.repeat(padBytes) });
const ponged = (raw: RawWebSocket, ts: string): boolean => raw.messages.some((m) => m.includes('"pong"') && m.includes(`"${ts}"`));

async function roundTrip(client: TestClient, ts: string): Promise<void> {
  client.send({ type: 'ping', ts });
  await client.waitFor((f) => f['type'] === 'pong' && f['ts'] === ts);
}

/**
 * Issue #10, item 1: what one connection can make the server hold stays
 * bounded whatever it sends. Raw sockets write the frames by hand, since no
 * library client floods fragments. Runs against every transport, beside
 * `describeTransportContract`.
 */
export function describeMemoryBoundsContract(name: string, create: (options: TransportOptions) => Transport, options: MemoryBoundsOptions): void {
  describe(`memory bounds per connection: ${name}`, () => {
    const harnesses: TransportHarness[] = [];
    const raws: RawWebSocket[] = [];
    const start = async (setup?: HarnessSetup): Promise<TransportHarness> => {
      const h = await startTransportHarness(create, setup);
      harnesses.push(h);
      return h;
    };
    const open = async (h: TransportHarness): Promise<RawWebSocket> => {
      const raw = await openRawWebSocket(h.running.port);
      raws.push(raw);
      return raw;
    };
    afterEach(async () => {
      for (const raw of raws.splice(0)) raw.destroy();
      await Promise.all(harnesses.splice(0).map((h) => h.stop()));
    });

    test('a message sent in a few fragments is reassembled and answered', async () => {
      const h = await start();
      const raw = await open(h);
      raw.write(fragments(pingFrame('in-pieces', 100), 8));
      await waitUntil(() => ponged(raw, 'in-pieces'), 'the fragmented ping is answered');
    });

    test('a flood of one-byte fragments that never ends is closed once past the bound; an honest client is still served', async () => {
      const maxPayloadBytes = 4096;
      const h = await start({ limits: { maxPayloadBytes } });
      const honest = await h.greet('honest');
      const flood = await open(h);
      flood.write(maskedFrame(Opcode.TEXT, false, '{'));
      // Past every bound: ws's fragment count, and uWS's byte cap (the limit plus slack).
      const total = maxPayloadBytes + OVERSIZE_SLACK_BYTES + 8192;
      let sent = 0;
      while (sent < total && !flood.isClosed) {
        const batch = Math.min(8192, total - sent);
        flood.write(oneByteContinuations(batch));
        sent += batch;
        await new Promise((r) => setImmediate(r));
      }
      const { code } = await flood.closed;
      expect(code).toBe(options.countsFragments ? 1008 : undefined);
      await waitUntil(() => h.chat.connectionCount === 1, 'the flooding socket is gone');
      await roundTrip(honest, 'still-served');
    });

    if (options.countsFragments) {
      test('maxFragmentsPerMessage fragments make a message; one more closes with 1008', async () => {
        const h = await start({ limits: { maxFragmentsPerMessage: 8 } });
        const atLimit = await open(h);
        atLimit.write(fragments(pingFrame('eight', 64), 8));
        await waitUntil(() => ponged(atLimit, 'eight'), 'eight fragments are answered');
        const over = await open(h);
        over.write(fragments(pingFrame('nine', 64), 9));
        expect(await over.closed).toEqual({ code: 1008 });
        expect(ponged(over, 'nine')).toBe(false);
      });
    } else {
      test('fragments are not counted but their bytes are: thousands of one-byte fragments under the byte cap make a message', async () => {
        const h = await start({ limits: { maxFragmentsPerMessage: 8 } });
        const raw = await open(h);
        const text = pingFrame('many', 10_000);
        raw.write(fragments(text, Buffer.byteLength(text)));
        await waitUntil(() => ponged(raw, 'many'), 'a message of one-byte fragments is answered');
      });
    }

    test('the send budget holds as bytes are queued: a stalled reader is dropped within one burst, holding at most budget + one frame', async () => {
      const sendBudgetBytes = 256 * 1024;
      const h = await start({ limits: { sendBudgetBytes } });
      const stalled = await h.greet('stalled');
      const honest = await h.greet('honest');
      stalled.pauseReading();
      const frame = pingFrame('big', 128 * 1024).replace('"ping"', '"pong"');
      const frameBytes = Buffer.byteLength(frame) + 10;
      const connection = h.connections[0] as Connection;
      // 32 MiB in one synchronous burst, as a room-list storm once queued 37.6 MiB in one tick (issue #10).
      for (let i = 0; i < 256; i++) connection.send(frame);
      const drops = h.logs.filter((l) => l.msg === 'slow reader over send budget; dropping');
      expect(drops).toHaveLength(1);
      expect(drops[0]?.fields?.['bufferedBytes']).toBeLessThanOrEqual(sendBudgetBytes + frameBytes);
      // A paused client socket does not notice the reset until it reads again.
      stalled.resumeReading();
      await stalled.closed;
      await waitUntil(() => h.chat.connectionCount === 1, 'the stalled reader is gone');
      await roundTrip(honest, 'after-the-burst');
    });
  });
}
