import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ONE_ADDRESS_ENV, startAppProcess, stopAllApps, type ListeningApp } from '../../app/test/support/app-process';
import { buildApp } from '../../app/test/support/build-app';
import { parseBenchArgs } from '../src/args';
import { runBench } from '../src/bench';
import type { CpuProfile } from '../src/cpuprofile';
import { findStalls, formatStalls } from '../src/cpuprofile-stalls';
import { formatHuman } from '../src/report';
import { loopFiguresBetween, metricsUrlOf, parsePrometheusText } from '../src/server-metrics';

describe('server metrics: parsing and window arithmetic', () => {
  const scrape = (minor: number, minorUnder10ms: number, minorSum: number, lagMax: number) =>
    parsePrometheusText(
      [
        '# HELP nodejs_eventloop_lag_max_seconds The maximum recorded event loop delay.',
        '# TYPE nodejs_eventloop_lag_max_seconds gauge',
        `nodejs_eventloop_lag_max_seconds ${lagMax}`,
        'nodejs_eventloop_lag_p99_seconds 0.0125',
        'nodejs_eventloop_lag_p50_seconds 0.0101',
        `nodejs_gc_duration_seconds_bucket{le="0.001",kind="minor"} 1`,
        `nodejs_gc_duration_seconds_bucket{le="0.01",kind="minor"} ${minorUnder10ms}`,
        `nodejs_gc_duration_seconds_bucket{le="+Inf",kind="minor"} ${minor}`,
        `nodejs_gc_duration_seconds_sum{kind="minor"} ${minorSum}`,
        `nodejs_gc_duration_seconds_count{kind="minor"} ${minor}`,
        'rgchat_error_frames_total{code="BAD \\"QUOTED\\" CODE"} 3',
        'not a sample line',
      ].join('\n'),
    );

  test('labels are keyed sorted, escapes kept, comments and junk skipped', () => {
    const s = scrape(10, 9, 0.02, 0.03);
    expect(s.get('nodejs_gc_duration_seconds_bucket{kind="minor",le="0.01"}')).toBe(9);
    expect(s.get('rgchat_error_frames_total{code="BAD \\"QUOTED\\" CODE"}')).toBe(3);
    expect(s.get('nodejs_eventloop_lag_max_seconds')).toBe(0.03);
    expect([...s.keys()].some((k) => k.startsWith('#') || k.startsWith('not'))).toBe(false);
  });

  test('GC pauses are the difference of two scrapes; the delay is the end scrape (prom-client resets it per scrape)', () => {
    const figures = loopFiguresBetween(scrape(10, 9, 0.02, 0.5), scrape(25, 21, 0.095, 0.0312));
    expect(figures).toEqual({
      delayMaxMs: 31.2,
      delayP99Ms: 12.5,
      delayP50Ms: 10.1,
      gc: { pauses: 15, pauseMs: 75, over10Ms: 3, byKind: { minor: { pauses: 15, pauseMs: 75, over10Ms: 3 } } },
    });
  });

  test('a scrape without the event-loop metrics gives no figures', () => {
    expect(loopFiguresBetween(new Map(), parsePrometheusText('rgchat_rooms 3'))).toBeUndefined();
  });

  test('auto: /metrics on the chat port', () => {
    expect(metricsUrlOf('ws://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080/metrics');
    expect(metricsUrlOf('wss://chat.example/?x=1')).toBe('https://chat.example/metrics');
  });
});

describe('stalls in a real CPU profile', () => {
  let dir = '';
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  test('a 60 ms synchronous block is found and named by the function that ran', () => {
    dir = mkdtempSync(join(tmpdir(), 'rgchat-stall-'));
    const script = `
      function blockTheLoopFor(ms) { const end = Date.now() + ms; let x = 0; while (Date.now() < end) x++; return x; }
      setTimeout(() => blockTheLoopFor(60), 50);
      setTimeout(() => {}, 250);
    `;
    const run = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '200', '--cpu-prof-dir', dir, '-e', script], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!;
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const stalls = findStalls(profile, 40);
    const blocked = stalls.filter((s) => s.topInclusive.some((f) => f.label.startsWith('blockTheLoopFor ')));
    expect(blocked).toHaveLength(1);
    expect(blocked[0]!.busyMs).toBeGreaterThanOrEqual(55);
    expect(formatStalls(stalls, 40, 5)).toMatch(/^\| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| `blockTheLoopFor \[eval\]:\d+` /m);
  });
});

// The fanout mode against the real app asks its /metrics for the window's event loop.
describe('server loop figures from the real app', () => {
  let dir = '';
  let app: ListeningApp;

  beforeAll(async () => {
    await buildApp();
    dir = mkdtempSync(join(tmpdir(), 'rgchat-loop-'));
    app = await startAppProcess({ ...ONE_ADDRESS_ENV, SQLITE_PATH: join(dir, 'chat.db'), RATE_LIMIT_PER_SEC: '1000', RATE_LIMIT_BURST: '1000' }, dir);
  }, 180_000);

  afterAll(async () => {
    await stopAllApps();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('fanout --server-metrics auto reports the delay and GC pauses of the window', async () => {
    const report = await runBench(
      parseBenchArgs(['--url', app.url, '--server-metrics', 'auto', '--connections', '20', '--rooms', '2', '--rate', '50', '--warmup', '0.3', '--duration', '1', '--drain', '2']),
    );
    const loop = report.serverLoop!;
    expect(loop).toBeDefined();
    // The histogram's samples are timer periods of 10 ms plus any delay.
    expect(loop.delayP50Ms).toBeGreaterThanOrEqual(10);
    expect(loop.delayMaxMs).toBeGreaterThanOrEqual(loop.delayP99Ms);
    expect(loop.delayP99Ms).toBeGreaterThanOrEqual(loop.delayP50Ms);
    // prom-client labels a GC kind once one happened; starting the app took several minor ones.
    expect(Object.keys(loop.gc.byKind)).toContain('minor');
    expect(loop.gc.pauses).toBe(Object.values(loop.gc.byKind).reduce((s, g) => s + g.pauses, 0));
    expect(formatHuman(report)).toMatch(/srv loop {3}event-loop delay/);
  }, 60_000);

  test('fanout with every extension negotiated (rooms answers create_room with room_update) delivers everything', async () => {
    const report = await runBench(
      parseBenchArgs([
        '--url', app.url, '--connections', '20', '--rooms', '2', '--rate', '50', '--warmup', '0.3', '--duration', '1', '--drain', '2',
        '--features', 'history,recovery,acks,presence,typing,delete,reactions,rooms', '--room-prefix', 'feat',
      ]),
    );
    expect(report.load?.delivered.received).toBeGreaterThan(0);
    expect(report.load?.delivered.ratio).toBe(1);
    expect(report.errors.byCode).toEqual({});
  }, 60_000);
});
