import { createAttackStats, runAttack, type AttackName, type AttackRound, type AttackStats } from '@rgchat/bench';

/** One bench attack (packages/bench/src/attacks) run for a fixed window against `url`. */
export interface AttackPlan {
  readonly name: AttackName;
  readonly round: AttackRound;
  readonly attackers: number;
  readonly durationMs: number;
  /** join-amplify: the two full rooms it alternates between. */
  readonly fullRooms?: readonly string[];
}

/**
 * Runs `plan` until its window ends; every attacker reconnects when the
 * server closes it, as the bench's abuse mode does. Resolves with the
 * attack's counters once every attacker has let go.
 */
export async function runAttackWindow(url: string, plan: AttackPlan): Promise<AttackStats> {
  let stopped = false;
  const stats = createAttackStats(plan.name, plan.attackers);
  const running = runAttack(
    { url, origin: undefined, timeoutMs: 5000, roomPrefix: `battery-${plan.name}`, fullRooms: plan.fullRooms ?? [], stopped: () => stopped },
    stats,
    plan.round,
  );
  await new Promise((r) => setTimeout(r, plan.durationMs));
  stopped = true;
  await running;
  return stats;
}

/** Inputs an attack tried: its frames and its connection attempts. */
export const attackInputs = (s: AttackStats): number => s.framesSent + s.connections;

/** Sum of `error` frames the attackers received. */
export const errorFrames = (s: AttackStats): number => Object.values(s.errorsByCode).reduce((a, b) => a + b, 0);
