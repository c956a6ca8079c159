/**
 * Summaries of a V8 `.cpuprofile` (what `node --cpu-prof` writes): time per
 * function, self and inclusive, so a profile can be quoted in
 * docs/benchmarks.md as a table instead of a screenshot of DevTools.
 */

/** The parts of the .cpuprofile format this reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  /** Microseconds since the previous sample; the first is since startTime. */
  readonly timeDeltas: readonly number[];
}

export interface FunctionTime {
  /** `name file:line`, the file shortened to what follows `packages/` or `node_modules/`. */
  readonly label: string;
  readonly selfMs: number;
  readonly inclusiveMs: number;
}

export interface ProfileSummary {
  /** Sampled time on the JS thread outside `(idle)`. */
  readonly busyMs: number;
  readonly idleMs: number;
  /** Every function seen, by self time, largest first. */
  readonly functions: readonly FunctionTime[];
}

const shortUrl = (url: string): string => url.replace(/^.*\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, '').replace(/^.*\/packages\//, '');

export function labelOf(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const name = frame.functionName || '(anonymous)';
  return frame.url ? `${name} ${shortUrl(frame.url)}:${frame.lineNumber + 1}` : name;
}

export function summariseProfile(profile: CpuProfile): ProfileSummary {
  const parent = new Map<number, number>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busyUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    if (node.callFrame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const label = labelOf(node.callFrame);
    self.set(label, (self.get(label) ?? 0) + us);
    // Once per label per stack, so recursion is not counted twice.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const l = labelOf(byId.get(at)!.callFrame);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + us);
    }
  }
  const functions = [...inclusive.keys()]
    .map((label) => ({ label, selfMs: (self.get(label) ?? 0) / 1000, inclusiveMs: inclusive.get(label)! / 1000 }))
    .sort((a, b) => b.selfMs - a.selfMs || b.inclusiveMs - a.inclusiveMs);
  return { busyMs: busyUs / 1000, idleMs: idleUs / 1000, functions };
}

/** Two tables (top `limit` by self and by inclusive time) in Markdown. */
export function formatProfileSummary(s: ProfileSummary, limit: number): string {
  const pct = (ms: number) => (s.busyMs > 0 ? ((100 * ms) / s.busyMs).toFixed(1) : '0.0');
  const table = (title: string, rows: readonly FunctionTime[], pick: (f: FunctionTime) => number) =>
    [`| ${title} | ms | % of busy |`, '| --- | --- | --- |', ...rows.map((f) => `| \`${f.label}\` | ${pick(f).toFixed(1)} | ${pct(pick(f))} |`)].join('\n');
  const bySelf = s.functions.slice(0, limit);
  const byInclusive = [...s.functions].sort((a, b) => b.inclusiveMs - a.inclusiveMs).slice(0, limit);
  return [
    `JS thread: ${s.busyMs.toFixed(0)} ms busy, ${s.idleMs.toFixed(0)} ms idle (native uWS and kernel work outside JS calls counts as idle here).`,
    '',
    table('self time', bySelf, (f) => f.selfMs),
    '',
    table('inclusive time', byInclusive, (f) => f.inclusiveMs),
  ].join('\n');
}
