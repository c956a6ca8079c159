#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatTurns, loopTurns, parsePerfScript } from './loop-trace';

const HELP = `Splits a Node server's long event-loop turns into on-CPU, preempted (by which
thread) and blocked (in which call) time, from a Linux scheduler trace.

Usage: node packages/bench/dist/loop-trace-summary.js --pid <main tid> [--min-ms 10] [--top 20] <perf-script.txt | ->

Record the server's core while it is under load, then print the events:
  perf record -C <core> -m 4096 -o sched.data -e sched:sched_switch -e sched:sched_stat_runtime \\
    -e syscalls:sys_enter_epoll_pwait -e syscalls:sys_exit_epoll_pwait \\
    -e syscalls:sys_enter_epoll_wait -e syscalls:sys_exit_epoll_wait \\
    -e syscalls:sys_enter_futex -e syscalls:sys_exit_futex \\
    -e syscalls:sys_enter_fdatasync -e syscalls:sys_exit_fdatasync \\
    -e syscalls:sys_enter_fsync -e syscalls:sys_exit_fsync -- sleep 8
  perf script -i sched.data -F comm,tid,cpu,time,event,trace > trace.txt
The main thread's tid is the server's pid.
`;

function main(): number {
  const { values, positionals } = parseArgs({
    options: { pid: { type: 'string' }, 'min-ms': { type: 'string' }, top: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  const file = positionals[0];
  const pid = Number(values.pid);
  const minMs = Number(values['min-ms'] ?? 10);
  const top = Number(values.top ?? 20);
  if (values.help || file === undefined || !Number.isInteger(pid) || pid <= 0 || !(minMs > 0) || !Number.isInteger(top) || top <= 0) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  const text = readFileSync(file === '-' ? 0 : file, 'utf8');
  process.stdout.write(`${formatTurns(loopTurns(parsePerfScript(text), pid), minMs, top)}\n`);
  return 0;
}

process.exitCode = main();
