import { parseArgs } from 'node:util';
import { UsageError } from '../args';

export interface SuiteTarget {
  readonly name: string;
  /** Shell command; undefined for the built-in baseline. */
  readonly cmd: string | undefined;
}

export interface SuiteOptions {
  readonly url: string;
  readonly targets: SuiteTarget[];
  /** Extra environment for the servers under test (not the baseline). */
  readonly serverEnv: Record<string, string>;
  readonly serverCpu: string;
  readonly toolCpu: string;
  readonly pin: boolean;
  readonly startupTimeoutS: number;
  readonly repeat: number;
  /** Discard and redo a run during which the hypervisor stole more than this share of CPU time; null keeps every run. */
  readonly maxSteal: number | null;
  /** Redos per run slot before a noisy run is kept anyway (and flagged). */
  readonly maxRedos: number;
  /** Arguments for the load tool (after `--`), on top of --url and --server-pid. */
  readonly benchArgs: string[];
  readonly help: boolean;
}

/** 50,000 deliveries/s in 20-member rooms: 10 rooms x 1 sender x 250 msg/s x 20 members. */
export const DEFAULT_BENCH_ARGS = ['--connections', '200', '--rooms', '10', '--senders', '1', '--rate', '250', '--duration', '10', '--warmup', '3'];

/** Rate limits lifted so the bench's own sends are not refused (rgchat env names). */
export const DEFAULT_SERVER_ENV: Record<string, string> = {
  RATE_LIMIT_PER_SEC: '1000000',
  RATE_LIMIT_BURST: '1000000',
  MAX_PENDING_REQUESTS: '10000',
  // Every bench client is 127.0.0.1: the per-address limits would refuse it as one client.
  RATE_LIMIT_PER_IP_PER_SEC: '1000000',
  RATE_LIMIT_PER_IP_BURST: '1000000',
  MAX_CONNECTIONS_PER_IP: '1000000',
  // Every run creates its rooms from 127.0.0.1; many runs in an hour would exhaust the default 30.
  ROOM_CREATES_PER_IP_PER_HOUR: '1000000',
};

export const SUITE_HELP = `rgchat bench suite: the bare uWebSockets.js baseline and each server under test,
one after the other, at the same offered load, server and load tool pinned to
separate cores; prints each server's ratios to the baseline.

Usage: node packages/bench/dist/run-suite.js --server-cmd "<command>" [options] [-- <bench options>]

  --server-cmd <cmd>     server under test, run with sh -c in its own process group;
                         repeat for several (each compared with the baseline). It must
                         listen on --url's port. Without any, only the baseline runs.
  --server-name <name>   label for the matching --server-cmd (default: server-1, ...)
  --server-env K=V       environment for the servers under test (repeatable); by default
                         RATE_LIMIT_PER_SEC=1000000 RATE_LIMIT_BURST=1000000
                         MAX_PENDING_REQUESTS=10000 RATE_LIMIT_PER_IP_PER_SEC=1000000
                         RATE_LIMIT_PER_IP_BURST=1000000 MAX_CONNECTIONS_PER_IP=1000000
                         ROOM_CREATES_PER_IP_PER_HOUR=1000000 so rgchat's per-connection
                         and per-address limits (meant for one human each) do not
                         refuse the bench's senders
  --url <ws-url>         where the servers listen (default ws://127.0.0.1:8080/); the
                         baseline is started on the same host and port
  --server-cpu <list>    taskset CPU list for the servers (default 1)
  --tool-cpu <list>      taskset CPU list for the load tool (default 0)
  --no-pin               do not use taskset
  --startup-timeout <s>  wait for the server to listen (default 30)
  --repeat <n>           runs per server, interleaved across servers; medians are compared
                         (default 1; CPU per delivery varies ~10% run to run on a shared
                         machine, so use 3 or more for published figures)
  --max-steal <percent>  discard and redo any run (baseline's too) during which the
                         hypervisor stole more than this share of the machine's CPU
                         time (/proc/stat steal); on a shared VM steal moves CPU per
                         delivery and p99 more than the differences being measured.
                         Default: keep every run (the table shows the worst steal)
  --max-redos <n>        redos per run before a noisy run is kept and flagged (default 4)
  -- <bench options>     passed to the load tool (default: ${DEFAULT_BENCH_ARGS.join(' ')},
                         i.e. 50,000 deliveries/s in 20-member rooms); see cli.js --help

The server process measured is the one listening on the port (found in /proc), so
wrappers such as sh or pnpm are fine; it must belong to the started process group.

Example
  node packages/bench/dist/run-suite.js \\
    --server-cmd "CHAT_TRANSPORT=uws SQLITE_PATH=/tmp/bench.db node packages/app/dist/main.js" --server-name uws-sqlite \\
    --server-cmd "CHAT_TRANSPORT=ws SQLITE_PATH=/tmp/bench.db node packages/app/dist/main.js" --server-name ws-sqlite

Output: per run the tool's summary, then a table of ratios, then one line
"BENCH_SUITE_JSON {...}" holding every report and the exact commands.
`;

export function parseSuiteArgs(argv: readonly string[]): SuiteOptions {
  const dashDash = argv.indexOf('--');
  const own = dashDash < 0 ? argv : argv.slice(0, dashDash);
  const benchArgs = dashDash < 0 ? [...DEFAULT_BENCH_ARGS] : argv.slice(dashDash + 1);
  let values;
  try {
    values = parseArgs({
      args: [...own],
      options: {
        'server-cmd': { type: 'string', multiple: true },
        'server-name': { type: 'string', multiple: true },
        'server-env': { type: 'string', multiple: true },
        url: { type: 'string' },
        'server-cpu': { type: 'string' },
        'tool-cpu': { type: 'string' },
        'no-pin': { type: 'boolean' },
        'startup-timeout': { type: 'string' },
        repeat: { type: 'string' },
        'max-steal': { type: 'string' },
        'max-redos': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const cmds = values['server-cmd'] ?? [];
  const names = values['server-name'] ?? [];
  if (names.length > cmds.length) throw new UsageError('more --server-name than --server-cmd');
  const serverEnv: Record<string, string> = { ...DEFAULT_SERVER_ENV };
  for (const kv of values['server-env'] ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--server-env wants KEY=VALUE, got "${kv}"`);
    serverEnv[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const url = values.url ?? 'ws://127.0.0.1:8080/';
  if (!/^ws:\/\/[^/]+:\d+/.test(url)) throw new UsageError(`--url must be ws://host:port/..., got "${url}"`);
  if (benchArgs.some((a) => a === '--url' || a.startsWith('--url=') || a === '--server-pid' || a.startsWith('--server-pid='))) {
    throw new UsageError('give --url to the suite, not after --; the suite sets --server-pid itself');
  }
  const repeat = Number(values.repeat ?? '1');
  const startupTimeoutS = Number(values['startup-timeout'] ?? '30');
  if (!Number.isInteger(repeat) || repeat < 1) throw new UsageError('--repeat must be a positive integer');
  if (!(startupTimeoutS > 0)) throw new UsageError('--startup-timeout must be positive');
  const maxStealPct = values['max-steal'] === undefined ? null : Number(values['max-steal']);
  if (maxStealPct !== null && !(maxStealPct >= 0 && maxStealPct <= 100)) throw new UsageError('--max-steal must be a percentage between 0 and 100');
  const maxRedos = Number(values['max-redos'] ?? '4');
  if (!Number.isInteger(maxRedos) || maxRedos < 0) throw new UsageError('--max-redos must be a non-negative integer');
  return {
    url,
    targets: [{ name: 'baseline', cmd: undefined }, ...cmds.map((cmd, i) => ({ name: names[i] ?? `server-${i + 1}`, cmd }))],
    serverEnv,
    serverCpu: values['server-cpu'] ?? '1',
    toolCpu: values['tool-cpu'] ?? '0',
    pin: values['no-pin'] !== true,
    startupTimeoutS,
    repeat,
    maxSteal: maxStealPct === null ? null : maxStealPct / 100,
    maxRedos,
    benchArgs,
    help: values.help === true,
  };
}
