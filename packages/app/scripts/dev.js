#!/usr/bin/env node
// `pnpm dev`: compiles in watch mode and restarts the server after every
// successful build, printing its JSON log lines readably. A failed build
// prints tsc's errors and keeps the last good server running.
//   node packages/app/scripts/dev.js [--project <dir with tsconfig>] [--entry <js file>] [--raw]
// Defaults: packages/app and packages/app/dist/main.js. --raw prints the JSON lines as they are.
'use strict';
const { spawn } = require('node:child_process');
const { resolve } = require('node:path');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const root = resolve(__dirname, '..', '..', '..');
const project = resolve(option('--project', resolve(root, 'packages/app')));
const entry = resolve(option('--entry', resolve(root, 'packages/app/dist/main.js')));
const raw = args.includes('--raw');

const LEVELS = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const COLOURS = { TRACE: 90, DEBUG: 36, 'INFO ': 32, 'WARN ': 33, ERROR: 31, FATAL: 35 };
const colour = process.stdout.isTTY ? (code, text) => `\u001b[${code}m${text}\u001b[0m` : (_code, text) => text;
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service']);

/** One log line for a human: time, level, message, then the other fields as key=value. */
function pretty(line) {
  let o;
  try {
    o = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof o !== 'object' || o === null) return line;
  const level = typeof o.level === 'number' ? LEVELS[o.level] ?? String(o.level) : String(o.level ?? '').toUpperCase().padEnd(5);
  const time = typeof o.time === 'number' ? new Date(o.time).toISOString().slice(11, 23) : '';
  const fields = Object.entries(o)
    .filter(([k]) => !OMIT.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${time} ${colour(COLOURS[level] ?? 0, level)} ${o.msg ?? ''}${fields ? `  ${colour(90, fields)}` : ''}`;
}

/** Prints a stream line by line through `format`. */
function lines(stream, format, out) {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const p of parts) if (p.trim() !== '') out.write(`${format(p)}\n`);
  });
}

let server;
let stopping = false;
/** Stops the running server (SIGTERM, its own clean shutdown), then calls `then`. */
function stopServer(then) {
  if (!server || server.exitCode !== null || server.signalCode !== null) return then();
  server.once('exit', then);
  server.kill('SIGTERM');
}
function startServer() {
  stopServer(() => {
    if (stopping) return;
    console.log(colour(36, `[dev] starting ${entry}`));
    server = spawn(process.execPath, ['--enable-source-maps', entry], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    lines(server.stdout, raw ? (l) => l : pretty, process.stdout);
    lines(server.stderr, (l) => l, process.stderr);
    server.on('exit', (code, signal) => console.log(colour(36, `[dev] server exited (${signal ?? code}); waiting for the next successful build`)));
  });
}

const tsc = spawn(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', project, '--watch', '--preserveWatchOutput'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
lines(
  tsc.stdout,
  (l) => {
    // tsc reports each build's end as "Found N errors. Watching for file changes."
    const found = /Found (\d+) errors?\. Watching for file changes/.exec(l);
    if (found && found[1] === '0') startServer();
    else if (found) console.log(colour(33, '[dev] build failed; the last good server keeps running'));
    return colour(90, `[tsc] ${l}`);
  },
  process.stdout,
);
tsc.on('exit', (code) => {
  if (!stopping) console.error(`[dev] tsc exited (${code})`);
  shutdown();
});

function shutdown() {
  if (stopping) return;
  stopping = true;
  tsc.kill('SIGTERM');
  stopServer(() => process.exit(0));
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
