import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { findListenerPid } from '../proc-stats';

export interface ServerProcess {
  /** Pid of the process listening on the port (may be a child of the spawned one). */
  readonly pid: number;
  /** The command line as run, for the record. */
  readonly commandLine: string;
  /** Recent output, for error messages. */
  output(): string;
  /** SIGTERM to the process group, SIGKILL after 5 s; idempotent. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Process group of `pid` (field 5 of /proc/<pid>/stat). */
function processGroup(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return undefined;
  }
}

/**
 * Starts `argv` in its own process group and waits until a process of that
 * group listens on `port`. Refuses when something else already listens there.
 */
export async function startServerProcess(argv: readonly string[], env: NodeJS.ProcessEnv, port: number, startupTimeoutS: number): Promise<ServerProcess> {
  const busy = findListenerPid(port);
  if (busy !== undefined) throw new Error(`port ${port} is already in use (pid ${busy}); stop it or choose another --url`);
  const commandLine = argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  child.once('error', (e) => {
    out += `\nspawn failed: ${e.message}`;
    exited = true;
  });
  const groupId = child.pid;

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (exited || groupId === undefined) return;
    try {
      process.kill(-groupId, 'SIGTERM');
    } catch {
      return;
    }
    await Promise.race([exit, sleep(5000)]);
    if (!exited) {
      try {
        process.kill(-groupId, 'SIGKILL');
      } catch {
        // Already gone.
      }
      await Promise.race([exit, sleep(2000)]);
    }
  };

  const deadline = performance.now() + startupTimeoutS * 1000;
  while (performance.now() < deadline) {
    if (exited) throw new Error(`server exited before listening on ${port}: ${commandLine}\n${out}`);
    const pid = findListenerPid(port);
    if (pid !== undefined && groupId !== undefined && processGroup(pid) === groupId) {
      return { pid, commandLine, output: () => out, stop };
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`server did not listen on ${port} within ${startupTimeoutS} s: ${commandLine}\n${out}`);
}
