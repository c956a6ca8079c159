import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopAllApps } from '../support/app-process';
import { buildApp } from '../support/build-app';
import { createRoom, dropClients, greet, joinRoom } from '../support/chat-client';
import { eventually } from '../support/multi-instance';
import { HONEST_ADDRESS, removeBatteryDirs, startBatteryApp } from './battery-app';
import { createFigures } from './figures';

/** Fills the file system holding `dir` until not one more byte fits; returns the filler's path. */
function fill(dir: string): string {
  const filler = join(dir, 'filler');
  for (const n of [64 * 1024, 4096, 512, 1]) {
    try {
      for (;;) writeFileSync(filler, Buffer.alloc(n, 1), { flag: 'a' });
    } catch {
      // full at this granularity
    }
  }
  return filler;
}

// A small tmpfs really fills up; mounting one needs root (CI runs as root), as store-sqlite's health-check test.
const describeRoot = process.getuid?.() === 0 || process.env['CI'] === 'true' ? describe : describe.skip;

/** Issue #10 item 7: /healthz said 200 while every SQLite write failed with "disk is full". */
export function describeSqliteDiskFull(): void {
  describeRoot('store-fault battery: sqlite on a full disk', () => {
    const figures = createFigures('sqlite disk full');
    let mnt = '';
    beforeAll(async () => {
      await buildApp();
      mnt = mkdtempSync(join(tmpdir(), 'rgchat-battery-full-'));
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
    }, 180_000);
    afterAll(async () => {
      dropClients();
      await stopAllApps();
      removeBatteryDirs();
      execFileSync('umount', [mnt]);
      rmSync(mnt, { recursive: true, force: true });
      figures.print();
    });

    test('/healthz turns 503 while writes fail and 200 once they work; the server stays up, acknowledged messages stay', async () => {
      const app = await startBatteryApp({ SQLITE_PATH: join(mnt, 'chat.db') });
      const { client } = await greet(app.url, 'writer', { headers: { 'X-Forwarded-For': HONEST_ADDRESS } });
      await createRoom(client, 'full', 'full');
      await joinRoom(client, 'full');
      expect(await app.health()).toBe(200);
      const filler = fill(mnt);
      let inputs = 0;
      for (let i = 0; i < 100 && !client.frames.some((f) => f['type'] === 'error' && f['requestType'] === 'send_message'); i++) {
        client.send({ type: 'send_message', roomId: 'full', message: { type: 'message', text: `${i} ${'x'.repeat(390)}` } });
        inputs++;
        await client.waitFor((f) => (f['type'] === 'message' && f['message']?.text?.startsWith(`${i} `)) || (f['type'] === 'error' && f['requestType'] === 'send_message'));
      }
      expect(client.frames.find((f) => f['type'] === 'error' && f['requestType'] === 'send_message')).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(await app.health()).toBe(503);

      unlinkSync(filler);
      client.send({ type: 'send_message', roomId: 'full', message: { type: 'message', text: 'room again' } });
      await client.waitFor((f) => f['type'] === 'message' && f['message']?.text === 'room again', 15_000);
      await eventually('/healthz answers 200 again', async () => (await app.health()) === 200, 15_000);
      figures.record({ inputs: inputs + 1, crashes: app.alive() ? 0 : 1, lost: 0, pingLatenciesMs: [] });
      expect(app.alive()).toBe(true);
    }, 60_000);
  });
}
