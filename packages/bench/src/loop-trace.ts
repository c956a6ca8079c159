/**
 * Event-loop turns of a Node process read from a scheduler trace (`perf
 * script` of sched_switch and syscall tracepoints), so that every long turn,
 * a stall, can be split into what the main thread did meanwhile: ran on the
 * CPU (JS, GC, native code; the CPU profile says which), waited for the CPU
 * while another thread ran on its core (and which), or slept inside a
 * blocking call (a futex, an fsync). A turn runs from the main thread's
 * return from epoll to its next entry into epoll.
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
  /** Main thread on the CPU (includes time the hypervisor stole from that vCPU). */
  readonly onCpuMs: number;
  /** Runnable but off the CPU, by what ran instead (`comm/tid`). */
  readonly preemptedMs: number;
  readonly preemptedBy: Readonly<Record<string, number>>;
  /** Asleep inside a call, by syscall (`futex`, `fdatasync`, `?` for one not traced). */
  readonly blockedMs: number;
  readonly blockedIn: Readonly<Record<string, number>>;
}

const EPOLL_ENTER = new Set(['syscalls:sys_enter_epoll_pwait', 'syscalls:sys_enter_epoll_wait', 'syscalls:sys_enter_epoll_pwait2']);
const EPOLL_EXIT = new Set(['syscalls:sys_exit_epoll_pwait', 'syscalls:sys_exit_epoll_wait', 'syscalls:sys_exit_epoll_pwait2']);
const SWITCH = /prev_comm=(.*?) prev_pid=(\d+) .*prev_state=(\S+) ==> next_comm=(.*?) next_pid=(\d+)/;

const ms3 = (s: number) => Math.round(s * 1e6) / 1e3;

/** Every complete turn of thread `mainTid` in the trace, in order. */
export function loopTurns(events: readonly TraceEvent[], mainTid: number): Turn[] {
  const turns: Turn[] = [];
  let turnStart: number | undefined;
  let syscall: string | undefined;
  /** When the main thread last left the CPU, and why. */
  let offSince: number | undefined;
  let offRunnable = false;
  let onSince: number | undefined;
  let acc = { onCpu: 0, preempted: 0, blocked: 0, by: new Map<string, number>(), inCall: new Map<string, number>() };
  let other: { name: string; since: number } | undefined;
  const add = (m: Map<string, number>, k: string, s: number) => m.set(k, (m.get(k) ?? 0) + s);

  for (const e of events) {
    if (e.event === 'sched:sched_switch') {
      const m = SWITCH.exec(e.trace);
      if (!m) continue;
      const prevPid = Number(m[2]);
      const nextPid = Number(m[5]);
      if (other && turnStart !== undefined && offRunnable) add(acc.by, other.name, e.timeS - other.since);
      other = nextPid === mainTid || nextPid === 0 ? undefined : { name: `${m[4]}/${nextPid}`, since: e.timeS };
      if (prevPid === mainTid) {
        if (onSince !== undefined && turnStart !== undefined) acc.onCpu += e.timeS - Math.max(onSince, turnStart);
        onSince = undefined;
        offSince = e.timeS;
        offRunnable = m[3]!.startsWith('R');
      }
      if (nextPid === mainTid) {
        if (offSince !== undefined && turnStart !== undefined) {
          const gap = e.timeS - Math.max(offSince, turnStart);
          if (offRunnable) acc.preempted += gap;
          else {
            acc.blocked += gap;
            add(acc.inCall, syscall ?? '?', gap);
          }
        }
        offSince = undefined;
        offRunnable = false;
        onSince = e.timeS;
      }
      continue;
    }
    if (e.tid !== mainTid) continue;
    if (onSince === undefined && offSince === undefined) onSince = e.timeS; // first sight of the thread: it is running
    if (EPOLL_EXIT.has(e.event)) {
      syscall = undefined;
      turnStart = e.timeS;
      acc = { onCpu: 0, preempted: 0, blocked: 0, by: new Map(), inCall: new Map() };
      continue;
    }
    if (EPOLL_ENTER.has(e.event)) {
      if (turnStart !== undefined) {
        if (onSince !== undefined) acc.onCpu += e.timeS - Math.max(onSince, turnStart);
        turns.push({
          startS: turnStart,
          ms: ms3(e.timeS - turnStart),
          onCpuMs: ms3(acc.onCpu),
          preemptedMs: ms3(acc.preempted),
          preemptedBy: Object.fromEntries([...acc.by].map(([k, v]) => [k, ms3(v)])),
          blockedMs: ms3(acc.blocked),
          blockedIn: Object.fromEntries([...acc.inCall].map(([k, v]) => [k, ms3(v)])),
        });
      }
      turnStart = undefined;
      onSince = e.timeS;
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
  return [
    `${turns.length} turns over ${spanS.toFixed(1)} s; ${long.length} longer than ${minMs} ms, in which the main thread was on the CPU ${sum((t) => t.onCpuMs)} ms, preempted ${sum((t) => t.preemptedMs)} ms, blocked ${sum((t) => t.blockedMs)} ms.`,
    '',
    '| at s | turn ms | on CPU ms | preempted ms (by) | blocked ms (in) |',
    '| --- | --- | --- | --- | --- |',
    ...long.slice(0, limit).map((t) => `| ${t.startS.toFixed(3)} | ${t.ms} | ${t.onCpuMs} | ${t.preemptedMs}${t.preemptedMs ? ` (${top(t.preemptedBy)})` : ''} | ${t.blockedMs}${t.blockedMs ? ` (${top(t.blockedIn)})` : ''} |`),
  ].join('\n');
}
