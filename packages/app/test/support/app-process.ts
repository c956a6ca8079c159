import { spawn, type ChildProcess } from 'node:child_process';
import { MAIN_JS } from './build-app';

/** One JSON log line of the app (unparsable lines arrive as `{ raw }`). */
export type LogLine = Record<string, any>;

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A spawned `node packages/app/dist/main.js`. */
export interface AppProcess {
  readonly child: ChildProcess;
  /** Every stdout line so far, parsed. */
  readonly logs: LogLine[];
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;
  /** The first log line (already logged or still to come) matching `predicate`. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Sends a signal unless the process has exited. */
  signal(signal: NodeJS.Signals): void;
}

/** An app that logged `listening`. */
export interface ListeningApp extends AppProcess {
  readonly port: number;
  /** `ws://127.0.0.1:<port>/` */
  readonly url: string;
  /** `http://127.0.0.1:<port>` */
  readonly httpUrl: string;
}

/**
 * Every client of a test connects from 127.0.0.1: the per-address limits,
 * meant for one person each on the internet, raised for them.
 */
export const ONE_ADDRESS_ENV: Readonly<Record<string, string>> = {
  RATE_LIMIT_PER_IP_PER_SEC: '100000',
  RATE_LIMIT_PER_IP_BURST: '100000',
  MAX_CONNECTIONS_PER_IP: '1000',
};

const live = new Set<AppProcess>();

/**
 * The Node.js that runs the app under test: this one, or the binary in
 * RGCHAT_SERVER_NODE (run-on-node.js points it at another major version to
 * run the Postgres suites there; the suites then check the app reports that
 * version, so a run cannot pass on the wrong runtime).
 */
const SERVER_NODE = process.env['RGCHAT_SERVER_NODE'] ?? process.execPath;
const SERVER_NODE_VERSION = process.env['RGCHAT_SERVER_NODE_VERSION'];

/** The version (`v22.…`) of the Node.js the app under test runs on. */
export const serverNodeVersion = (): string => SERVER_NODE_VERSION ?? process.version;

/**
 * Spawns the built app with a clean environment: PATH plus `env`, so a
 * developer's own PORT or DATABASE_URL never leaks into a test.
 */
export function spawnApp(env: Readonly<Record<string, string>>, cwd: string): AppProcess {
  // As `pnpm start` runs it (see docs/deployment.md, Memory): a 2 MiB young
  // generation, so the memory bounds the tests assert are production's.
  const child = spawn(SERVER_NODE, ['--max-semi-space-size=2', MAIN_JS], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let out = '';
  let err = '';
  let partial = '';
  let waiters: Array<{ predicate: (l: LogLine) => boolean; resolve: (l: LogLine) => void }> = [];

  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    out += chunk;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const text of lines) {
      if (text.trim() === '') continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { raw: text };
      }
      logs.push(line);
      const matched = waiters.filter((w) => w.predicate(line));
      waiters = waiters.filter((w) => !matched.includes(w));
      for (const w of matched) w.resolve(line);
    }
  });
  child.stderr?.on('data', (chunk: string) => (err += chunk));

  let hasExited = false;
  const exited = new Promise<Exit>((resolve) => {
    child.on('exit', (code, signal) => {
      hasExited = true;
      live.delete(app);
      resolve({ code, signal });
    });
  });
  child.on('error', () => {
    // 'exit' follows (or never starts); spawn errors surface as a failed waitForLog.
  });

  const app: AppProcess = {
    child,
    logs,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLog(predicate, timeoutMs = 15_000) {
      const found = logs.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise<LogLine>((resolve, reject) => {
        const waiter = { predicate, resolve: (l: LogLine) => (clearTimeout(timer), resolve(l)) };
        const fail = (why: string) => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(new Error(`${why}\nstdout:\n${out}\nstderr:\n${err}`));
        };
        const timer = setTimeout(() => fail(`no matching log line within ${timeoutMs} ms`), timeoutMs);
        waiters.push(waiter);
        void exited.then((e) => {
          clearTimeout(timer);
          if (waiters.includes(waiter)) fail(`app exited (${e.code ?? e.signal}) before a matching log line`);
        });
      });
    },
    signal(signal) {
      if (!hasExited) child.kill(signal);
    },
  };
  live.add(app);
  return app;
}

/** Spawns the app and resolves once it logged `listening`, with the port it bound. */
export async function startAppProcess(env: Readonly<Record<string, string>>, cwd: string): Promise<ListeningApp> {
  const app = spawnApp({ HOST: '127.0.0.1', PORT: '0', ...env }, cwd);
  const line = await app.waitForLog((l) => l['msg'] === 'listening', 20_000);
  const started = await app.waitForLog((l) => l['msg'] === 'starting rgchat');
  if (SERVER_NODE_VERSION !== undefined && started['node'] !== SERVER_NODE_VERSION) {
    throw new Error(`the app runs on Node ${String(started['node'])}, not the ${SERVER_NODE_VERSION} this run is for`);
  }
  const port = Number(line['port']);
  return { ...app, port, url: `ws://127.0.0.1:${port}/`, httpUrl: `http://127.0.0.1:${port}` };
}

/** Runs the app to its exit (for start-up failures), killing it if it is still up after `timeoutMs`. */
export async function runAppToExit(
  env: Readonly<Record<string, string>>,
  cwd: string,
  timeoutMs = 15_000,
): Promise<Exit & { stdout: string; stderr: string; logs: LogLine[] }> {
  const app = spawnApp({ HOST: '127.0.0.1', PORT: '0', ...env }, cwd);
  const timer = setTimeout(() => app.signal('SIGKILL'), timeoutMs);
  const exit = await app.exited;
  clearTimeout(timer);
  return { ...exit, stdout: app.stdout(), stderr: app.stderr(), logs: app.logs };
}

/** Stops every app still running: SIGTERM, then SIGKILL after `graceMs`. For afterAll. */
export async function stopAllApps(graceMs = 5000): Promise<void> {
  await Promise.all(
    [...live].map(async (app) => {
      app.signal('SIGTERM');
      const timer = setTimeout(() => app.signal('SIGKILL'), graceMs);
      await app.exited;
      clearTimeout(timer);
    }),
  );
}
