import { createServer, type Server } from 'node:net';
import { findListenerPid, parseMachineCpu, parseStatCpuTicks, parseStatusKb, sampleMachineCpu, sampleProcess, stealShare, usageBetween } from '../src/proc-stats';
import { createRecorder, createTally, mergeRecorders } from '../src/recorder';
import { figuresOf, formatTable, median, medianFigures, ratiosToBaseline } from '../src/suite/compare';
import { findTcpQueues } from '../src/tcp-queues';
import type { BenchReport } from '../src/report';

describe('recorder', () => {
  it('counts only messages sent inside the window', () => {
    const w = { startUs: 1000, endUs: 2000 };
    const r = createRecorder('all', w);
    r.deliver(999, 1500);
    r.deliver(1000, 1300);
    r.deliver(1999, 2499);
    r.deliver(2000, 2100);
    expect(r.received).toBe(2);
    expect(r.outside).toBe(2);
    expect(r.latencyUs.max).toBe(500);
    r.expected = 4;
    const other = createRecorder('x', w);
    other.expected = 1;
    other.deliver(1500, 1600);
    const all = mergeRecorders('sum', w, [r, other]);
    expect(all).toMatchObject({ received: 3, expected: 5, outside: 2 });
    expect(all.latencyUs.count).toBe(3);
  });

  it('tallies errors and closes by code', () => {
    const t = createTally();
    t.error('RATE_LIMITED');
    t.error('RATE_LIMITED');
    t.close(1006);
    expect(t.errorsByCode).toEqual({ RATE_LIMITED: 2 });
    expect(t.closesByCode).toEqual({ '1006': 1 });
  });
});

describe('/proc readings', () => {
  it('parses stat and status text', () => {
    const stat = '42 (node (my) app) S 1 42 42 0 -1 4194304 1 0 0 0 150 50 0 0 20 0 11 0 1 2 3';
    expect(parseStatCpuTicks(stat)).toBe(200);
    expect(parseStatusKb('Name:\tnode\nVmRSS:\t   2048 kB\nVmHWM:\t 4096 kB\n', 'VmRSS')).toBe(2048 * 1024);
    expect(parseStatusKb('Name:\tnode\n', 'VmRSS')).toBe(0);
  });

  it('reads hypervisor steal from /proc/stat and turns two readings into a share', () => {
    // user nice system idle iowait irq softirq steal guest guest_nice
    const a = parseMachineCpu('cpu  100 0 50 800 10 0 20 20 5 0\ncpu0 50 0 25 400 5 0 10 10 0 0\n');
    const b = parseMachineCpu('cpu  150 0 70 1000 10 0 30 40 9 0\n');
    expect(a).toEqual({ totalTicks: 1000, stealTicks: 20 });
    expect(b).toEqual({ totalTicks: 1300, stealTicks: 40 });
    expect(stealShare(a, b)).toBeCloseTo(20 / 300, 10);
    expect(stealShare(b, b)).toBeNull();
    expect(stealShare(undefined, b)).toBeNull();
    expect(parseMachineCpu('intr 1 2 3\n')).toBeUndefined();
    expect(parseMachineCpu('cpu  1 2 x 4 5 6 7 8\n')).toBeUndefined();
    // This machine's own /proc/stat (Linux) parses, and steal never exceeds the total.
    const now = sampleMachineCpu();
    expect(now).toBeDefined();
    expect(now!.stealTicks).toBeLessThanOrEqual(now!.totalTicks);
  });

  it('samples this process and differences two samples', () => {
    const a = sampleProcess(process.pid);
    let x = 0;
    for (let i = 0; i < 2e6; i++) x += i;
    expect(x).toBeGreaterThan(0);
    const b = sampleProcess(process.pid);
    expect(a.rssBytes).toBeGreaterThan(1024 * 1024);
    const u = usageBetween(a, b);
    expect(u.cpuS).toBeGreaterThanOrEqual(0);
    expect(u.pid).toBe(process.pid);
  });

  it('finds the pid listening on a port', async () => {
    const server: Server = createServer();
    server.on('error', () => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      expect(findListenerPid(port)).toBe(process.pid);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('reads a socket\'s kernel queues from /proc/net/tcp text', () => {
    const text = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 0100007F:A3F2 01 0000FF00:00000010 00:00000000 00000000     0        0 1',
    ].join('\n');
    expect(findTcpQueues(text, 8080, 0xa3f2)).toEqual({ txBytes: 0xff00, rxBytes: 0x10 });
    expect(findTcpQueues(text, 8081, 0xa3f2)).toBeUndefined();
  });
});

describe('suite comparison', () => {
  const report = (cpuUs: number, p99: number, machineSteal: number | null = 0.001) =>
    ({
      load: { delivered: { perSec: 50_000, ratio: 1 }, latencyMs: { p50: 1, p99 } },
      server: { cpuCores: 0.2, cpuUsPerDelivery: cpuUs },
      toolUsage: { cpuCores: 0.4, saturated: false, machineSteal },
    }) as unknown as BenchReport;

  it('takes medians and ratios to the baseline', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    const base = medianFigures([report(4, 5), report(5, 6), report(6, 7)].map(figuresOf));
    const target = medianFigures([figuresOf(report(6, 12))]);
    expect(base.cpuUsPerDelivery).toBe(5);
    expect(ratiosToBaseline(target, base)).toEqual({ cpuPerDelivery: 1.2, p99: 2, p50: 1 });
  });

  it('reports the worst run\'s hypervisor steal, or n/a when a run could not read it', () => {
    const noisy = medianFigures([report(4, 5, 0.001), report(5, 6, 0.034), report(6, 7, 0.002)].map(figuresOf));
    expect(noisy.machineSteal).toBe(0.034);
    expect(medianFigures([report(4, 5, 0.01), report(5, 6, null)].map(figuresOf)).machineSteal).toBeNull();
    const table = formatTable([{ name: 'baseline', figures: noisy, ratios: undefined }]);
    expect(table.split('\n')[0]).toMatch(/max steal$/);
    expect(table.split('\n')[1]).toMatch(/ 3\.4%$/);
  });
});
