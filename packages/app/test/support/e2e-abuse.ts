import { join } from 'node:path';
import { expectUpgradeStatus, httpGet, waitUntil } from '@rgchat/testkit';
import { startAppProcess, type ListeningApp } from './app-process';
import { greet, openClient, roundTrip, within } from './chat-client';
import type { EndToEndContext } from './end-to-end-context';

/** Issue #10, abuse costs the abuser: one server with the default limits, attacked over real sockets. */
export function describeAbuseEndToEnd({ env, dir }: EndToEndContext): void {
  describe('abuse costs the abuser', () => {
    let app: ListeningApp;

    beforeAll(async () => {
      app = await startAppProcess({ SQLITE_PATH: join(dir(), 'abuse', 'chat.db'), ...env, LOG_LEVEL: 'info', HELLO_TIMEOUT_MS: '1000' }, dir());
    }, 30_000);

    test('a junk-frame flooder is closed with 1008 and logged once; an honest client keeps getting its pongs', async () => {
      const honest = (await greet(app.url, 'honest')).client;
      const flooder = await openClient(app.url);
      const junk = ['{not json', '{"type":"dance"}', '[]', 'x'.repeat(1024)];
      let round = 0;
      // Interleaved: the honest client's pings are answered while the junk arrives.
      while (!flooder.isClosed && round < 50) {
        for (let i = 0; i < 20; i++) flooder.sendRaw(junk[(round + i) % junk.length] as string);
        await roundTrip(honest, `honest-${round++}`);
      }
      expect(await within(flooder.closed, 10_000, 'the flooder to be closed')).toMatchObject({ code: 1008 });
      await roundTrip(honest, 'after-the-flood');
      await waitUntil(() => app.logs.some((l) => l['msg'] === 'abusive connection: too many refused or invalid frames; closing'), 'the warn line');
      const warns = app.logs.filter((l) => l['msg'] === 'abusive connection: too many refused or invalid frames; closing');
      expect(warns).toHaveLength(1);
      expect(warns[0]).toMatchObject({ level: expect.anything(), connId: expect.any(String), remoteAddress: '127.0.0.1' });
      expect(warns[0]?.['strikes']).toBeGreaterThanOrEqual(30);
      expect(JSON.stringify(app.logs)).not.toContain('dance');
      // The flooder got far fewer error frames than it sent junk (quiet refusals).
      expect(flooder.frames.length).toBeLessThan(30);
    });

    test('a socket that never says hello is closed with 1008 after HELLO_TIMEOUT_MS', async () => {
      const silent = await openClient(app.url);
      expect(await within(silent.closed, 10_000, 'the silent socket to be closed')).toEqual({ code: 1008, reason: 'hello timeout' });
    });

    test('more than MAX_CONNECTIONS_PER_IP sockets from one address: the next upgrade gets 429 until one closes', async () => {
      // The earlier tests' clients are gone once the server has counted their closes.
      await pollUntil(async () => JSON.parse((await httpGet(`${app.httpUrl}/healthz`)).body).connections === 0, 'no connection left');
      const held = [];
      for (let i = 0; i < 50; i++) held.push((await greet(app.url, `held${i}`)).client);
      expect(await expectUpgradeStatus(app.url)).toBe(429);
      held[0]?.close(1000, 'bye');
      await held[0]?.closed;
      await pollUntil(async () => (await expectUpgradeStatus(app.url)) === 101, 'a slot frees');
    });
  });
}

/** Polls an async condition every 100 ms; rejects after `timeoutMs`. */
async function pollUntil(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
