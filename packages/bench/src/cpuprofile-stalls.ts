import { labelOf, type CpuProfile } from './cpuprofile';

/**
 * Event-loop stalls found in a V8 `.cpuprofile`: stretches of consecutive
 * samples with the JS thread never idle. Node marks the thread idle while it
 * waits in epoll, so a busy stretch is time in which no timer, socket or
 * message could be served, which is what a client feels as a stall. Each one
 * is named by what ran in it, so a stall counted by the server's event-loop
 * histogram can be given its cause (GC, a commit, a history read, JSON...).
 */

export interface Stall {
  /** When the stretch began, ms after the profile's start. */
  readonly atMs: number;
  readonly busyMs: number;
  /** Of busyMs, time in V8's `(garbage collector)`. */
  readonly gcMs: number;
  /** The functions with the most self time in the stretch, largest first. */
  readonly topSelf: readonly { readonly label: string; readonly ms: number }[];
  /** The functions with the most inclusive time, largest first; runtime glue that spans everything is left out. */
  readonly topInclusive: readonly { readonly label: string; readonly ms: number }[];
}

/** Frames on nearly every stack that name no cause. */
const GLUE = new Set(['(root)', '(program)', 'processTicksAndRejections', 'listOnTimeout', 'processTimers', 'runMicrotasks']);

const TOP = 4;

function top(times: ReadonlyMap<string, number>): { label: string; ms: number }[] {
  return [...times]
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP)
    .map(([label, us]) => ({ label, ms: Math.round(us / 100) / 10 }));
}

/** Every busy stretch of at least `minMs`, in profile order. */
export function findStalls(profile: CpuProfile, minMs: number): Stall[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const isIdle = (id: number) => byId.get(id)?.callFrame.functionName === '(idle)';

  const stalls: Stall[] = [];
  let atUs = 0;
  let i = 0;
  const n = profile.samples.length;
  while (i < n) {
    if (isIdle(profile.samples[i]!)) {
      atUs += profile.timeDeltas[i] ?? 0;
      i++;
      continue;
    }
    // A sample's delta is the time since the previous one: the stretch's own time starts with its first sample's delta.
    const startUs = atUs;
    let busyUs = 0;
    const first = i;
    while (i < n && !isIdle(profile.samples[i]!)) {
      busyUs += profile.timeDeltas[i] ?? 0;
      i++;
    }
    atUs += busyUs;
    if (busyUs < minMs * 1000) continue;
    const self = new Map<string, number>();
    const inclusive = new Map<string, number>();
    let gcUs = 0;
    for (let k = first; k < i; k++) {
      const id = profile.samples[k]!;
      const us = profile.timeDeltas[k] ?? 0;
      const node = byId.get(id);
      if (!node) continue;
      if (node.callFrame.functionName === '(garbage collector)') gcUs += us;
      const label = labelOf(node.callFrame);
      self.set(label, (self.get(label) ?? 0) + us);
      const seen = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const l = labelOf(byId.get(at)!.callFrame);
        if (seen.has(l) || GLUE.has(byId.get(at)!.callFrame.functionName)) continue;
        seen.add(l);
        inclusive.set(l, (inclusive.get(l) ?? 0) + us);
      }
    }
    stalls.push({ atMs: Math.round(startUs / 100) / 10, busyMs: Math.round(busyUs / 100) / 10, gcMs: Math.round(gcUs / 100) / 10, topSelf: top(self), topInclusive: top(inclusive) });
  }
  return stalls;
}

/** A Markdown table of the stalls, longest first, at most `limit` rows, under a count by length. */
export function formatStalls(stalls: readonly Stall[], minMs: number, limit: number): string {
  const over = (ms: number) => stalls.filter((s) => s.busyMs > ms).length;
  const bands = [minMs, 20, 50, 100].filter((b, k, all) => b >= minMs && all.indexOf(b) === k);
  const list = (xs: readonly { label: string; ms: number }[]) => xs.map((x) => `\`${x.label}\` ${x.ms}`).join(', ');
  const rows = [...stalls].sort((a, b) => b.busyMs - a.busyMs).slice(0, limit);
  return [
    `Busy stretches of at least ${minMs} ms: ${stalls.length} (${bands.map((b) => `over ${b} ms: ${over(b)}`).join(', ')}).`,
    '',
    '| at s | busy ms | GC ms | most self time (ms) | most inclusive time (ms) |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((s) => `| ${(s.atMs / 1000).toFixed(2)} | ${s.busyMs} | ${s.gcMs} | ${list(s.topSelf)} | ${list(s.topInclusive)} |`),
  ].join('\n');
}
