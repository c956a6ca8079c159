import { openClient, type BenchClient } from '../client';
import { paddingFor } from '../frame-scan';
import { createHistogram, summarizeMicros } from '../histogram';
import { createRecorder, openWindow, runPhase, serverWithYardstick, summarizeLoad, wireRooms, type RunContext } from '../phase';
import { round } from '../proc-stats';
import type { MeasureWindow } from '../recorder';
import { baseReport, commonWarnings, type BenchReport } from '../report';
import { closeAll, createRoom, joinRoom, type RoomPlan } from '../setup';
import { clientOptions, connectFleet, offeredOf } from './common';


/** Most fill messages in flight at once (rgchat queues at most 32 requests per connection). */
const FILL_IN_FLIGHT = 16;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Sends `count` messages from `filler` (a member of `roomId`) and waits for each echo, a few in flight. */
async function fillHistory(ctx: RunContext, filler: BenchClient, roomId: string, count: number): Promise<{ messages: number; seconds: number; perSec: number }> {
  const frame = JSON.stringify({ type: 'send_message', roomId, message: { type: 'message', text: `fill ${paddingFor(ctx.options.textChars)}` } });
  const echoes0 = filler.unstampedMessages;
  const limited0 = ctx.tally.errorsByCode['RATE_LIMITED'] ?? 0;
  const t0 = performance.now();
  const deadline = t0 + ctx.options.requestTimeoutS * 1000 + count * 100;
  let sent = 0;
  while (filler.unstampedMessages - echoes0 < count) {
    if ((ctx.tally.errorsByCode['RATE_LIMITED'] ?? 0) > limited0) {
      throw new Error('the server rate-limited the history fill: raise its limit (rgchat: RATE_LIMIT_PER_SEC / RATE_LIMIT_BURST)');
    }
    if (filler.closed) throw new Error(`the filler connection closed (code ${filler.closeCode})`);
    if (performance.now() > deadline) throw new Error(`history fill stalled at ${filler.unstampedMessages - echoes0} of ${count} echoes`);
    while (sent < count && sent - (filler.unstampedMessages - echoes0) < FILL_IN_FLIGHT) {
      filler.send(frame);
      sent++;
    }
    await sleep(2);
  }
  const seconds = (performance.now() - t0) / 1000;
  return { messages: count, seconds: round(seconds, 3), perSec: Math.round(count / seconds) };
}

interface JoinLoopResult {
  joins: number;
  failures: number;
  minReturned: number;
  maxReturned: number;
}

/** Joins the room again and again until the window ends; records joins that started inside it. */
async function joinLoop(ctx: RunContext, c: BenchClient, roomId: string, window: MeasureWindow, hist: ReturnType<typeof createHistogram>): Promise<JoinLoopResult> {
  const r: JoinLoopResult = { joins: 0, failures: 0, minReturned: Infinity, maxReturned: 0 };
  while (performance.now() * 1000 < window.endUs && !c.closed) {
    const t0 = performance.now();
    try {
      const reply = await joinRoom(c, roomId);
      if (t0 * 1000 >= window.startUs) {
        hist.record((reply.atMs - t0) * 1000);
        r.joins++;
        const returned = Array.isArray(reply.frame['messages']) ? (reply.frame['messages'] as unknown[]).length : 0;
        r.minReturned = Math.min(r.minReturned, returned);
        r.maxReturned = Math.max(r.maxReturned, returned);
      }
    } catch (e) {
      r.failures++;
      ctx.log(`join failed: ${(e as Error).message}`);
    }
    if (ctx.options.joinIntervalMs > 0) await sleep(ctx.options.joinIntervalMs);
  }
  return r;
}

/** Pre-fills a room with --history messages, then times join_room → joined_room, optionally under background fan-out. */
export async function runJoin(ctx: RunContext, startedAt: Date): Promise<BenchReport> {
  const o = ctx.options;
  const all: BenchClient[] = [];
  try {
    let rooms: RoomPlan[] = [];
    let connectStats;
    if (o.backgroundRatePerSec > 0) {
      const fleet = await connectFleet(ctx, o.connections, o.senders);
      all.push(...fleet.conn.clients);
      rooms = fleet.rooms;
      connectStats = fleet.conn.stats;
    }
    const copts = clientOptions(ctx);
    const filler = await openClient(o.connections, copts);
    all.push(filler);
    const joiners: BenchClient[] = [];
    for (let j = 0; j < o.joiners; j++) {
      const c = await openClient(o.connections + 1 + j, copts);
      all.push(c);
      joiners.push(c);
    }
    const roomId = await createRoom(filler, `${o.roomPrefix}-join`);
    await joinRoom(filler, roomId);
    let fill = null;
    if (o.history > 0) {
      ctx.log(`filling ${roomId} with ${o.history} messages ...`);
      fill = await fillHistory(ctx, filler, roomId, o.history);
    }

    const window = openWindow(o.warmupS, o.durationS);
    const bg = createRecorder('background', window);
    const wired = wireRooms(rooms, () => bg);
    const hist = createHistogram();
    const loops: JoinLoopResult[] = [];
    ctx.log(`joining ${roomId} with ${o.joiners} joiner(s)${o.backgroundRatePerSec > 0 ? ` under ${offeredOf(rooms, o.backgroundRatePerSec).deliveriesPerSec} deliveries/s background` : ''}; warm-up ${o.warmupS} s, window ${o.durationS} s`);
    const phase = await runPhase(ctx, window, {
      ...o,
      senders: wired.senders,
      ratePerSec: o.backgroundRatePerSec,
      drainRecorders: [bg],
      during: async (w) => {
        loops.push(...(await Promise.all(joiners.map((c) => joinLoop(ctx, c, roomId, w, hist)))));
      },
    });
    const joins = loops.reduce((s, l) => s + l.joins, 0);
    const load = o.backgroundRatePerSec > 0 ? summarizeLoad(phase, [bg], offeredOf(rooms, o.backgroundRatePerSec)) : undefined;
    const server = serverWithYardstick(phase.server, load?.delivered.received ?? 0);
    const minReturned = loops.reduce((m, l) => Math.min(m, l.minReturned), Infinity);
    const report: BenchReport = {
      ...baseReport(o, ctx.tally, startedAt),
      ...(connectStats ? { connect: connectStats } : {}),
      ...(load ? { load } : {}),
      ...(server ? { server } : {}),
      ...(phase.serverLoop ? { serverLoop: phase.serverLoop } : {}),
      toolUsage: phase.tool,
      join: {
        roomId,
        fill,
        joins,
        failures: loops.reduce((s, l) => s + l.failures, 0),
        joinsPerSec: round(joins / o.durationS, 1),
        messagesReturned: { min: Number.isFinite(minReturned) ? minReturned : 0, max: loops.reduce((m, l) => Math.max(m, l.maxReturned), 0) },
        latencyMs: summarizeMicros(hist),
      },
    };
    report.warnings.push(...commonWarnings(report));
    if (server && load) report.warnings.push('server CPU covers the joins too, so its CPU per delivered message is not comparable with a fanout run');
    if (report.join && report.join.messagesReturned.min < Math.min(o.history, 500)) {
      report.warnings.push(`joined_room returned as few as ${report.join.messagesReturned.min} messages for ${o.history} filled: the server keeps less history (the baseline keeps none)`);
    }
    return report;
  } finally {
    await closeAll(all);
  }
}
