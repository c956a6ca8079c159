import type { BenchOptions } from './args';
import { runAbuse } from './modes/abuse';
import { runFanout } from './modes/fanout';
import { runIdle } from './modes/idle';
import { runJoin } from './modes/join';
import { runPresence } from './modes/presence';
import { runSlowReader } from './modes/slow-reader';
import type { RunContext } from './phase';
import { findListenerPid } from './proc-stats';
import { createTally } from './recorder';
import type { BenchReport } from './report';

export interface RunBenchOptions {
  /** Progress lines (default: none). */
  readonly log?: (line: string) => void;
}

function resolvePid(options: BenchOptions, log: (l: string) => void): number | undefined {
  if (options.serverPid !== 'auto') return options.serverPid;
  const url = new URL(options.url);
  const port = url.port ? Number(url.port) : url.protocol === 'wss:' ? 443 : 80;
  const pid = findListenerPid(port);
  if (pid === undefined) throw new Error(`--server-pid auto: no process visible to this user listens on port ${port}`);
  log(`server pid ${pid} (listening on port ${port})`);
  return pid;
}

/** Runs one benchmark as the options say and returns its report (nothing is printed but progress). */
export async function runBench(options: BenchOptions, run: RunBenchOptions = {}): Promise<BenchReport> {
  const log = run.log ?? (() => undefined);
  const ctx: RunContext = { options, tally: createTally(), serverPid: resolvePid(options, log), log };
  const startedAt = new Date();
  switch (options.mode) {
    case 'fanout':
      return runFanout(ctx, startedAt);
    case 'idle':
      return runIdle(ctx, startedAt);
    case 'join':
      return runJoin(ctx, startedAt);
    case 'slow-reader':
      return runSlowReader(ctx, startedAt);
    case 'abuse':
      return runAbuse(ctx, startedAt);
    case 'presence':
      return (await runPresence(ctx, startedAt)).report;
  }
}
