#!/usr/bin/env node
import { parseBenchArgs, UsageError } from './args';
import { HELP } from './help';
import { runBench } from './bench';
import { formatHuman, formatJsonLine } from './report';

/** `node dist/cli.js [options]`: progress on stderr; summary and the BENCH_JSON line on stdout. */
async function main(argv: readonly string[]): Promise<number> {
  let options;
  try {
    options = parseBenchArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n\nRun with --help for usage.\n`);
      return 2;
    }
    throw e;
  }
  if (options.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const report = await runBench(options, { log: (l) => process.stderr.write(`[bench] ${l}\n`) });
  process.stdout.write(`${formatHuman(report)}\n${formatJsonLine(report)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench failed: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
