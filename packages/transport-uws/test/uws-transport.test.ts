import { readdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createLimits, OVERSIZE_SLACK_BYTES } from '@rgchat/chat-core';
import { describeMemoryBoundsContract, describeTransportContract, rawExchange, startTransportHarness, waitUntil, type TransportHarness } from '@rgchat/testkit';
import { createUwsTransport, idleTimeoutSeconds, loadUws, nativeUwsPath, uwsLimits, UwsLoadError } from '../src';

describeTransportContract('uws', createUwsTransport);
describeMemoryBoundsContract('uws', createUwsTransport, { countsFragments: false });

describe('loading the native addon', () => {
  test('loads the binary for this Node, not the JS fallback, even when UWS_USE_FALLBACK asks for it', () => {
    const before = process.env['UWS_USE_FALLBACK'];
    process.env['UWS_USE_FALLBACK'] = '1';
    try {
      const { uws, binaryPath } = loadUws();
      expect(basename(binaryPath)).toBe(`uws_${process.platform}_${process.arch}_${process.versions.modules}.node`);
      expect(typeof (uws as unknown as Record<string, unknown>)['getParts']).toBe('function');
    } finally {
      if (before === undefined) delete process.env['UWS_USE_FALLBACK'];
      else process.env['UWS_USE_FALLBACK'] = before;
    }
  });

  test('a missing binary is refused with a message naming the runtime, never the fallback', () => {
    const missing = join(tmpdir(), 'rgchat-no-such-dir', 'uws_none.node');
    expect(() => loadUws(missing)).toThrow(UwsLoadError);
    expect(() => loadUws(missing)).toThrow(/no native binary for Node v\d+.*ABI \d+.*refusing its JS fallback/);
  });

  test('a binary built for another Node ABI is refused, never the fallback', () => {
    // The package ships binaries for several ABIs; any other than ours must not load.
    const dir = dirname(nativeUwsPath());
    const prefix = `uws_${process.platform}_${process.arch}_`;
    const other = readdirSync(dir).find((f) => f.startsWith(prefix) && f !== basename(nativeUwsPath()));
    expect(other).toBeDefined();
    expect(() => loadUws(join(dir, other as string))).toThrow(/failed to load on Node .*refusing its JS fallback/);
  });

  test('a file that is no addon at all is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rgchat-uws-'));
    try {
      const bogus = join(dir, 'uws_bogus.node');
      writeFileSync(bogus, 'not an ELF file');
      expect(() => loadUws(bogus)).toThrow(UwsLoadError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('uws limits come from core limits', () => {
  test('payload, send budget, pings and idle timeout map onto the uWS behaviour', () => {
    const limits = createLimits({ maxPayloadBytes: 4096, sendBudgetBytes: 128 * 1024, heartbeatMs: 30_000 });
    expect(uwsLimits(limits)).toMatchObject({
      maxPayloadLength: 4096 + OVERSIZE_SLACK_BYTES,
      maxBackpressure: 128 * 1024,
      closeOnBackpressureLimit: 1,
      sendPingsAutomatically: false,
      idleTimeout: 64,
    });
  });

  test('a fragmented message is bounded by bytes (maxPayloadLength), not by a fragment count uWS does not expose', () => {
    const limits = createLimits({ maxPayloadBytes: 4096, maxFragmentsPerMessage: 8 });
    expect(uwsLimits(limits).maxPayloadLength).toBe(4096 + OVERSIZE_SLACK_BYTES);
    expect(uwsLimits(limits)).not.toHaveProperty('maxFragments');
  });

  test('the idle timeout stays within what uWS accepts and never undercuts the heartbeat', () => {
    expect(idleTimeoutSeconds(100)).toBe(8);
    expect(idleTimeoutSeconds(500)).toBe(8);
    expect(idleTimeoutSeconds(30_000)).toBe(64);
    expect(idleTimeoutSeconds(478_000)).toBe(960);
    // Beyond uWS's 960 s maximum the heartbeat alone decides.
    expect(idleTimeoutSeconds(3_600_000)).toBe(0);
  });
});

describe('uws transport specifics', () => {
  let h: TransportHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  test('a frame beyond the limit plus slack is dropped by uWS without a close frame; others keep working', async () => {
    h = await startTransportHarness(createUwsTransport, { limits: { maxPayloadBytes: 4096 } });
    const huge = await h.greet('huge');
    const other = await h.greet('other');
    huge.sendRaw(JSON.stringify({ type: 'ping', ts: 'x'.repeat(4096 + OVERSIZE_SLACK_BYTES) }));
    expect((await huge.closed).code).toBe(1006);
    await waitUntil(() => h?.chat.connectionCount === 1, 'the huge sender is gone');
    other.send({ type: 'ping', ts: 'still-here' });
    await other.waitFor((f) => f['type'] === 'pong' && f['ts'] === 'still-here');
  });

  test('an unparsable HTTP request is dropped by uWS (ws answers 400) and the server keeps serving', async () => {
    h = await startTransportHarness(createUwsTransport);
    expect(await rawExchange(h.running.port, 'NOT HTTP AT ALL\r\n\r\n')).toBe('');
    const c = await h.greet('alice');
    c.send({ type: 'ping', ts: 'ok' });
    await c.next('pong');
  });
});
