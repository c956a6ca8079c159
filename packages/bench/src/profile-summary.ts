#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatProfileSummary, summariseProfile, type CpuProfile } from './cpuprofile';
import { findStalls, formatStalls } from './cpuprofile-stalls';

const HELP = `Summarises a V8 .cpuprofile (node --cpu-prof) as two Markdown tables: time per
function, self and inclusive, top N of each.

Usage: node packages/bench/dist/profile-summary.js <file.cpuprofile> [--top 25] [--stalls <ms>]

  --stalls <ms>   instead: the event-loop stalls, i.e. stretches of at least <ms> with the
                  JS thread never idle, the longest --top of them with what ran in each
                  (GC time, top self and inclusive functions). Profile with a fine interval,
                  e.g. node --cpu-prof --cpu-prof-interval 100 packages/app/dist/main.js
`;

function main(): number {
  const { values, positionals } = parseArgs({
    options: { top: { type: 'string' }, stalls: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  const file = positionals[0];
  if (values.help || file === undefined) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  const top = Number(values.top ?? 25);
  if (!Number.isInteger(top) || top <= 0) {
    process.stderr.write('--top wants a positive integer\n');
    return 2;
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  if (values.stalls !== undefined) {
    const minMs = Number(values.stalls);
    if (!Number.isFinite(minMs) || minMs <= 0) {
      process.stderr.write('--stalls wants a positive number of ms\n');
      return 2;
    }
    process.stdout.write(`${formatStalls(findStalls(profile, minMs), minMs, top)}\n`);
    return 0;
  }
  process.stdout.write(`${formatProfileSummary(summariseProfile(profile), top)}\n`);
  return 0;
}

process.exitCode = main();
