import { formatTurns, loopTurns, parsePerfScript } from '../src/loop-trace';

// A hand-written trace in `perf script -F comm,tid,cpu,time,event,trace` form: main thread 100,
// a checkpoint thread 101 of the same process, and a kernel worker.
const sw = (t: string, prev: [string, number, string], next: [string, number]) =>
  `  ${prev[0]} ${prev[1]} [001] ${t}: sched:sched_switch: prev_comm=${prev[0]} prev_pid=${prev[1]} prev_prio=120 prev_state=${prev[2]} ==> next_comm=${next[0]} next_pid=${next[1]} next_prio=120`;
const sys = (tid: number, t: string, what: string) => `  node ${tid} [001] ${t}: syscalls:sys_${what}: 0x0`;
const ran = (comm: string, tid: number, t: string, ms: number) => `  ${comm} ${tid} [001] ${t}: sched:sched_stat_runtime: comm=${comm} pid=${tid} runtime=${ms * 1e6} [ns]`;

const TRACE = [
  'a header line perf prints',
  // Turn 1: 1.000 -> 1.002, all run time; then asleep in epoll (not a stall).
  sys(100, '1.000000', 'exit_epoll_pwait'),
  ran('node', 100, '1.002000', 2),
  sys(100, '1.002000', 'enter_epoll_pwait'),
  sw('1.002100', ['node', 100, 'S'], ['swapper/1', 0]),
  // Turn 2: 1.010 -> 1.040. The main thread runs 5 ms, then thread 101 runs 12 ms and a kworker 3 ms,
  // the main thread runs 2 ms, sleeps 6 ms in a futex (a GC helper), runs 1 ms, and 1 ms is stolen.
  // perf leaves out the idle task's switches: the main thread's own events show it runs again.
  sys(100, '1.010000', 'exit_epoll_pwait'),
  ran('node', 100, '1.015000', 5),
  sw('1.015000', ['node', 100, 'R'], ['node', 101]),
  ran('node', 101, '1.027000', 12),
  sw('1.027000', ['node', 101, 'S'], ['kworker/1:1', 44]),
  ran('kworker/1:1', 44, '1.030000', 3),
  sw('1.030000', ['kworker/1:1', 44, 'I'], ['node', 100]),
  sys(100, '1.032000', 'enter_futex'),
  ran('node', 100, '1.032000', 2),
  sw('1.032000', ['node', 100, 'S'], ['swapper/1', 0]),
  sys(100, '1.038000', 'exit_futex'),
  ran('node', 100, '1.040000', 1),
  sys(100, '1.040000', 'enter_epoll_pwait'),
].join('\n');

describe('loop turns from a scheduler trace', () => {
  const events = parsePerfScript(TRACE);

  test('parses every event line and skips the rest', () => {
    expect(events).toHaveLength(17);
    expect(events[0]).toEqual({ comm: 'node', tid: 100, timeS: 1, event: 'syscalls:sys_exit_epoll_pwait', trace: '0x0' });
  });

  test('splits each turn into the main thread run time, others run time (by task), sleep (by call) and the rest', () => {
    const turns = loopTurns(events, 100);
    expect(turns).toHaveLength(2);
    expect(turns[0]).toMatchObject({ ms: 2, ranMs: 2, othersRanMs: 0, blockedMs: 0, unaccountedMs: 0 });
    expect(turns[1]).toEqual({
      startS: 1.01,
      ms: 30,
      ranMs: 8,
      othersRanMs: 15,
      othersRan: { 'node/101': 12, 'kworker/1:1/44': 3 },
      blockedMs: 6,
      blockedIn: { futex: 6 },
      unaccountedMs: 1,
    });
  });

  test('the table lists only the turns over the bound', () => {
    const text = formatTurns(loopTurns(events, 100), 10, 5);
    expect(text).toContain('2 turns over 0.0 s; 1 longer than 10 ms (30 ms), in which the main thread ran 8 ms, other tasks on its CPU ran 15 ms, it slept in calls 6 ms, and 1 ms are steal or unseen tasks.');
    expect(text).toContain('| 1.010 | 30 | 8 | 15 (node/101 12, kworker/1:1/44 3) | 6 (futex 6) | 1 |');
  });
});
