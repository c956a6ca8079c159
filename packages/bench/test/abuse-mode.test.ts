import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAppProcess, stopAllApps, type ListeningApp } from '../../app/test/support/app-process';
import { buildApp } from '../../app/test/support/build-app';
import { ATTACKS } from '../src/attacks/attack';
import { parseBenchArgs } from '../src/args';
import { runBench } from '../src/bench';
import { formatHuman } from '../src/report';

// The abuse mode against the real app (dist/main.js, SQLite, default limits
// but the per-address ones: attackers and the honest pinger all come from
// 127.0.0.1, as the bench README says) on both transports: it runs every
// attack and reports. No figure is asserted: timings are no test.
describe.each(['ws', 'uws'])('abuse mode against the app on %s', (transport) => {
  let dir = '';
  let app: ListeningApp;

  beforeAll(async () => {
    await buildApp();
    dir = mkdtempSync(join(tmpdir(), 'rgchat-abuse-'));
    app = await startAppProcess(
      {
        CHAT_TRANSPORT: transport,
        SQLITE_PATH: join(dir, 'chat.db'),
        RATE_LIMIT_PER_IP_PER_SEC: '1000000',
        RATE_LIMIT_PER_IP_BURST: '1000000',
        MAX_CONNECTIONS_PER_IP: '1000000',
      },
      dir,
    );
  }, 180_000);

  afterAll(async () => {
    await stopAllApps();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs every attack beside an honest pinger and reports the figures', async () => {
    const report = await runBench(
      parseBenchArgs(['--mode', 'abuse', '--url', app.url, '--server-pid', String(app.child.pid), '--history', '30', '--warmup', '0.5', '--duration', '1', '--drain', '2']),
    );
    const a = report.abuse!;
    expect(a.attacks.map((s) => s.name)).toEqual([...ATTACKS]);
    expect(a.seededRooms).toHaveLength(2);
    for (const s of a.attacks) expect(s.connections).toBeGreaterThan(0);
    // Every attack but the silent one got frames out.
    for (const s of a.attacks.filter((x) => x.name !== 'ungreeted')) expect(s.framesSent).toBeGreaterThan(0);
    expect(a.honest.calm.sent).toBeGreaterThan(0);
    expect(a.honest.underAttack.sent).toBeGreaterThan(0);
    expect(a.honest.underAttack.answered + a.honest.underAttack.unanswered).toBe(a.honest.underAttack.sent);
    // The honest client ran on its own thread and was answered there.
    expect(a.honest.calm.answered).toBeGreaterThan(0);
    expect(a.honest.eventLoopDelayMaxMs).toBeGreaterThan(0);
    expect(a.server?.pid).toBe(app.child.pid);
    expect(a.server!.rssAfterAttackBytes).toBeGreaterThan(0);
    expect(a.stillUp.processAlive).toBe(true);
    expect(typeof a.goalMet).toBe('boolean');
    expect(formatHuman(report)).toMatch(/honest {5}ping every 100 ms/);
  }, 60_000);
});
