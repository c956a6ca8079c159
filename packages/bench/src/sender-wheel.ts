import type { BenchClient } from './client';
import { paddingFor, STAMP_MARKER } from './frame-scan';
import type { MeasureWindow, Recorder } from './recorder';

/** Who receives a room's messages, grouped by recorder: each in-window send owes `count` deliveries to `recorder`. */
export interface RoomReceivers {
  readonly roomId: string;
  receivers: Array<{ recorder: Recorder; count: number }>;
}

export interface WheelSender {
  readonly client: BenchClient;
  readonly room: RoomReceivers;
}

export interface WheelOptions {
  readonly senders: readonly WheelSender[];
  readonly ratePerSec: number;
  readonly tickMs: number;
  readonly textChars: number;
  readonly window: MeasureWindow;
  /** Stop sending once the clock passes this (µs); normally window.endUs. */
  readonly untilUs: number;
  /**
   * Each send carries a `clientMsgId` unique in the run, for clients that
   * negotiated `acks`: the server's acknowledged, idempotent send path.
   */
  readonly clientMsgIds?: boolean;
}

export interface WheelStats {
  /** Messages sent in all. */
  sent: number;
  /** Messages whose stamp lies in the window. */
  sentInWindow: number;
  /** Sends dropped because the tool fell more than half a second behind schedule. */
  skipped: number;
  /** Worst lateness of a tick against its schedule. */
  maxTickLagMs: number;
}

export interface SenderWheel {
  /** Resolves when `untilUs` passed and the timer stopped. */
  readonly done: Promise<WheelStats>;
  stop(): WheelStats;
}

/**
 * One timer for all senders: each tick sends every message now due, so a
 * thousand senders cost one timer, not a thousand. Sender k is due its n-th
 * message at (n - phase_k) / rate, the phases spreading senders evenly over a
 * period so they do not all fire in the same tick.
 */
export function startSenderWheel(o: WheelOptions): SenderWheel {
  const count = o.senders.length;
  const prefixes = o.senders.map(
    (s) => `{"type":"send_message","roomId":${JSON.stringify(s.room.roomId)},"message":{"type":"message","text":"${STAMP_MARKER}`,
  );
  // The message object's end; the frame's closing brace comes after an optional clientMsgId.
  const suffix = `${STAMP_MARKER}${paddingFor(o.textChars)}"}`;
  let keys = 0;
  const phases = o.senders.map((_, k) => (count === 0 ? 0 : k / count));
  const sentBy = new Float64Array(count);
  // More than this backlog (half a second of sends) is dropped rather than burst out.
  const maxBacklog = Math.max(1, Math.ceil(o.ratePerSec / 2));
  const stats: WheelStats = { sent: 0, sentInWindow: 0, skipped: 0, maxTickLagMs: 0 };
  const t0 = performance.now();
  let lastTick = t0;
  let stopped = false;
  let finish: (s: WheelStats) => void = () => undefined;
  const done = new Promise<WheelStats>((resolve) => (finish = resolve));

  function tick(): void {
    const now = performance.now();
    const lag = now - lastTick - o.tickMs;
    if (lag > stats.maxTickLagMs) stats.maxTickLagMs = lag;
    lastTick = now;
    const nowUs = Math.round(now * 1000);
    if (nowUs >= o.untilUs) {
      stop();
      return;
    }
    const inWindow = nowUs >= o.window.startUs && nowUs < o.window.endUs;
    const elapsedS = (now - t0) / 1000;
    for (let k = 0; k < count; k++) {
      const due = Math.floor(elapsedS * o.ratePerSec + phases[k]!);
      let n = due - sentBy[k]!;
      if (n <= 0) continue;
      if (n > maxBacklog) {
        stats.skipped += n - maxBacklog;
        n = maxBacklog;
      }
      sentBy[k] = due;
      const s = o.senders[k]!;
      if (s.client.closed) continue;
      const body = prefixes[k]! + nowUs + suffix;
      if (o.clientMsgIds) {
        for (let i = 0; i < n; i++) s.client.send(`${body},"clientMsgId":"b${++keys}"}`);
      } else {
        const frame = `${body}}`;
        for (let i = 0; i < n; i++) s.client.send(frame);
      }
      stats.sent += n;
      if (inWindow) {
        stats.sentInWindow += n;
        for (const r of s.room.receivers) r.recorder.expected += r.count * n;
      }
    }
  }

  const timer = setInterval(tick, o.tickMs);
  function stop(): WheelStats {
    if (!stopped) {
      stopped = true;
      clearInterval(timer);
      stats.maxTickLagMs = Math.round(stats.maxTickLagMs * 1000) / 1000;
      finish(stats);
    }
    return stats;
  }
  return { done, stop };
}
