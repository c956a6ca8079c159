/** The abuse mode's attacks, each selectable with --attack. */
export const ATTACKS = ['fragment-flood', 'junk-frames', 'room-flood', 'room-recreate', 'join-amplify', 'ungreeted'] as const;
export type AttackName = (typeof ATTACKS)[number];

/** What every attacker connection needs to know. */
export interface AttackContext {
  readonly url: string;
  readonly origin: string | undefined;
  /** Longest wait for a handshake or a welcome. */
  readonly timeoutMs: number;
  /** Prefix for room names this run creates. */
  readonly roomPrefix: string;
  /** join-amplify: the two seeded rooms it alternates between. */
  readonly fullRooms: readonly string[];
  /** True once the attack window is over: attackers close and return. */
  readonly stopped: () => boolean;
}

/** Counters of one attack over all its attackers, as reported. */
export interface AttackStats {
  readonly name: AttackName;
  readonly attackers: number;
  /** Connection attempts (attackers reconnect when the server closes them); `connectFailures` of them failed. */
  connections: number;
  connectFailures: number;
  /** Connections the server closed or dropped during the window. */
  closedByServer: number;
  /** Close codes the server sent ('none' = the TCP connection ended without a close frame). */
  closeCodes: Record<string, number>;
  /** Connections still open when the window ended. */
  openAtEnd: number;
  /** Frames the attackers wrote (fragments count one each) and their bytes on the wire. */
  framesSent: number;
  bytesSent: number;
  framesReceived: number;
  bytesReceived: number;
  /** `error` frames the server answered with, by code. */
  errorsByCode: Record<string, number>;
}

export function createAttackStats(name: AttackName, attackers: number): AttackStats {
  return { name, attackers, connections: 0, connectFailures: 0, closedByServer: 0, closeCodes: {}, openAtEnd: 0, framesSent: 0, bytesSent: 0, framesReceived: 0, bytesReceived: 0, errorsByCode: {} };
}

export const bump = (counts: Record<string, number>, key: string): void => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/** One attacker connection from open to close: resolves 'server-closed' (with the code) or 'stopped'. */
export type AttackRound = (ctx: AttackContext, stats: AttackStats, attacker: number) => Promise<{ closedByServer: boolean; code: number | undefined }>;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Pause before reconnecting after a close or a failed connect, so a refusing server is not spun against. */
const RECONNECT_PAUSE_MS = 50;

/**
 * Runs `attackers` copies of `round` until the window ends; each reconnects
 * when the server closes it, as a determined attacker would.
 */
export async function runAttack(ctx: AttackContext, stats: AttackStats, round: AttackRound): Promise<void> {
  const one = async (attacker: number) => {
    while (!ctx.stopped()) {
      stats.connections++;
      let result;
      try {
        result = await round(ctx, stats, attacker);
      } catch {
        stats.connectFailures++;
        await sleep(RECONNECT_PAUSE_MS);
        continue;
      }
      if (result.closedByServer) {
        stats.closedByServer++;
        bump(stats.closeCodes, result.code === undefined ? 'none' : String(result.code));
        await sleep(RECONNECT_PAUSE_MS);
      } else {
        stats.openAtEnd++;
      }
    }
  };
  await Promise.all(Array.from({ length: stats.attackers }, (_, i) => one(i)));
}
