#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatProfileSummary, summariseProfile, type CpuProfile } from './cpuprofile';

const HELP = `Summarises a V8 .cpuprofile (node --cpu-prof) as two Markdown tables: time per
function, self and inclusive, top N of each.

Usage: node packages/bench/dist/profile-summary.js <file.cpuprofile> [--top 25]
`;

function main(): number {
  const { values, positionals } = parseArgs({
    options: { top: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
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
  process.stdout.write(`${formatProfileSummary(summariseProfile(profile), top)}\n`);
  return 0;
}

process.exitCode = main();
