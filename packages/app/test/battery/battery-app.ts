import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpGet } from '@rgchat/testkit';
import { startAppProcess, type ListeningApp } from '../support/app-process';

/** Where an honest client's traffic claims to come from (TEST-NET-3, RFC 5737): an address no attacker shares. */
export const HONEST_ADDRESS = '203.0.113.7';

/**
 * The battery's app settings, laid under each probe's own. Defaults stay as
 * shipped, except:
 * - TRUST_PROXY, so an honest client can say it comes from elsewhere
 *   (X-Forwarded-For) while attackers, sending no such header, are known by
 *   their socket address 127.0.0.1: on loopback every socket shares one
 *   address, and per-address limits would otherwise count the honest
 *   client among the attackers.
 * - HELLO_TIMEOUT_MS of 1.5 s instead of 10 s, so the ungreeted probe fits a
 *   CI budget (before helper G lands, unknown variables are ignored).
 */
export const BATTERY_ENV: Readonly<Record<string, string>> = {
  TRUST_PROXY: 'true',
  HELLO_TIMEOUT_MS: '1500',
  LOG_LEVEL: 'info',
};

const dirs = new Set<string>();

/** Removes every probe directory made so far; for afterEach, once the apps have stopped. */
export function removeBatteryDirs(): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

/** A running app of one probe, with what the probe observes of the process. */
export interface BatteryApp extends ListeningApp {
  readonly pid: number;
  readonly dir: string;
  readonly sqlitePath: string;
  /** Resident set size now, in bytes (0 once the process is gone). */
  rssBytes(): number;
  /** The process has not exited. */
  alive(): boolean;
  /** GET /healthz status (0 when nothing answers). */
  health(): Promise<number>;
}

/** Bytes of `VmRSS` in /proc/<pid>/status, 0 when the process is gone. */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Starts the built app for one probe, in a fresh directory (its own SQLite
 * file unless `env` selects Postgres); `seed` runs first, against the
 * SQLite path, so a probe can start from a store that already holds rooms.
 */
export async function startBatteryApp(
  env: Readonly<Record<string, string>>,
  seed?: (sqlitePath: string) => Promise<void>,
): Promise<BatteryApp> {
  const dir = mkdtempSync(join(tmpdir(), 'rgchat-battery-'));
  dirs.add(dir);
  const sqlitePath = join(dir, 'chat.db');
  if (seed) await seed(sqlitePath);
  const app = await startAppProcess({ SQLITE_PATH: sqlitePath, ...BATTERY_ENV, ...env }, dir);
  const pid = app.child.pid;
  if (pid === undefined) throw new Error('the app process has no pid');
  let exited = false;
  void app.exited.then(() => (exited = true));
  return {
    ...app,
    pid,
    dir,
    sqlitePath,
    rssBytes: () => rssOf(pid),
    alive: () => !exited && existsSync(`/proc/${pid}`),
    health: async () => {
      try {
        return (await httpGet(`${app.httpUrl}/healthz`)).status;
      } catch {
        return 0;
      }
    },
  };
}

/** Samples a process's RSS every `everyMs` until stopped; `stop()` gives the peak seen, in bytes. */
export function sampleRss(pid: number, everyMs = 50): { stop(): number } {
  let peak = rssOf(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssOf(pid))), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssOf(pid));
    },
  };
}
