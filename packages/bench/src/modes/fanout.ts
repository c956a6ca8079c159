import { createRecorder, openWindow, runPhase, serverWithYardstick, summarizeLoad, wireRooms, type RunContext } from '../phase';
import { baseReport, commonWarnings, type BenchReport } from '../report';
import { closeAll } from '../setup';
import { connectFleet, offeredOf } from './common';

/** N connections in R rooms, S senders per room at M msg/s: delivery, latency, server CPU per delivery. */
export async function runFanout(ctx: RunContext, startedAt: Date): Promise<BenchReport> {
  const o = ctx.options;
  const { conn, rooms } = await connectFleet(ctx, o.connections, o.senders);
  try {
    const window = openWindow(o.warmupS, o.durationS);
    const rec = createRecorder('all', window);
    const wired = wireRooms(rooms, () => rec);
    const offered = offeredOf(rooms, o.ratePerSec);
    ctx.log(`sending: ${offered.messagesPerSec} msg/s -> ${offered.deliveriesPerSec} deliveries/s; warm-up ${o.warmupS} s, window ${o.durationS} s`);
    const phase = await runPhase(ctx, window, { ...o, senders: wired.senders, ratePerSec: o.ratePerSec, drainRecorders: [rec] });
    const load = summarizeLoad(phase, [rec], offered);
    const server = serverWithYardstick(phase.server, load.delivered.received);
    const report: BenchReport = {
      ...baseReport(o, ctx.tally, startedAt),
      connect: conn.stats,
      load,
      ...(server ? { server } : {}),
      ...(phase.serverLoop ? { serverLoop: phase.serverLoop } : {}),
      toolUsage: phase.tool,
    };
    report.warnings.push(...commonWarnings(report));
    return report;
  } finally {
    await closeAll(conn.clients);
  }
}
