import type { BenchOptions, Mode } from './args';
import { kb, lat, mib, n, pct } from './format';
import { abuseLines, type AbuseReport } from './modes/abuse-report';
import { presenceLines, type PresenceReport } from './modes/presence-report';
import type { LatencySummaryMs } from './histogram';
import type { LoadSummary } from './phase';
import type { ServerUsage } from './proc-stats';
import { LOOP_RESOLUTION_MS, type ServerLoopFigures } from './server-metrics';
import type { Tally } from './recorder';
import type { ConnectStats } from './setup';
import { NOISY_STEAL_SHARE, type ToolUsage } from './tool-usage';

/** Prefix of the one machine-readable line; `grep '^BENCH_JSON '` finds it. */
export const JSON_PREFIX = 'BENCH_JSON ';

export type ServerReport = ServerUsage & { cpuUsPerDelivery: number | null };

export interface BenchReport {
  tool: 'rgchat-bench';
  mode: Mode;
  url: string;
  startedAt: string;
  options: Omit<BenchOptions, 'help'>;
  connect?: ConnectStats;
  /** fanout, join's background load, slow-reader's phase with the slow reader (others only). */
  load?: LoadSummary;
  server?: ServerReport;
  /** The server's event-loop delay and GC pauses over the window, from its metrics (--server-metrics). */
  serverLoop?: ServerLoopFigures;
  /** The load tool's own CPU over the measured window. */
  toolUsage: ToolUsage;
  errors: { byCode: Record<string, number>; closesByCode: Record<string, number> };
  idle?: {
    connections: number;
    heldS: number;
    serverRssBeforeBytes: number;
    serverRssAfterBytes: number;
    serverRssPerConnectionBytes: number;
    toolRssPerConnectionBytes: number;
  };
  join?: {
    roomId: string;
    fill: { messages: number; seconds: number; perSec: number } | null;
    joins: number;
    failures: number;
    joinsPerSec: number;
    messagesReturned: { min: number; max: number };
    latencyMs: LatencySummaryMs;
  };
  slowReader?: {
    slowConnection: number;
    roomId: string;
    without: { others: LoadSummary; peers: LatencySummaryMs; server?: ServerReport };
    with: { others: LoadSummary; peers: LatencySummaryMs; server?: ServerReport };
    /** p99 with the slow reader / p99 without, for all other receivers and for its room peers. */
    othersP99Ratio: number | null;
    peersP99Ratio: number | null;
    slow: {
      closedByServer: boolean;
      closeCode: number | null;
      /** Upper bound on when the server closed it: send time of the last message it got, seconds after it stopped reading. */
      closedAfterPauseS: number | null;
      /** Window messages it received in the end (after it read again), of those owed to it. */
      windowMessagesReceived: number;
      windowMessagesExpected: number;
      /** Bytes the server owed the slow reader when the window closed (estimate from frame size). */
      backlogBytesEstimate: number;
      /** Of that backlog, bytes in the kernel's socket queues (server send + client receive) when the window closed; the rest sat in the server. */
      kernelQueuedBytes: number | null;
      /** Rate at which the backlog grew while it did not read. */
      bytesPerSecToSlow: number;
    };
  };
  abuse?: AbuseReport;
  presence?: PresenceReport;
  warnings: string[];
}

export function baseReport(options: BenchOptions, tally: Tally, startedAt: Date): Pick<BenchReport, 'tool' | 'mode' | 'url' | 'startedAt' | 'options' | 'errors' | 'warnings'> {
  const { help: _help, ...rest } = options;
  return { tool: 'rgchat-bench', mode: options.mode, url: options.url, startedAt: startedAt.toISOString(), options: rest, errors: { byCode: tally.errorsByCode, closesByCode: tally.closesByCode }, warnings: [] };
}

/** Warnings every mode shares: tool saturation, rate limiting, skipped sends, lost deliveries. */
export function commonWarnings(r: BenchReport): string[] {
  const w: string[] = [];
  if (r.toolUsage.saturated) {
    w.push(`the load tool used ${pct(r.toolUsage.cpuCores)} of a core: it SATURATED, so these figures measure the tool, not the server; lower the load or give the tool a core of its own`);
  }
  const steal = r.toolUsage.machineSteal;
  if (steal !== null && steal >= NOISY_STEAL_SHARE) {
    w.push(`the hypervisor stole ${pct(steal)} of this machine's CPU time during the window: CPU and latency figures of this run are noisier than usual; compare interleaved runs`);
  }
  const limited = r.errors.byCode['RATE_LIMITED'];
  if (limited) w.push(`${limited} requests were RATE_LIMITED by the server: raise its per-connection limits (rgchat: RATE_LIMIT_PER_SEC / RATE_LIMIT_BURST / MAX_PENDING_REQUESTS)`);
  if (r.load && r.load.sent.skipped > 0) w.push(`${r.load.sent.skipped} sends were skipped because the tool fell behind its schedule`);
  if (r.load && r.load.delivered.ratio < 1) w.push(`delivery ratio ${r.load.delivered.ratio} < 1: ${r.load.delivered.expected - r.load.delivered.received} deliveries missing after the drain`);
  return w;
}

export { pct };

function loadLines(title: string, l: LoadSummary): string[] {
  return [
    `${title}`,
    `  offered    ${n(l.offered.messagesPerSec)} msg/s -> ${n(l.offered.deliveriesPerSec)} deliveries/s (${l.offered.membersPerRoom} members/room)`,
    `  sent       ${n(l.sent.messagesPerSec)} msg/s in the window (${n(l.sent.messages)} messages; worst tick lag ${l.sent.maxTickLagMs} ms)`,
    `  delivered  ${n(l.delivered.perSec)} deliveries/s, ratio ${l.delivered.ratio} (${n(l.delivered.received)} / ${n(l.delivered.expected)})`,
    `  latency    ${lat(l.latencyMs)}`,
  ];
}

function serverLoopLines(l: ServerLoopFigures): string[] {
  const kinds = Object.entries(l.gc.byKind)
    .filter(([, g]) => g.pauses > 0)
    .map(([kind, g]) => `${kind} ${g.pauses} (${g.pauseMs} ms${g.over10Ms ? `, ${g.over10Ms} over 10 ms` : ''})`);
  return [
    `srv loop   event-loop delay (timer period ${LOOP_RESOLUTION_MS} ms included) p50 ${l.delayP50Ms} ms, p99 ${l.delayP99Ms} ms, max ${l.delayMaxMs} ms`,
    `  GC       ${l.gc.pauses} pauses, ${l.gc.pauseMs} ms, ${l.gc.over10Ms} over 10 ms${kinds.length ? `: ${kinds.join('; ')}` : ''}`,
  ];
}

function serverLines(s: ServerReport | undefined): string[] {
  if (!s) return ['server     not watched (give --server-pid <pid|auto>)'];
  const perDelivery = s.cpuUsPerDelivery === null ? 'n/a' : `${s.cpuUsPerDelivery} µs`;
  return [`server     pid ${s.pid}: CPU ${s.cpuS} s (${pct(s.cpuCores)} of a core), ${perDelivery} CPU per delivered message; RSS ${mib(s.rssBeforeBytes)} -> ${mib(s.rssAfterBytes)} (peak ${mib(s.hwmBytes)})`];
}

/** The human summary (several lines, no trailing newline). */
export function formatHuman(r: BenchReport): string {
  const out: string[] = [`rgchat bench: mode ${r.mode} against ${r.url}`];
  if (r.connect) {
    const c = r.connect;
    out.push(`connect    ${n(c.connected)}/${n(c.attempted)} in ${c.seconds} s = ${n(c.perSec)} conn/s (open+hello->welcome p50 ${c.latencyMs.p50} ms, p99 ${c.latencyMs.p99} ms)${c.failed ? `, ${c.failed} FAILED` : ''}`);
  }
  if (r.idle) {
    const i = r.idle;
    out.push(`idle       ${n(i.connections)} connections held ${i.heldS} s: server RSS ${mib(i.serverRssBeforeBytes)} -> ${mib(i.serverRssAfterBytes)} = ${kb(i.serverRssPerConnectionBytes)} per connection (tool: ${kb(i.toolRssPerConnectionBytes)} per connection)`);
  }
  if (r.join) {
    const j = r.join;
    if (j.fill) out.push(`fill       ${n(j.fill.messages)} messages into ${j.roomId} in ${j.fill.seconds} s (${n(j.fill.perSec)} msg/s)`);
    out.push(`join       ${n(j.joins)} joins (${j.joinsPerSec}/s, ${j.failures} failed), history returned ${j.messagesReturned.min}..${j.messagesReturned.max} messages`);
    out.push(`  join_room -> joined_room  ${lat(j.latencyMs)}`);
  }
  if (r.slowReader) {
    const s = r.slowReader;
    out.push(...loadLines('without slow reader (all receivers)', s.without.others));
    out.push(`  room peers latency  ${lat(s.without.peers)}`);
    out.push(...serverLines(s.without.server).map((l) => `  ${l}`));
    out.push(...loadLines(`with connection ${s.slowConnection} in ${s.roomId} not reading (all other receivers)`, s.with.others));
    out.push(`  room peers latency  ${lat(s.with.peers)}`);
    out.push(...serverLines(s.with.server).map((l) => `  ${l}`));
    out.push(`p99 ratio  others ${s.othersP99Ratio ?? 'n/a'}x, room peers ${s.peersP99Ratio ?? 'n/a'}x (with / without)`);
    const sl = s.slow;
    const queued = `owed ~${kb(sl.backlogBytesEstimate)} at the window's end (growing ${kb(sl.bytesPerSecToSlow)}/s${sl.kernelQueuedBytes === null ? '' : `; ${kb(sl.kernelQueuedBytes)} of it in kernel socket buffers`})`;
    if (sl.closedByServer) {
      out.push(`slow one   CLOSED by the server (code ${sl.closeCode}) within ~${sl.closedAfterPauseS ?? '?'} s of stopping to read; ${queued}`);
    } else if (sl.windowMessagesReceived < sl.windowMessagesExpected) {
      out.push(`slow one   NOT closed, but after reading again it got only ${n(sl.windowMessagesReceived)} of ${n(sl.windowMessagesExpected)} window messages: the server DROPPED messages; ${queued}`);
    } else {
      out.push(`slow one   NOT closed by the server and nothing lost (${n(sl.windowMessagesReceived)} of ${n(sl.windowMessagesExpected)} after reading again); ${queued}`);
      out.push('           the backlog may not have exceeded the kernel buffers plus the server\'s budget: raise --rate, --senders, --text-chars or --duration');
    }
  } else if (r.load) {
    out.push(...loadLines(r.mode === 'join' ? 'background load' : 'load', r.load));
  }
  if (r.presence) out.push(...presenceLines(r.presence));
  if (r.abuse) out.push(...abuseLines(r.abuse));
  else if (!r.slowReader) out.push(...serverLines(r.server));
  if (r.serverLoop) out.push(...serverLoopLines(r.serverLoop));
  const t = r.toolUsage;
  out.push(`tool       CPU ${t.cpuS} s = ${pct(t.cpuCores)} of a core${t.saturated ? ' -> SATURATED (the tool was the limit)' : ' (not saturated)'}; event-loop delay p99 ${t.eventLoopDelayP99Ms} ms, max ${t.eventLoopDelayMaxMs} ms`);
  if (t.machineSteal !== null) out.push(`machine    hypervisor steal ${pct(t.machineSteal)} of all CPU time during the window`);
  const errs = Object.entries(r.errors.byCode);
  const closes = Object.entries(r.errors.closesByCode);
  out.push(`errors     ${errs.length ? errs.map(([k, v]) => `${k}=${v}`).join(' ') : 'none'}; unexpected closes ${closes.length ? closes.map(([k, v]) => `${k}=${v}`).join(' ') : 'none'}`);
  for (const w of r.warnings) out.push(`WARNING    ${w}`);
  return out.join('\n');
}

export function formatJsonLine(r: BenchReport): string {
  return JSON_PREFIX + JSON.stringify(r);
}

/** Finds and parses the BENCH_JSON line in a tool's output. */
export function parseJsonLine(output: string): BenchReport | undefined {
  const line = output.split('\n').find((l) => l.startsWith(JSON_PREFIX));
  return line === undefined ? undefined : (JSON.parse(line.slice(JSON_PREFIX.length)) as BenchReport);
}
