import type { BenchClient } from '../client';
import { createHistogram, summarizeMicros, type Histogram, type LatencySummaryMs } from '../histogram';

/** An honest client's app-level pings in one phase (calm, or under attack). */
export interface PingPhase {
  sent: number;
  answered: number;
  /** Pings with no pong by the end of the drain (including those refused with an error frame). */
  unanswered: number;
  /** ping -> pong round trip, answered pings only (late ones included, however late). */
  latencyMs: LatencySummaryMs;
}

export interface HonestPinger {
  /** Starts counting the next pings under `phase`. */
  phase(name: string): void;
  /** Stops sending; resolves when every ping is answered or `drainMs` has passed, with each phase's figures. */
  stop(drainMs: number): Promise<Record<string, PingPhase>>;
}

interface Phase {
  sent: number;
  answered: number;
  failed: number;
  hist: Histogram;
}

/**
 * Sends `{type:'ping', ts}` every `intervalMs` on `client` (a greeted
 * BenchClient) and times each pong: the honest user whose experience the
 * abuse mode reports (issue #10's yardstick: p99 under 50 ms).
 */
export function startHonestPinger(client: BenchClient, intervalMs: number): HonestPinger {
  const phases = new Map<string, Phase>();
  let current: Phase | undefined;
  let seq = 0;
  const inFlight = new Set<Promise<void>>();

  const ping = () => {
    if (!current || client.closed) return;
    const p = current;
    const ts = ++seq;
    const t0 = performance.now();
    p.sent++;
    const done = client.request({ type: 'ping', ts }, 'pong', (f) => f['ts'] === ts).then(
      (reply) => {
        p.answered++;
        p.hist.record((reply.atMs - t0) * 1000);
      },
      () => {
        p.failed++;
      },
    );
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };
  const ticker = setInterval(ping, intervalMs);

  return {
    phase(name) {
      current = { sent: 0, answered: 0, failed: 0, hist: createHistogram() };
      phases.set(name, current);
    },
    async stop(drainMs) {
      clearInterval(ticker);
      current = undefined;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(inFlight), new Promise((r) => (timer = setTimeout(r, drainMs)))]);
      clearTimeout(timer);
      const out: Record<string, PingPhase> = {};
      for (const [name, p] of phases) out[name] = { sent: p.sent, answered: p.answered, unanswered: p.sent - p.answered, latencyMs: summarizeMicros(p.hist) };
      return out;
    },
  };
}
