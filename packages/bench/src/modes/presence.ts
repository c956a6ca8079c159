import { COUNTED_TYPES, type BenchClient } from '../client';
import type { PresencePhase, PresenceReport } from './presence-report';
import { countsBetween, openBusCounter, type BusCounter } from '../bus-counter';
import { trySample } from '../phase';
import { round, usageBetween, type ProcSample } from '../proc-stats';
import { baseReport, commonWarnings, type BenchReport } from '../report';
import { closeAll, connectMany, createRoom, forEachLimited, joinRoom } from '../setup';
import { startToolMeter } from '../tool-usage';
import type { RunContext } from '../phase';
import { clientOptions } from './common';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** After a phase, how long to wait for the coalesced frames still due (a few presence intervals and a room-list push). */
const SETTLE_MS = 1500;

interface Mark {
  readonly atMs: number;
  readonly counted: Record<string, { frames: number; bytes: number }>;
  readonly watcher: Record<string, number>;
  readonly bytes: number;
  readonly bus: Record<string, number> | undefined;
  readonly server: ProcSample | undefined;
}

function mark(ctx: RunContext, clients: readonly BenchClient[], watcher: BenchClient, bus: BusCounter | undefined): Mark {
  const counted: Record<string, { frames: number; bytes: number }> = {};
  let bytes = 0;
  for (const t of COUNTED_TYPES) counted[t] = { frames: 0, bytes: 0 };
  for (const c of clients) {
    bytes += c.bytesReceived;
    for (const t of COUNTED_TYPES) {
      counted[t]!.frames += c.counted[t].frames;
      counted[t]!.bytes += c.counted[t].bytes;
    }
  }
  const w = Object.fromEntries(COUNTED_TYPES.map((t) => [t, watcher.counted[t].frames]));
  return { atMs: performance.now(), counted, watcher: w, bytes, bus: bus?.snapshot(), server: trySample(ctx) };
}

function phaseBetween(a: Mark, b: Mark, members: number): PresencePhase {
  const seconds = (b.atMs - a.atMs) / 1000;
  const per = (x: number) => round(x / Math.max(1, members), 2);
  const framesPerMember: Record<string, number> = {};
  const bytesPerMember: Record<string, number> = {};
  const watcherFrames: Record<string, number> = {};
  for (const t of COUNTED_TYPES) {
    framesPerMember[t] = per(b.counted[t]!.frames - a.counted[t]!.frames);
    bytesPerMember[t] = per(b.counted[t]!.bytes - a.counted[t]!.bytes);
    watcherFrames[t] = (b.watcher[t] ?? 0) - (a.watcher[t] ?? 0);
  }
  const byKind = a.bus && b.bus ? countsBetween(a.bus, b.bus) : undefined;
  const server = a.server && b.server ? usageBetween(a.server, b.server) : undefined;
  return {
    seconds: round(seconds, 3),
    members,
    framesPerMember,
    bytesPerMember,
    allBytesPerMember: per(b.bytes - a.bytes),
    watcherFrames,
    busEvents: byKind ? { byKind, perSec: round(Object.values(byKind).reduce((s, n) => s + n, 0) / Math.max(seconds, 0.001), 1) } : null,
    serverCpuS: server?.cpuS ?? null,
    serverCpuCores: server?.cpuCores ?? null,
  };
}

/**
 * Issue #12's scenario: --connections members fill one room join by join
 * (as many joins in flight as --connect-concurrency), --typists type for
 * --duration s, then every member but the first (the watcher) leaves. A
 * naive presence costs O(members) frames per join, O(members²) per fill;
 * coalesced it is O(1) frames per member per PRESENCE_INTERVAL_MS.
 */
export async function runPresence(ctx: RunContext, startedAt: Date): Promise<PresenceReport & { report: BenchReport }> {
  const o = ctx.options;
  const bus = o.busUrl ? await openBusCounter(o.busUrl, o.busSchema) : undefined;
  const meter = startToolMeter();
  let clients: BenchClient[] = [];
  try {
    ctx.log(`connecting ${o.connections} clients (features: ${o.features.join(',') || 'none'}) ...`);
    const conn = await connectMany(o.connections, 0, clientOptions(ctx), o.connectConcurrency);
    clients = conn.clients;
    if (conn.failures.length > 0) throw new Error(`${conn.failures.length} of ${o.connections} connections failed; first: ${conn.failures[0]}`);
    const watcher = clients[0]!;
    const roomId = await createRoom(watcher, `${o.roomPrefix}-presence`);
    await joinRoom(watcher, roomId);
    await sleep(SETTLE_MS);

    ctx.log(`filling ${roomId} with ${clients.length} members ...`);
    const m0 = mark(ctx, clients, watcher, bus);
    await forEachLimited(clients.slice(1), o.connectConcurrency, async (c) => void (await joinRoom(c, roomId)));
    await sleep(SETTLE_MS);
    const m1 = mark(ctx, clients, watcher, bus);

    const typists = clients.slice(1, 1 + o.typists);
    ctx.log(`${typists.length} typists for ${o.durationS} s, a keystroke every ${o.keystrokeMs} ms ...`);
    const typingOn = JSON.stringify({ type: 'typing', roomId, active: true });
    const typingOff = JSON.stringify({ type: 'typing', roomId, active: false });
    let strokes = 0;
    // Clients that did not negotiate typing would only collect UNKNOWN_TYPE: in a baseline run nobody types.
    const timer = setInterval(() => {
      if (!o.features.includes('typing')) return;
      strokes++;
      // A pause (active:false) every 20 keystrokes, as a typist stops now and then.
      for (const t of typists) t.send(strokes % 20 === 0 ? typingOff : typingOn);
    }, o.keystrokeMs);
    await sleep(o.durationS * 1000);
    clearInterval(timer);
    if (o.features.includes('typing')) for (const t of typists) t.send(typingOff);
    await sleep(SETTLE_MS);
    const m2 = mark(ctx, clients, watcher, bus);

    ctx.log(`emptying ${roomId} ...`);
    await forEachLimited(clients.slice(1), o.connectConcurrency, (c) => c.close());
    await sleep(SETTLE_MS);
    const m3 = mark(ctx, clients, watcher, bus);

    const presence: PresenceReport = {
      roomId,
      features: o.features,
      typists: typists.length,
      keystrokeMs: o.keystrokeMs,
      fill: phaseBetween(m0, m1, clients.length),
      typing: phaseBetween(m1, m2, clients.length),
      empty: phaseBetween(m2, m3, clients.length),
    };
    const whole = m0.server && m3.server ? usageBetween(m0.server, m3.server) : undefined;
    const report: BenchReport = {
      ...baseReport(o, ctx.tally, startedAt),
      connect: conn.stats,
      ...(whole ? { server: { ...whole, cpuUsPerDelivery: null } } : {}),
      toolUsage: meter.stop(),
      presence,
    };
    report.warnings.push(...commonWarnings(report));
    if (!o.features.includes('presence')) report.warnings.push('clients did not negotiate presence: presence frames are expected to be 0 (a baseline run)');
    return { ...presence, report };
  } finally {
    await closeAll(clients);
    await bus?.close();
  }
}
