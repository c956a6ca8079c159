import type { BenchOptions } from './args';
import { summarizeMicros, type LatencySummaryMs } from './histogram';
import { round, sampleProcess, usageBetween, type ProcSample, type ServerUsage } from './proc-stats';
import { createRecorder, mergeRecorders, type MeasureWindow, type Recorder, type Tally } from './recorder';
import { startSenderWheel, type RoomReceivers, type WheelSender, type WheelStats } from './sender-wheel';
import type { RoomPlan } from './setup';
import { loopFiguresBetween, scrapeMetrics, type MetricSamples, type ServerLoopFigures } from './server-metrics';
import { startToolMeter, type ToolUsage } from './tool-usage';

/** What every mode gets. */
export interface RunContext {
  readonly options: BenchOptions;
  readonly tally: Tally;
  /** Resolved server pid, if one is watched. */
  readonly serverPid: number | undefined;
  /** Progress lines for humans (stderr). */
  readonly log: (line: string) => void;
}

export interface PhaseOptions {
  readonly warmupS: number;
  readonly durationS: number;
  readonly drainS: number;
  /** Fan-out traffic of the phase; none when ratePerSec is 0 or senders empty. */
  readonly senders: readonly WheelSender[];
  readonly ratePerSec: number;
  /** Groups whose owed deliveries the drain waits for. */
  readonly drainRecorders: readonly Recorder[];
  /** Work running alongside the traffic (e.g. join loops); must end by window.endUs. */
  readonly during?: (window: MeasureWindow) => Promise<void>;
}

export interface PhaseResult {
  readonly window: MeasureWindow;
  readonly wheel: WheelStats;
  readonly tool: ToolUsage;
  readonly server: ServerUsage | undefined;
  /** The server's own event-loop delay and GC pauses over the window and drain (with --server-metrics). */
  readonly serverLoop: ServerLoopFigures | undefined;
  /** Seconds waited after the window for stragglers. */
  readonly drainedS: number;
}

export function openWindow(warmupS: number, durationS: number): MeasureWindow {
  const startUs = Math.round(performance.now() * 1000 + warmupS * 1e6);
  return { startUs, endUs: startUs + Math.round(durationS * 1e6) };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The server's /proc sample, or undefined (logged) when it cannot be read. */
export function trySample(ctx: RunContext): ProcSample | undefined {
  if (ctx.serverPid === undefined) return undefined;
  try {
    const first = sampleProcess(ctx.serverPid);
    const also = ctx.options.alsoServerPid;
    if (also === undefined) return first;
    // Two instances: the cluster's CPU and memory, summed.
    const second = sampleProcess(also);
    return { ...first, cpuS: first.cpuS + second.cpuS, rssBytes: first.rssBytes + second.rssBytes, hwmBytes: first.hwmBytes + second.hwmBytes };
  } catch (e) {
    ctx.log(`cannot read /proc/${ctx.serverPid}: ${(e as Error).message}`);
    return undefined;
  }
}

/** One scrape of --server-metrics, or undefined (logged) when there is none or it fails. */
async function tryScrape(ctx: RunContext): Promise<MetricSamples | undefined> {
  const url = ctx.options.serverMetricsUrl;
  if (url === undefined) return undefined;
  try {
    return await scrapeMetrics(url);
  } catch (e) {
    ctx.log(`cannot scrape ${url}: ${(e as Error).message}`);
    return undefined;
  }
}

/**
 * One measured phase: warm-up, window, drain. Server CPU is read at the
 * window's start and after the drain (the drain is work the window caused);
 * the tool's CPU over the window only.
 */
export async function runPhase(ctx: RunContext, window: MeasureWindow, o: PhaseOptions): Promise<PhaseResult> {
  const wheel =
    o.senders.length > 0 && o.ratePerSec > 0
      ? startSenderWheel({
          senders: o.senders,
          ratePerSec: o.ratePerSec,
          tickMs: ctx.options.tickMs,
          textChars: ctx.options.textChars,
          window,
          untilUs: window.endUs,
          clientMsgIds: ctx.options.features.includes('acks'),
        })
      : undefined;
  const during = o.during?.(window);
  await sleep(Math.max(0, window.startUs / 1000 - performance.now()));
  const before = trySample(ctx);
  // Resets the server's event-loop histogram: the end scrape sees this window only.
  const metricsBefore = await tryScrape(ctx);
  const meter = startToolMeter();
  await sleep(Math.max(0, window.endUs / 1000 - performance.now()));
  const wheelStats = wheel ? await wheel.done : { sent: 0, sentInWindow: 0, skipped: 0, maxTickLagMs: 0 };
  await during;
  const tool = meter.stop();

  const drainStart = performance.now();
  const owed = () => o.drainRecorders.some((r) => r.received < r.expected);
  while (owed() && performance.now() - drainStart < o.drainS * 1000) await sleep(20);
  const drainedS = round((performance.now() - drainStart) / 1000, 3);
  const after = trySample(ctx);
  const metricsAfter = metricsBefore && (await tryScrape(ctx));
  const serverLoop = metricsBefore && metricsAfter ? loopFiguresBetween(metricsBefore, metricsAfter) : undefined;
  return { window, wheel: wheelStats, tool, server: before && after ? usageBetween(before, after) : undefined, serverLoop, drainedS };
}

/** Points each member at its recorder and groups each room's receivers for the sender wheel. */
export function wireRooms(rooms: readonly RoomPlan[], recorderOf: (room: RoomPlan, memberIndex: number) => Recorder): { senders: WheelSender[]; rooms: RoomReceivers[] } {
  const senders: WheelSender[] = [];
  const receivers: RoomReceivers[] = [];
  for (const room of rooms) {
    const counts = new Map<Recorder, number>();
    room.members.forEach((c, i) => {
      const rec = recorderOf(room, i);
      c.recorder = rec;
      counts.set(rec, (counts.get(rec) ?? 0) + 1);
    });
    const rr: RoomReceivers = { roomId: room.id, receivers: [...counts].map(([recorder, count]) => ({ recorder, count })) };
    receivers.push(rr);
    for (const c of room.senders) senders.push({ client: c, room: rr });
  }
  return { senders, rooms: receivers };
}

/** Load figures of a phase as reported. */
export interface LoadSummary {
  offered: { messagesPerSec: number; deliveriesPerSec: number; membersPerRoom: number };
  sent: { messages: number; messagesPerSec: number; skipped: number; maxTickLagMs: number };
  delivered: { expected: number; received: number; perSec: number; ratio: number };
  latencyMs: LatencySummaryMs;
}

export function summarizeLoad(
  phase: PhaseResult,
  recorders: readonly Recorder[],
  offered: LoadSummary['offered'],
): LoadSummary {
  const all = mergeRecorders('all', phase.window, recorders);
  const windowS = (phase.window.endUs - phase.window.startUs) / 1e6;
  return {
    offered: { messagesPerSec: round(offered.messagesPerSec, 1), deliveriesPerSec: round(offered.deliveriesPerSec, 1), membersPerRoom: round(offered.membersPerRoom, 2) },
    sent: {
      messages: phase.wheel.sentInWindow,
      messagesPerSec: round(phase.wheel.sentInWindow / windowS, 1),
      skipped: phase.wheel.skipped,
      maxTickLagMs: phase.wheel.maxTickLagMs,
    },
    delivered: {
      expected: all.expected,
      received: all.received,
      perSec: round(all.received / windowS, 1),
      ratio: all.expected === 0 ? 1 : round(all.received / all.expected, 6),
    },
    latencyMs: summarizeMicros(all.latencyUs),
  };
}

/** Server figures plus the yardstick: CPU microseconds per delivered message. */
export function serverWithYardstick(server: ServerUsage | undefined, delivered: number) {
  if (!server) return undefined;
  return { ...server, cpuUsPerDelivery: delivered > 0 ? round((server.cpuS * 1e6) / delivered, 4) : null };
}

export { createRecorder };
