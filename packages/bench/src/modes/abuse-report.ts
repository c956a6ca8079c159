import type { AttackStats } from '../attacks/attack';
import type { PingPhase } from '../attacks/honest-pinger';
import { lat, mib, n, pct } from '../format';

/** Issue #10's goal: the honest client's ping p99 stays under this while the attacks run. */
export const HONEST_P99_GOAL_MS = 50;

/** What the abuse mode reports beside the common fields. */
export interface AbuseReport {
  attackersPerAttack: number;
  /** Rooms seeded for join-amplify (empty when it did not run). */
  seededRooms: string[];
  attacks: AttackStats[];
  honest: {
    pingIntervalMs: number;
    /** Before any attack (the --warmup seconds). */
    calm: PingPhase;
    /** While the attacks ran (the --duration seconds). */
    underAttack: PingPhase;
    closedByServer: boolean;
    closeCode: number | null;
    /** The honest client's own thread's event-loop delay during the run (its share of the ping latency). */
    eventLoopDelayP99Ms: number;
    eventLoopDelayMaxMs: number;
  };
  /** Server process figures from /proc; null when no --server-pid was given. */
  server: {
    pid: number;
    rssStartBytes: number;
    rssBeforeAttackBytes: number;
    rssAfterAttackBytes: number;
    /** Peak RSS of the process so far (VmHWM). */
    hwmBytes: number;
    /** CPU over the attack window: seconds, and seconds per second (1 = one core). */
    cpuS: number;
    cpuCores: number;
  } | null;
  stillUp: {
    /** The watched pid still exists after the attacks (null when not watched). */
    processAlive: boolean | null;
    /** A fresh client got `welcome` for its `hello` after the attacks. */
    answersHello: boolean;
  };
  /** Whether the honest p99 under attack met issue #10's goal. */
  goalMet: boolean;
}

const codes = (c: Record<string, number>) => {
  const e = Object.entries(c);
  return e.length ? e.map(([k, v]) => `${k}=${n(v)}`).join(' ') : 'none';
};
const pings = (p: PingPhase) => `${lat(p.latencyMs)}  (${n(p.answered)}/${n(p.sent)} answered, ${n(p.unanswered)} unanswered)`;

/** The abuse section of the human summary. */
export function abuseLines(a: AbuseReport): string[] {
  const out: string[] = [];
  if (a.seededRooms.length) out.push(`seeded     ${a.seededRooms.join(', ')}`);
  for (const s of a.attacks) {
    out.push(`attack     ${s.name} x${s.attackers}: ${n(s.connections)} connection attempts (${n(s.connectFailures)} failed), ${n(s.closedByServer)} closed by the server (${codes(s.closeCodes)}), ${n(s.openAtEnd)} still open at the end`);
    out.push(`           sent ${n(s.framesSent)} frames / ${mib(s.bytesSent)}; got ${n(s.framesReceived)} frames / ${mib(s.bytesReceived)}; errors ${codes(s.errorsByCode)}`);
  }
  out.push(`honest     ping every ${a.honest.pingIntervalMs} ms, on a thread of its own (its event-loop delay p99 ${a.honest.eventLoopDelayP99Ms} ms, max ${a.honest.eventLoopDelayMaxMs} ms)`);
  out.push(`  calm          ${pings(a.honest.calm)}`);
  out.push(`  under attack  ${pings(a.honest.underAttack)}${a.honest.closedByServer ? `; CLOSED by the server (code ${a.honest.closeCode})` : ''}`);
  const sv = a.server;
  out.push(
    sv
      ? `server     pid ${sv.pid}: CPU ${sv.cpuS} s under attack (${pct(sv.cpuCores)} of a core); RSS ${mib(sv.rssStartBytes)} at start, ${mib(sv.rssBeforeAttackBytes)} before the attack, ${mib(sv.rssAfterAttackBytes)} after (peak ${mib(sv.hwmBytes)})`
      : 'server     not watched (give --server-pid <pid|auto>)',
  );
  out.push(`still up   ${a.stillUp.answersHello ? 'yes: a new client got welcome' : 'NO: a new client got no welcome'}${a.stillUp.processAlive === false ? '; the process is GONE' : ''}`);
  out.push(`goal       honest ping p99 under attack < ${HONEST_P99_GOAL_MS} ms (issue #10): ${a.goalMet ? 'met' : 'NOT met'}`);
  return out;
}
