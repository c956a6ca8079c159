import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** One reading of a process's CPU time and memory from /proc (Linux only). */
export interface ProcSample {
  readonly pid: number;
  /** User + system CPU time of all its threads, in seconds (resolution 1/CLK_TCK, usually 10 ms). */
  readonly cpuS: number;
  readonly rssBytes: number;
  /** Peak RSS so far (VmHWM). */
  readonly hwmBytes: number;
  /** performance.now() when read. */
  readonly atMs: number;
}

let clockTicks: number | undefined;

/** CLK_TCK, asked of getconf once; 100 (the Linux default) when that fails. */
export function clockTicksPerSec(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Parses /proc/<pid>/stat text; the command name may hold spaces and parentheses, so fields count from the last ')'. */
export function parseStatCpuTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12 here.
  return Number(fields[11]) + Number(fields[12]);
}

/** Reads a `Vm*:   1234 kB` line of /proc/<pid>/status, in bytes. */
export function parseStatusKb(status: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** The machine's CPU time so far, summed over all CPUs, from the first line of /proc/stat (in clock ticks). */
export interface MachineCpu {
  readonly totalTicks: number;
  /** Time the hypervisor ran something else while a vCPU of this guest wanted to run. */
  readonly stealTicks: number;
}

/** Parses /proc/stat's `cpu  user nice system idle iowait irq softirq steal ...` line; undefined if absent. */
export function parseMachineCpu(stat: string): MachineCpu | undefined {
  const line = stat.split('\n', 1)[0] ?? '';
  if (!/^cpu\s/.test(line)) return undefined;
  // guest and guest_nice (fields 9, 10) are already counted in user and nice.
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (ticks.length < 8 || ticks.some((t) => !Number.isFinite(t))) return undefined;
  return { totalTicks: ticks.reduce((a, b) => a + b, 0), stealTicks: ticks[7]! };
}

export function sampleMachineCpu(): MachineCpu | undefined {
  try {
    return parseMachineCpu(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

/** Share of all CPU time between two readings that the hypervisor stole; null when unknown or no time passed. */
export function stealShare(a: MachineCpu | undefined, b: MachineCpu | undefined): number | null {
  if (!a || !b || b.totalTicks <= a.totalTicks) return null;
  return (b.stealTicks - a.stealTicks) / (b.totalTicks - a.totalTicks);
}

export function sampleProcess(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    pid,
    cpuS: parseStatCpuTicks(stat) / clockTicksPerSec(),
    rssBytes: parseStatusKb(status, 'VmRSS'),
    hwmBytes: parseStatusKb(status, 'VmHWM'),
    atMs: performance.now(),
  };
}

/** Socket inodes in LISTEN state on `port`, from /proc/net/tcp and tcp6. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; state 0A is LISTEN; inode is column 10.
      if (cols.length > 9 && cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A') inodes.add(cols[9]!);
    }
  }
  return inodes;
}

/**
 * The pid of the process listening on `port`, found through its socket inode
 * in /proc/<pid>/fd, so it works through wrappers (sh, taskset, pnpm).
 * Undefined when none is visible to this user.
 */
export function findListenerPid(port: number): number | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return Number(entry);
      } catch {
        // The fd closed between readdir and readlink.
      }
    }
  }
  return undefined;
}

/** Server figures over a measured interval. */
export interface ServerUsage {
  pid: number;
  cpuS: number;
  /** CPU seconds per wall second (1 = one full core). */
  cpuCores: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  hwmBytes: number;
}

export function usageBetween(a: ProcSample, b: ProcSample): ServerUsage {
  const wallS = (b.atMs - a.atMs) / 1000;
  const cpuS = b.cpuS - a.cpuS;
  return {
    pid: a.pid,
    cpuS: round(cpuS, 3),
    cpuCores: wallS > 0 ? round(cpuS / wallS, 3) : 0,
    rssBeforeBytes: a.rssBytes,
    rssAfterBytes: b.rssBytes,
    hwmBytes: b.hwmBytes,
  };
}

export const round = (n: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};
