import { existsSync } from 'node:fs';
import { createAttackStats, runAttack, type AttackContext, type AttackName, type AttackRound } from '../attacks/attack';
import { fragmentFlood } from '../attacks/fragment-flood';
import { startHonestThread } from '../attacks/honest-thread';
import { joinAmplify } from '../attacks/join-amplify';
import { junkFrames } from '../attacks/junk-frames';
import { roomFlood, roomRecreate } from '../attacks/room-flood';
import { seedRoom } from '../attacks/seed-rooms';
import { ungreeted } from '../attacks/ungreeted';
import { openClient } from '../client';
import { trySample, type RunContext } from '../phase';
import { round } from '../proc-stats';
import { createTally } from '../recorder';
import { baseReport, commonWarnings, type BenchReport } from '../report';
import { startToolMeter } from '../tool-usage';
import { HONEST_P99_GOAL_MS, type AbuseReport } from './abuse-report';
import { clientOptions } from './common';

const ROUNDS: Record<AttackName, AttackRound> = {
  'fragment-flood': fragmentFlood,
  'junk-frames': junkFrames,
  'room-flood': roomFlood,
  'room-recreate': roomRecreate,
  'join-amplify': joinAmplify,
  ungreeted,
};

/** Connection indices of the seeding clients, clear of the honest one (0) and the liveness probe. */
const SEED_INDEX_BASE = 1000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));


/** Does the server still greet a new client? */
async function answersHello(ctx: RunContext): Promise<boolean> {
  try {
    const probe = await openClient(1, { ...clientOptions(ctx), forwardedFor: ctx.options.honestForwardedFor, tally: createTally(), timeoutMs: Math.min(ctx.options.requestTimeoutS, 10) * 1000 });
    await probe.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Issue #10's measurement: one honest client pings every --ping-interval-ms,
 * first calm (--warmup s), then while the chosen attacks run (--duration s)
 * with --attackers connections each; reports its ping latency, the attacks'
 * counters, the server's RSS and CPU, and whether it is still up.
 */
export async function runAbuse(ctx: RunContext, startedAt: Date): Promise<BenchReport> {
  const o = ctx.options;
  if (ctx.serverPid === undefined) ctx.log('no --server-pid: RSS and CPU will not be reported');
  const start = trySample(ctx);
  const seededRooms: string[] = [];
  if (o.attacks.includes('join-amplify')) {
    for (const r of [0, 1]) {
      ctx.log(`seeding ${o.roomPrefix}-full-${r} with ${o.history} messages ...`);
      seededRooms.push(await seedRoom(`${o.roomPrefix}-full-${r}`, o.history, { ...clientOptions(ctx), forwardedFor: o.honestForwardedFor }, SEED_INDEX_BASE + r * (o.history + 10)));
    }
  }

  // Its own thread: the attackers' sockets lag this thread's event loop, not the honest client's.
  const { tally: _tally, ...honestOptions } = { ...clientOptions(ctx), forwardedFor: o.honestForwardedFor };
  const pinger = await startHonestThread(honestOptions, o.pingIntervalMs);
  let stopped = false;
  let honest: Awaited<ReturnType<typeof pinger.stop>> | undefined;
  try {
    pinger.phase('calm');
    ctx.log(`honest client (own thread) pings every ${o.pingIntervalMs} ms; calm for ${o.warmupS} s ...`);
    await sleep(o.warmupS * 1000);

    const before = trySample(ctx);
    const meter = startToolMeter();
    pinger.phase('underAttack');
    const actx: AttackContext = {
      url: o.url,
      origin: o.origin,
      timeoutMs: o.requestTimeoutS * 1000,
      roomPrefix: o.roomPrefix,
      fullRooms: seededRooms,
      stopped: () => stopped,
    };
    const stats = o.attacks.map((name) => createAttackStats(name, o.attackers));
    ctx.log(`attacks ${o.attacks.join(', ')} with ${o.attackers} attacker(s) each, for ${o.durationS} s ...`);
    const running = Promise.all(stats.map((s) => runAttack(actx, s, ROUNDS[s.name])));
    await sleep(o.durationS * 1000);
    stopped = true;
    const after = trySample(ctx);
    const toolUsage = meter.stop();
    const pings = pinger.stop(o.drainS * 1000);
    await running;
    honest = await pings;
    const phases = honest.phases;

    const processAlive = ctx.serverPid === undefined ? null : existsSync(`/proc/${ctx.serverPid}`);
    const abuse: AbuseReport = {
      attackersPerAttack: o.attackers,
      seededRooms,
      attacks: stats,
      honest: {
        pingIntervalMs: o.pingIntervalMs,
        calm: phases['calm']!,
        underAttack: phases['underAttack']!,
        closedByServer: honest.closedByServer,
        closeCode: honest.closeCode,
        eventLoopDelayP99Ms: honest.eventLoopDelayP99Ms,
        eventLoopDelayMaxMs: honest.eventLoopDelayMaxMs,
      },
      server:
        start && before && after
          ? {
              pid: after.pid,
              rssStartBytes: start.rssBytes,
              rssBeforeAttackBytes: before.rssBytes,
              rssAfterAttackBytes: after.rssBytes,
              hwmBytes: after.hwmBytes,
              cpuS: round(after.cpuS - before.cpuS, 3),
              cpuCores: after.atMs > before.atMs ? round((after.cpuS - before.cpuS) / ((after.atMs - before.atMs) / 1000), 3) : 0,
            }
          : null,
      stillUp: { processAlive, answersHello: processAlive === false ? false : await answersHello(ctx) },
      goalMet: false,
    };
    const under = abuse.honest.underAttack;
    abuse.goalMet = under.unanswered === 0 && under.answered > 0 && under.latencyMs.p99 < HONEST_P99_GOAL_MS && abuse.stillUp.answersHello;
    const report: BenchReport = { ...baseReport(o, ctx.tally, startedAt), toolUsage, abuse };
    report.warnings.push(...commonWarnings(report));
    if (honest.eventLoopDelayP99Ms >= HONEST_P99_GOAL_MS / 5) {
      report.warnings.push(`the honest client's own thread lagged (event-loop delay p99 ${honest.eventLoopDelayP99Ms} ms): part of its ping latency is the tool's; fewer --attackers or a core of its own`);
    }
    if (abuse.honest.calm.latencyMs.p99 >= HONEST_P99_GOAL_MS) report.warnings.push('the honest p99 missed the goal even before the attacks: the machine or the tool is the limit, not the attacks');
    return report;
  } finally {
    stopped = true;
    if (!honest) await pinger.stop(0).catch(() => undefined);
  }
}
