import type { AttackStats } from '@rgchat/bench';
import { attackInputs, runAttackWindow, type AttackPlan } from './attack-window';
import { sampleRss, type BatteryApp } from './battery-app';
import type { Figures } from './figures';
import { startHonestClient, type HonestReport } from './honest-client';
import { missing, sqliteTexts } from './stored-texts';

/** What a probe observed: the attack's counters, the honest client's story, the server afterwards. */
export interface ProbeResult {
  readonly stats: AttackStats;
  readonly honest: HonestReport;
  readonly rssBeforeBytes: number;
  readonly rssPeakBytes: number;
  readonly alive: boolean;
  readonly health: number;
  /** The honest client's acknowledged messages missing from the store. */
  readonly lost: number;
}

/** How long the honest client may take to get every answer once the attack stops. */
const DRAIN_MS = 15_000;
const CALM_MS = 300;

/**
 * The battery's shape for one attack: an honest client starts (pinging and
 * posting), the attack runs for its window while the server's RSS is sampled,
 * then the honest client drains and the store is read back. Records the
 * probe's figures; the caller asserts.
 */
export async function probeUnderAttack(app: BatteryApp, plan: AttackPlan, figures: Figures): Promise<ProbeResult> {
  const honest = await startHonestClient(app.url, `honest-${plan.name}`, plan.name);
  await new Promise((r) => setTimeout(r, CALM_MS));
  const rssBeforeBytes = app.rssBytes();
  const sampler = sampleRss(app.pid);
  const stats = await runAttackWindow(app.url, plan);
  const rssPeakBytes = sampler.stop();
  const report = await honest.stop(DRAIN_MS);
  const alive = app.alive();
  const health = alive ? await app.health() : 0;
  const lost = missing(report.echoedTexts, await sqliteTexts(app.sqlitePath, honest.roomId));
  figures.record({
    inputs: attackInputs(stats) + report.pingsSent + report.echoedTexts.length + report.sendsRefused,
    crashes: alive && health === 200 ? 0 : 1,
    lost,
    pingLatenciesMs: report.latenciesMs,
  });
  return { stats, honest: report, rssBeforeBytes, rssPeakBytes, alive, health, lost };
}

/** What every probe must leave standing: the server up and healthy, the honest client served in full, nothing acknowledged lost. */
export function expectServerHeld(r: ProbeResult): void {
  expect({
    alive: r.alive,
    health: r.health,
    honestClosed: r.honest.closed,
    pingsUnanswered: r.honest.pingsSent - r.honest.pingsAnswered,
    honestSendsRefused: r.honest.sendsRefused,
    lost: r.lost,
  }).toEqual({ alive: true, health: 200, honestClosed: false, pingsUnanswered: 0, honestSendsRefused: 0, lost: 0 });
  expect(r.honest.pingsSent).toBeGreaterThan(0);
}

export const MiB = 1024 * 1024;
