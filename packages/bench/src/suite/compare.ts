import { pct, type BenchReport } from '../report';

/** One run's figures that the comparison uses. */
export interface RunFigures {
  deliveredPerSec: number;
  deliveryRatio: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuCores: number | null;
  cpuUsPerDelivery: number | null;
  toolCpuCores: number;
  toolSaturated: boolean;
  /** The server's longest event-loop tick-to-tick time in the window, ms (null: not scraped). */
  loopMaxMs: number | null;
  /** Share of the machine's CPU time the hypervisor stole in the window (null: unknown); medians report the worst run. */
  machineSteal: number | null;
}

export function figuresOf(r: BenchReport): RunFigures {
  return {
    deliveredPerSec: r.load?.delivered.perSec ?? 0,
    deliveryRatio: r.load?.delivered.ratio ?? 0,
    p50Ms: r.load?.latencyMs.p50 ?? 0,
    p99Ms: r.load?.latencyMs.p99 ?? 0,
    serverCpuCores: r.server?.cpuCores ?? null,
    cpuUsPerDelivery: r.server?.cpuUsPerDelivery ?? null,
    toolCpuCores: r.toolUsage.cpuCores,
    toolSaturated: r.toolUsage.saturated,
    loopMaxMs: r.serverLoop?.delayMaxMs ?? null,
    machineSteal: r.toolUsage.machineSteal ?? null,
  };
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const m = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return Math.round(m * 1e4) / 1e4;
}

const medianOrNull = (xs: ReadonlyArray<number | null>): number | null => {
  const present = xs.filter((x): x is number => x !== null);
  return present.length === xs.length && present.length > 0 ? median(present) : null;
};

/** Median figures over repeated runs (worst case for the ratio and saturation flags). */
export function medianFigures(runs: readonly RunFigures[]): RunFigures {
  return {
    deliveredPerSec: median(runs.map((r) => r.deliveredPerSec)),
    deliveryRatio: Math.min(...runs.map((r) => r.deliveryRatio)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    serverCpuCores: medianOrNull(runs.map((r) => r.serverCpuCores)),
    cpuUsPerDelivery: medianOrNull(runs.map((r) => r.cpuUsPerDelivery)),
    toolCpuCores: Math.max(...runs.map((r) => r.toolCpuCores)),
    toolSaturated: runs.some((r) => r.toolSaturated),
    loopMaxMs: medianOrNull(runs.map((r) => r.loopMaxMs)),
    machineSteal: runs.some((r) => r.machineSteal === null) ? null : Math.max(...runs.map((r) => r.machineSteal!)),
  };
}

export interface Ratios {
  /** Server CPU per delivered message, this server / baseline. */
  cpuPerDelivery: number | null;
  p99: number | null;
  p50: number | null;
}

const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : Math.round((a / b) * 1000) / 1000);

export function ratiosToBaseline(target: RunFigures, baseline: RunFigures): Ratios {
  return {
    cpuPerDelivery: ratio(target.cpuUsPerDelivery, baseline.cpuUsPerDelivery),
    p99: ratio(target.p99Ms, baseline.p99Ms),
    p50: ratio(target.p50Ms, baseline.p50Ms),
  };
}

const pad = (s: string, w: number) => (s.length >= w ? s : s + ' '.repeat(w - s.length));

/** A fixed-width table of the medians and ratios. */
export function formatTable(rows: ReadonlyArray<{ name: string; figures: RunFigures; ratios: Ratios | undefined }>): string {
  const head = ['server', 'delivered/s', 'ratio', 'p50 ms', 'p99 ms', 'srv cores', 'µs CPU/deliv', 'CPU/deliv x', 'p99 x', 'tool cores', 'loop max ms', 'max steal'];
  const lines = rows.map(({ name, figures: f, ratios: x }) => [
    name,
    String(Math.round(f.deliveredPerSec)),
    String(f.deliveryRatio),
    String(f.p50Ms),
    String(f.p99Ms),
    f.serverCpuCores === null ? 'n/a' : String(f.serverCpuCores),
    f.cpuUsPerDelivery === null ? 'n/a' : String(f.cpuUsPerDelivery),
    x ? String(x.cpuPerDelivery ?? 'n/a') : '1 (ref)',
    x ? String(x.p99 ?? 'n/a') : '1 (ref)',
    `${f.toolCpuCores}${f.toolSaturated ? ' SATURATED' : ''}`,
    f.loopMaxMs === null ? 'n/a' : String(f.loopMaxMs),
    f.machineSteal === null ? 'n/a' : pct(f.machineSteal),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)) + 2);
  return [head, ...lines].map((l) => l.map((c, i) => pad(c, widths[i]!)).join('').trimEnd()).join('\n');
}
