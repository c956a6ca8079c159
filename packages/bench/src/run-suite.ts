#!/usr/bin/env node
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { UsageError } from './args';
import { parseJsonLine, pct, type BenchReport } from './report';
import { figuresOf, formatTable, medianFigures, ratiosToBaseline, type Ratios, type RunFigures } from './suite/compare';
import { startServerProcess } from './suite/server-process';
import { parseSuiteArgs, SUITE_HELP, type SuiteOptions, type SuiteTarget } from './suite/suite-args';
import { runUntilQuiet } from './suite/steal-redo';

/** Prefix of the suite's one machine-readable line. */
export const SUITE_JSON_PREFIX = 'BENCH_SUITE_JSON ';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const pinned = (o: SuiteOptions, cpu: string, argv: string[]) => (o.pin ? ['taskset', '-c', cpu, ...argv] : argv);

/** Runs the load tool as a child, relays its output, returns its report and command line. */
function runTool(argv: string[]): Promise<{ report: BenchReport; commandLine: string }> {
  const commandLine = argv.join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => process.stderr.write(b));
    child.once('error', reject);
    child.once('exit', (code) => {
      for (const line of stdout.split('\n')) if (line && !line.startsWith('BENCH_JSON ')) process.stdout.write(`  | ${line}\n`);
      const report = parseJsonLine(stdout);
      if (code !== 0 || !report) return reject(new Error(`load tool exited with ${code}: ${commandLine}`));
      resolve({ report, commandLine });
    });
  });
}

interface TargetResult {
  name: string;
  serverCommand: string;
  toolCommands: string[];
  reports: BenchReport[];
  /** Runs redone because of hypervisor steal over --max-steal (kept for the record, not in the figures). */
  discarded: BenchReport[];
  noisyRunsKept: number;
  figures?: RunFigures;
  ratios?: Ratios;
}

interface RunRecord {
  readonly serverCommand: string;
  readonly toolCommand: string;
  readonly report: BenchReport;
}

/** One run of one target: start its server, drive it, stop it. */
async function runOnce(o: SuiteOptions, t: SuiteTarget, run: number): Promise<RunRecord> {
  const url = new URL(o.url);
  const port = Number(url.port);
  const serverArgv =
    t.cmd === undefined
      ? pinned(o, o.serverCpu, [process.execPath, join(__dirname, 'baseline-server.js'), '--port', String(port), '--host', url.hostname])
      : pinned(o, o.serverCpu, ['sh', '-c', t.cmd]);
  const env = t.cmd === undefined ? process.env : { ...process.env, ...o.serverEnv };
  process.stdout.write(`\n== ${t.name}${o.repeat > 1 ? ` run ${run}/${o.repeat}` : ''} ==\n`);
  const server = await startServerProcess(serverArgv, env, port, o.startupTimeoutS);
  const envNote = t.cmd === undefined ? '' : `${Object.entries(o.serverEnv).map(([k, v]) => `${k}=${v}`).join(' ')} `;
  const serverCommand = `${envNote}${server.commandLine}`;
  process.stdout.write(`server: ${serverCommand} (pid ${server.pid})\n`);
  let record: RunRecord;
  try {
    // Let a JIT-compiling server settle before it is measured.
    await sleep(500);
    // A server under test is asked for its own event-loop figures (rgchat serves /metrics on its port by default).
    const metricsArgs = t.cmd !== undefined && !o.benchArgs.some((a) => a.startsWith('--server-metrics')) ? ['--server-metrics', 'auto'] : [];
    const toolArgv = pinned(o, o.toolCpu, [process.execPath, join(__dirname, 'cli.js'), '--url', o.url, '--server-pid', String(server.pid), ...metricsArgs, ...o.benchArgs]);
    const { report, commandLine } = await runTool(toolArgv);
    process.stdout.write(`tool:   ${commandLine}\n`);
    record = { serverCommand, toolCommand: commandLine, report };
  } finally {
    await server.stop();
  }
  await sleep(1000);
  return record;
}

async function main(argv: readonly string[]): Promise<number> {
  let o: SuiteOptions;
  try {
    o = parseSuiteArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n\nRun with --help for usage.\n`);
      return 2;
    }
    throw e;
  }
  if (o.help) {
    process.stdout.write(SUITE_HELP);
    return 0;
  }
  const results: TargetResult[] = o.targets.map((t) => ({ name: t.name, serverCommand: '', toolCommands: [], reports: [], discarded: [], noisyRunsKept: 0 }));
  // Runs interleave (baseline, A, B, baseline, A, B, ...) so drift on a shared machine hits every server alike.
  for (let run = 1; run <= o.repeat; run++) {
    for (const [i, t] of o.targets.entries()) {
      const result = results[i]!;
      const outcome = await runUntilQuiet(
        () => runOnce(o, t, run),
        (r) => r.report.toolUsage.machineSteal,
        o.maxSteal,
        o.maxRedos,
        (_discarded, steal) => process.stdout.write(`discarded ${t.name} run ${run}: hypervisor steal ${pct(steal)} > ${pct(o.maxSteal ?? 0)}; running it again\n`),
      );
      result.serverCommand = outcome.kept.serverCommand;
      result.reports.push(outcome.kept.report);
      result.toolCommands.push(outcome.kept.toolCommand);
      result.discarded.push(...outcome.discarded.map((d) => d.report));
      if (outcome.noisy) {
        result.noisyRunsKept++;
        process.stdout.write(`WARNING: kept ${t.name} run ${run} despite hypervisor steal ${pct(outcome.kept.report.toolUsage.machineSteal ?? 0)} after ${o.maxRedos} redos\n`);
      }
    }
  }
  const figures = results.map((r) => medianFigures(r.reports.map(figuresOf)));
  results.forEach((r, i) => {
    r.figures = figures[i]!;
    if (i > 0) r.ratios = ratiosToBaseline(figures[i]!, figures[0]!);
  });

  const discarded = results.reduce((n, r) => n + r.discarded.length, 0);
  const stealNote = o.maxSteal === null ? '' : `; runs with hypervisor steal > ${pct(o.maxSteal)} redone (${discarded} discarded)`;
  process.stdout.write(`\n== comparison (medians of ${o.repeat} run${o.repeat > 1 ? 's' : ''}; ratios = server / baseline${stealNote}) ==\n`);
  process.stdout.write(`${formatTable(results.map((r, i) => ({ name: r.name, figures: figures[i]!, ratios: r.ratios })))}\n`);
  for (const [i, r] of results.entries()) {
    const f = figures[i]!;
    if (f.toolSaturated) process.stdout.write(`WARNING: the load tool saturated its core while driving ${r.name}; its figures measure the tool\n`);
    // idle mode and join without background send nothing: no ratio to judge.
    if (r.reports.some((x) => x.load) && f.deliveryRatio < 1) process.stdout.write(`WARNING: ${r.name} delivered ratio ${f.deliveryRatio} < 1\n`);
  }
  const summary = {
    url: o.url,
    pinned: o.pin ? { serverCpu: o.serverCpu, toolCpu: o.toolCpu } : null,
    benchArgs: o.benchArgs,
    maxSteal: o.maxSteal,
    results: results.map((r) => ({
      name: r.name,
      serverCommand: r.serverCommand,
      toolCommands: r.toolCommands,
      figures: r.figures,
      ratios: r.ratios ?? null,
      reports: r.reports,
      discardedForSteal: r.discarded.map((d) => d.toolUsage.machineSteal),
      noisyRunsKept: r.noisyRunsKept,
    })),
  };
  process.stdout.write(`${SUITE_JSON_PREFIX}${JSON.stringify(summary)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`suite failed: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
