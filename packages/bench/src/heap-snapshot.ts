/**
 * Sums a V8 heap snapshot (`node --heapsnapshot-signal`, `v8.writeHeapSnapshot`)
 * by node type and constructor: what a server holds per connection, read from
 * the snapshot alone. Divided by the connections held, it names the objects
 * behind an idle-memory figure (docs/benchmarks.md, idle memory).
 */

/** The parts of the .heapsnapshot JSON this reads (see V8's heap-snapshot-generator). */
export interface HeapSnapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: readonly string[]; readonly node_types: readonly [readonly string[], ...unknown[]] } };
  readonly nodes: readonly number[];
  readonly strings: readonly string[];
}

export interface HeapGroup {
  /** Node type and, for objects and closures, the constructor or function name ("object Bucket", "closure send"). */
  readonly kind: string;
  readonly count: number;
  readonly selfBytes: number;
}

export interface HeapSummary {
  readonly totalBytes: number;
  readonly nodes: number;
  /** Largest self size first. */
  readonly groups: readonly HeapGroup[];
}

/** Types whose name is content (a string's text, a number), not a constructor: grouped under the type alone. */
const NAMELESS = new Set(['string', 'concatenated string', 'sliced string', 'number', 'code', 'regexp', 'bigint']);

export function summariseHeap(snap: HeapSnapshot): HeapSummary {
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  if (typeAt < 0 || nameAt < 0 || sizeAt < 0 || width === 0) throw new Error('not a V8 heap snapshot: node_fields lacks type, name or self_size');
  const groups = new Map<string, { count: number; selfBytes: number }>();
  let totalBytes = 0;
  const { nodes, strings } = snap;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt] as number] ?? '?';
    const size = nodes[i + sizeAt] as number;
    const kind = NAMELESS.has(type) ? type : `${type} ${(strings[nodes[i + nameAt] as number] ?? '').slice(0, 80)}`;
    const g = groups.get(kind) ?? { count: 0, selfBytes: 0 };
    g.count++;
    g.selfBytes += size;
    groups.set(kind, g);
    totalBytes += size;
  }
  const sorted = [...groups].map(([kind, g]) => ({ kind, ...g })).sort((a, b) => b.selfBytes - a.selfBytes);
  return { totalBytes, nodes: nodes.length / width, groups: sorted };
}

/**
 * A Markdown table of the `top` largest groups; with `per` (connections held),
 * bytes and counts are divided by it. With `base` (a snapshot before the
 * connections), each group's growth since then is shown instead of its size.
 */
export function formatHeapSummary(summary: HeapSummary, options: { top: number; per?: number; base?: HeapSummary | undefined }): string {
  const per = options.per ?? 1;
  const baseBy = new Map((options.base?.groups ?? []).map((g) => [g.kind, g]));
  const rows = summary.groups.map((g) => {
    const b = baseBy.get(g.kind);
    return { kind: g.kind, count: g.count - (b?.count ?? 0), selfBytes: g.selfBytes - (b?.selfBytes ?? 0) };
  });
  rows.sort((a, b) => b.selfBytes - a.selfBytes);
  const unit = per === 1 ? '' : ' per connection';
  const growth = options.base ? 'growth, ' : '';
  const totalBytes = summary.totalBytes - (options.base?.totalBytes ?? 0);
  const out = [
    `heap ${growth}total: ${fmt(totalBytes / per)} B${unit} (${fmt(totalBytes / 1e6, 1)} MB${per === 1 ? '' : ` over ${per}`})`,
    '',
    `| type and constructor | count${unit} | self bytes${unit} |`,
    '| --- | ---: | ---: |',
  ];
  for (const r of rows.slice(0, options.top)) out.push(`| ${r.kind.replace(/\|/g, '\\|')} | ${fmt(r.count / per, per === 1 ? 0 : 2)} | ${fmt(r.selfBytes / per)} |`);
  return out.join('\n');
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
