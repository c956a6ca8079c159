#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatHeapSummary, summariseHeap, type HeapSnapshot } from './heap-snapshot';

const HELP = `Sums a V8 .heapsnapshot by node type and constructor, as a Markdown table.

Usage: node packages/bench/dist/heap-summary.js <file.heapsnapshot> [--per <connections>] [--base <before.heapsnapshot>] [--top 30]

  --per <n>      divide counts and bytes by n (the connections the server held)
  --base <file>  a snapshot of the same server before the connections: show the growth
                 since then per group (what the connections added)

Take the snapshots with node --heapsnapshot-signal=SIGWINCH packages/app/dist/main.js
(SIGUSR2 is the server's restart signal), before and while holding connections, e.g.
node packages/bench/dist/cli.js --mode idle --connections 10000 --idle-seconds 30.
`;

const read = (file: string): HeapSnapshot => JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot;

function main(): number {
  const { values, positionals } = parseArgs({
    options: { per: { type: 'string' }, base: { type: 'string' }, top: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  const file = positionals[0];
  if (values.help || file === undefined) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  const top = Number(values.top ?? 30);
  const per = Number(values.per ?? 1);
  if (!Number.isInteger(top) || top <= 0 || !Number.isInteger(per) || per <= 0) {
    process.stderr.write('--top and --per want positive integers\n');
    return 2;
  }
  const base = values.base === undefined ? undefined : summariseHeap(read(values.base));
  process.stdout.write(`${formatHeapSummary(summariseHeap(read(file)), { top, per, base })}\n`);
  return 0;
}

process.exitCode = main();
