import { formatTurns, loopTurns, parsePerfScript } from '../src/loop-trace';

// A hand-written trace in `perf script -F comm,tid,cpu,time,event,trace` form: main thread 100,
// a checkpoint thread 101 of the same process, and a kernel worker.
const sw = (t: string, prev: [string, number, string], next: [string, number]) =>
  `  ${prev[0]} ${prev[1]} [001] ${t}: sched:sched_switch: prev_comm=${prev[0]} prev_pid=${prev[1]} prev_prio=120 prev_state=${prev[2]} ==> next_comm=${next[0]} next_pid=${next[1]} next_prio=120`;
const sys = (tid: number, t: string, what: string) => `  node ${tid} [001] ${t}: syscalls:sys_${what}: 0x0`;

const TRACE = [
  'a header line perf prints',
  // Turn 1: 1.000 -> 1.002, all on the CPU.
  sys(100, '1.000000', 'exit_epoll_pwait'),
  sys(100, '1.002000', 'enter_epoll_pwait'),
  sw('1.002100', ['node', 100, 'S'], ['swapper/1', 0]),
  sw('1.010000', ['swapper/1', 0, 'R'], ['node', 100]),
  // Turn 2: 1.010 -> 1.040: 5 ms on the CPU, preempted 12 ms by 101 then 3 ms by a kworker, 2 ms on the CPU,
  // blocked 6 ms in a futex (waiting for a GC helper), 2 ms on the CPU.
  sys(100, '1.010000', 'exit_epoll_pwait'),
  sw('1.015000', ['node', 100, 'R'], ['node', 101]),
  sw('1.027000', ['node', 101, 'S'], ['kworker/1:1', 44]),
  sw('1.030000', ['kworker/1:1', 44, 'I'], ['node', 100]),
  sys(100, '1.032000', 'enter_futex'),
  sw('1.032000', ['node', 100, 'S'], ['swapper/1', 0]),
  sw('1.038000', ['swapper/1', 0, 'R'], ['node', 100]),
  sys(100, '1.038000', 'exit_futex'),
  sys(100, '1.040000', 'enter_epoll_pwait'),
].join('\n');

describe('loop turns from a scheduler trace', () => {
  const events = parsePerfScript(TRACE);

  test('parses every event line and skips the rest', () => {
    expect(events).toHaveLength(13);
    expect(events[0]).toEqual({ comm: 'node', tid: 100, timeS: 1, event: 'syscalls:sys_exit_epoll_pwait', trace: '0x0' });
  });

  test('splits each turn into on-CPU, preempted (by whom) and blocked (in what) time', () => {
    const turns = loopTurns(events, 100);
    expect(turns).toHaveLength(2);
    expect(turns[0]).toMatchObject({ ms: 2, onCpuMs: 2, preemptedMs: 0, blockedMs: 0 });
    expect(turns[1]).toEqual({
      startS: 1.01,
      ms: 30,
      onCpuMs: 9,
      preemptedMs: 15,
      preemptedBy: { 'node/101': 12, 'kworker/1:1/44': 3 },
      blockedMs: 6,
      blockedIn: { futex: 6 },
    });
  });

  test('the table lists only the turns over the bound', () => {
    const text = formatTurns(loopTurns(events, 100), 10, 5);
    expect(text).toContain('2 turns over 0.0 s; 1 longer than 10 ms, in which the main thread was on the CPU 9 ms, preempted 15 ms, blocked 6 ms.');
    expect(text).toContain('| 1.010 | 30 | 9 | 15 (node/101 12, kworker/1:1/44 3) | 6 (futex 6) |');
  });
});
