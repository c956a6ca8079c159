import { round, sampleProcess } from '../proc-stats';
import type { RunContext } from '../phase';
import { baseReport, commonWarnings, type BenchReport } from '../report';
import { closeAll } from '../setup';
import { startToolMeter } from '../tool-usage';
import { connectFleet } from './common';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Opens N connections that hello and join, holds them, and reports the server's RSS growth per connection. */
export async function runIdle(ctx: RunContext, startedAt: Date): Promise<BenchReport> {
  const o = ctx.options;
  const pid = ctx.serverPid;
  if (pid === undefined) throw new Error('idle mode needs the server pid (--server-pid <pid|auto>)');
  const toolRss0 = process.memoryUsage.rss();
  const before = sampleProcess(pid);
  const meter = startToolMeter();
  const { conn, rooms } = await connectFleet(ctx, o.connections, 0);
  try {
    ctx.log(`holding ${conn.clients.length} connections in ${rooms.length} rooms for ${o.idleS} s ...`);
    await sleep(o.idleS * 1000);
    const after = sampleProcess(pid);
    const toolUsage = meter.stop();
    const connections = conn.clients.length;
    const wallS = (after.atMs - before.atMs) / 1000;
    const report: BenchReport = {
      ...baseReport(o, ctx.tally, startedAt),
      connect: conn.stats,
      server: {
        pid,
        cpuS: round(after.cpuS - before.cpuS, 3),
        cpuCores: wallS > 0 ? round((after.cpuS - before.cpuS) / wallS, 3) : 0,
        rssBeforeBytes: before.rssBytes,
        rssAfterBytes: after.rssBytes,
        hwmBytes: after.hwmBytes,
        cpuUsPerDelivery: null,
      },
      idle: {
        connections,
        heldS: o.idleS,
        serverRssBeforeBytes: before.rssBytes,
        serverRssAfterBytes: after.rssBytes,
        serverRssPerConnectionBytes: Math.round((after.rssBytes - before.rssBytes) / connections),
        toolRssPerConnectionBytes: Math.round((toolUsage.rssBytes - toolRss0) / connections),
      },
      toolUsage,
    };
    report.warnings.push(...commonWarnings(report));
    report.warnings.push('RSS deltas include heap the server had not yet returned or collected; run idle mode on a freshly started server');
    return report;
  } finally {
    await closeAll(conn.clients);
  }
}
