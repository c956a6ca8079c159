import { COUNTED_TYPES } from '../client';

/** What one phase cost, per member and per second. */
export interface PresencePhase {
  seconds: number;
  /** Members the per-member figures divide by (the room's peak membership in the phase). */
  members: number;
  /** presence / typing frames received, per member, and their bytes; all bytes received per member. */
  framesPerMember: Record<string, number>;
  bytesPerMember: Record<string, number>;
  allBytesPerMember: number;
  /** Frames one watcher (the first member, in the room throughout) received. */
  watcherFrames: Record<string, number>;
  /** Events on the servers' bus, by kind, and in all per second; null without --bus-url. */
  busEvents: { byKind: Record<string, number>; perSec: number } | null;
  /** Server CPU over the phase (with --server-pid). */
  serverCpuS: number | null;
  serverCpuCores: number | null;
}

export interface PresenceReport {
  roomId: string;
  features: readonly string[];
  typists: number;
  keystrokeMs: number;
  fill: PresencePhase;
  typing: PresencePhase;
  empty: PresencePhase;
}

/** Human lines for the presence report. */
export function presenceLines(p: PresenceReport): string[] {
  const phase = (name: string, x: PresencePhase) => {
    const frames = COUNTED_TYPES.map((t) => `${t} ${x.framesPerMember[t]} frames / ${x.bytesPerMember[t]} B`).join(', ');
    const busLine = x.busEvents ? `; bus ${x.busEvents.perSec} events/s (${Object.entries(x.busEvents.byKind).map(([k, v]) => `${k}=${v}`).join(' ') || 'none'})` : '';
    const cpu = x.serverCpuS === null ? '' : `; server CPU ${x.serverCpuS} s (${Math.round((x.serverCpuCores ?? 0) * 100)}% of a core)`;
    return `${name.padEnd(10)} ${x.seconds} s, per member: ${frames}, all frames ${x.allBytesPerMember} B; watcher got ${COUNTED_TYPES.map((t) => `${x.watcherFrames[t]} ${t}`).join(', ')}${busLine}${cpu}`;
  };
  return [
    `presence   room ${p.roomId}, features ${p.features.join(',') || 'none'}, ${p.typists} typists every ${p.keystrokeMs} ms`,
    phase('  fill', p.fill),
    phase('  typing', p.typing),
    phase('  empty', p.empty),
  ];
}
