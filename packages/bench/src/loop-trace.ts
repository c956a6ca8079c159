/**
 * Event-loop turns of a Node process read from a scheduler trace (`perf
 * script` of sched_switch and syscall tracepoints), so that every long turn,
 * a stall, can be split into what the main thread did meanwhile: ran on the
 * CPU (JS, GC, native code; the CPU profile says which), waited for the CPU
 * while another task ran on its core (and which), slept inside a blocking
 * call (a futex, an fsync), or lost the vCPU to the hypervisor. A turn runs
 * from the main thread's return from epoll to its next entry into epoll.
 */

export interface TraceEvent {
  readonly tid: number;
  readonly comm: string;
  readonly timeS: number;
  /** `sched:sched_switch`, `syscalls:sys_enter_futex`, ... */
  readonly event: string;
  readonly trace: string;
}

const LINE = /^\s*(.+?)\s+(\d+)\s+\[\d+\]\s+([\d.]+):\s+([\w:]+):\s?(.*)$/;

/** Parses `perf script -F comm,tid,cpu,time,event,trace` output; other lines are skipped. */
export function parsePerfScript(text: string): TraceEvent[] {
  const out: TraceEvent[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (m) out.push({ comm: m[1]!, tid: Number(m[2]), timeS: Number(m[3]), event: m[4]!, trace: m[5]! });
  }
  return out;
}

export interface Turn {
  readonly startS: number;
  readonly ms: number;
  /** The main thread's run time as the guest scheduler accounted it (`sched_stat_runtime`; steal is not in it). */
  readonly ranMs: number;
  /** Run time of other tasks on the same CPU meanwhile, by `comm/tid`: the main thread waited for them. */
  readonly othersRanMs: number;
  readonly othersRan: Readonly<Record<string, number>>;
  /** Asleep inside a call, by syscall (`futex`, `fdatasync`, `?` for one not traced). */
  readonly blockedMs: number;
  readonly blockedIn: Readonly<Record<string, number>>;
  /** The rest: time the hypervisor stole from the vCPU, or tasks the trace does not show. */
  readonly unaccountedMs: number;
}

const EPOLL_ENTER = new Set(['syscalls:sys_enter_epoll_pwait', 'syscalls:sys_enter_epoll_wait', 'syscalls:sys_enter_epoll_pwait2']);
const EPOLL_EXIT = new Set(['syscalls:sys_exit_epoll_pwait', 'syscalls:sys_exit_epoll_wait', 'syscalls:sys_exit_epoll_pwait2']);
const SWITCH_OUT = /prev_pid=(\d+) .*prev_state=(\S+) ==>/;
const RUNTIME = /comm=(.*?) pid=(\d+) runtime=(\d+)/;

const ms3 = (s: number) => Math.round(s * 1e6) / 1e3;

/**
 * Every complete turn of thread `mainTid` in the trace, in order. Run times
 * come from the scheduler's own accounting, not from pairing switch events:
 * perf does not record every switch (not those out of the idle task, nor
 * some tasks' at all), but every task's run time is reported as it runs.
 * A report covering time before the turn counts up to the turn's length so far.
 */
export function loopTurns(events: readonly TraceEvent[], mainTid: number): Turn[] {
  const turns: Turn[] = [];
  let turnStart: number | undefined;
  let syscall: string | undefined;
  /** When the main thread went to sleep (not preempted) inside the current turn. */
  let asleepSince: number | undefined;
  /** Each task's previous run-time report, to know what span a report covers. */
  const lastReport = new Map<number, number>();
  let acc = { ran: 0, others: new Map<string, number>(), blocked: 0, inCall: new Map<string, number>() };
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);

  for (const e of events) {
    if (e.tid === mainTid && asleepSince !== undefined) {
      // The thread's own event: it runs again. perf leaves out switches out of the idle task.
      if (turnStart !== undefined) {
        acc.blocked += e.timeS - asleepSince;
        add(acc.inCall, syscall ?? '?', e.timeS - asleepSince);
      }
      asleepSince = undefined;
    }
    if (e.event === 'sched:sched_switch') {
      const m = SWITCH_OUT.exec(e.trace);
      if (m && Number(m[1]) === mainTid && turnStart !== undefined && !m[2]!.startsWith('R')) asleepSince = e.timeS;
      continue;
    }
    if (e.event === 'sched:sched_stat_runtime') {
      const m = RUNTIME.exec(e.trace);
      if (!m) continue;
      const tid = Number(m[2]);
      const runS = Number(m[3]) / 1e9;
      const since = lastReport.get(tid);
      lastReport.set(tid, e.timeS);
      if (turnStart === undefined || tid === 0) continue;
      // A report may cover run time from before the turn; inside it, no more than the turn's time so far.
      const inside = since !== undefined && since >= turnStart ? runS : Math.min(runS, e.timeS - turnStart);
      if (tid === mainTid) acc.ran += inside;
      else add(acc.others, `${m[1]}/${tid}`, inside);
      continue;
    }
    if (e.tid !== mainTid) continue;
    if (EPOLL_EXIT.has(e.event)) {
      syscall = undefined;
      turnStart = e.timeS;
      acc = { ran: 0, others: new Map(), blocked: 0, inCall: new Map() };
      continue;
    }
    if (EPOLL_ENTER.has(e.event)) {
      if (turnStart !== undefined) {
        const ms = ms3(e.timeS - turnStart);
        const othersRanMs = ms3([...acc.others.values()].reduce((a, b) => a + b, 0));
        const ranMs = ms3(acc.ran);
        const blockedMs = ms3(acc.blocked);
        turns.push({
          startS: turnStart,
          ms,
          ranMs,
          othersRanMs,
          othersRan: Object.fromEntries([...acc.others].map(([k, v]) => [k, ms3(v)])),
          blockedMs,
          blockedIn: Object.fromEntries([...acc.inCall].map(([k, v]) => [k, ms3(v)])),
          unaccountedMs: Math.max(0, ms3(ms / 1000 - (ranMs + othersRanMs + blockedMs) / 1000)),
        });
      }
      turnStart = undefined;
      continue;
    }
    const call = /^syscalls:sys_(enter|exit)_(\w+)$/.exec(e.event);
    if (call) syscall = call[1] === 'enter' ? call[2] : undefined;
  }
  return turns;
}

const top = (r: Readonly<Record<string, number>>) =>
  Object.entries(r)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

/** Totals and a Markdown table of the turns longer than `minMs`, longest first. */
export function formatTurns(turns: readonly Turn[], minMs: number, limit: number): string {
  const long = turns.filter((t) => t.ms > minMs).sort((a, b) => b.ms - a.ms);
  const sum = (f: (t: Turn) => number) => Math.round(long.reduce((s, t) => s + f(t), 0) * 10) / 10;
  const spanS = turns.length ? turns[turns.length - 1]!.startS - turns[0]!.startS : 0;
  const withTop = (ms: number, r: Readonly<Record<string, number>>) => (ms ? `${ms} (${top(r)})` : '0');
  return [
    `${turns.length} turns over ${spanS.toFixed(1)} s; ${long.length} longer than ${minMs} ms (${sum((t) => t.ms)} ms), in which the main thread ran ${sum((t) => t.ranMs)} ms, other tasks on its CPU ran ${sum((t) => t.othersRanMs)} ms, it slept in calls ${sum((t) => t.blockedMs)} ms, and ${sum((t) => t.unaccountedMs)} ms are steal or unseen tasks.`,
    '',
    '| at s | turn ms | main ran ms | others ran ms (by) | slept ms (in) | steal / unseen ms |',
    '| --- | --- | --- | --- | --- | --- |',
    ...long.slice(0, limit).map((t) => `| ${t.startS.toFixed(3)} | ${t.ms} | ${t.ranMs} | ${withTop(t.othersRanMs, t.othersRan)} | ${withTop(t.blockedMs, t.blockedIn)} | ${t.unaccountedMs} |`),
  ].join('\n');
}
