import { join } from 'node:path';
import { waitUntil } from '@rgchat/testkit';
import { startAppProcess } from './app-process';
import { greet, helloFrame, openClient, roundTrip, within } from './chat-client';
import type { EndToEndContext } from './end-to-end-context';

/** Short, so a silent peer is dropped within a few seconds; long enough that a busy test runner still answers in time. */
const HEARTBEAT_MS = 1000;

export function describeHeartbeatEndToEnd({ env, dir }: EndToEndContext): void {
  describe('heartbeat', () => {
    // Its own server: a short heartbeat there would put every other test's clients on a tight clock.
    test('a peer that never answers pings is dropped; live peers stay', async () => {
      const app = await startAppProcess(
        { SQLITE_PATH: join(dir(), 'heartbeat', 'chat.db'), ...env, HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS) },
        dir(),
      );
      const dead = await openClient(app.url, { autoPong: false });
      dead.send(helloFrame('silent'));
      await dead.next('welcome');
      const live = await greet(app.url, 'lively');
      const closed = await within(dead.closed, HEARTBEAT_MS * 10, 'the silent peer to be dropped');
      expect(dead.pings).toBeGreaterThan(0);
      expect(closed.code).toBe(1006);
      expect(live.client.isClosed).toBe(false);
      // The live peer is pinged too, and answers, so it stays.
      await waitUntil(() => live.client.pings > 0, 'the live peer is pinged', HEARTBEAT_MS * 5);
      await roundTrip(live.client, 'lively-served');
      expect(await app.waitForLog((l) => l['msg'] === 'peer missed heartbeat; dropping')).toBeDefined();
      app.signal('SIGTERM');
      expect((await within(app.exited, 10_000, 'the app to exit')).code).toBe(0);
    });
  });
}
