import { createHistogram, type Histogram } from './histogram';

/** The measured window, by send time in performance.now() microseconds; [startUs, endUs). */
export interface MeasureWindow {
  startUs: number;
  endUs: number;
}

/**
 * Deliveries and latency of one group of receivers (e.g. everyone, or the
 * peers of a slow reader). A message counts when its send stamp lies in the
 * window, wherever in time it arrives, so warm-up traffic and stragglers are
 * classified by when they were sent, not received.
 */
export interface Recorder {
  readonly name: string;
  readonly latencyUs: Histogram;
  /** Deliveries of in-window messages. */
  received: number;
  /** Deliveries owed: in-window messages sent x members of this group in the room. */
  expected: number;
  /** Deliveries of messages sent before the window (warm-up). */
  outside: number;
  deliver(sentUs: number, nowUs: number): void;
}

export function createRecorder(name: string, window: MeasureWindow): Recorder {
  const latencyUs = createHistogram();
  const rec: Recorder = {
    name,
    latencyUs,
    received: 0,
    expected: 0,
    outside: 0,
    deliver(sentUs, nowUs) {
      if (sentUs < window.startUs || sentUs >= window.endUs) {
        rec.outside++;
        return;
      }
      rec.received++;
      latencyUs.record(nowUs - sentUs);
    },
  };
  return rec;
}

/** Sums several recorders into a new one (for reporting only). */
export function mergeRecorders(name: string, window: MeasureWindow, parts: readonly Recorder[]): Recorder {
  const all = createRecorder(name, window);
  for (const p of parts) {
    all.latencyUs.add(p.latencyUs);
    all.received += p.received;
    all.expected += p.expected;
    all.outside += p.outside;
  }
  return all;
}

/** Error frames by code and unexpected closes by code, over the whole run. */
export interface Tally {
  readonly errorsByCode: Record<string, number>;
  readonly closesByCode: Record<string, number>;
  error(code: string): void;
  close(code: number): void;
}

export function createTally(): Tally {
  const errorsByCode: Record<string, number> = {};
  const closesByCode: Record<string, number> = {};
  return {
    errorsByCode,
    closesByCode,
    error(code) {
      errorsByCode[code] = (errorsByCode[code] ?? 0) + 1;
    },
    close(code) {
      const key = String(code);
      closesByCode[key] = (closesByCode[key] ?? 0) + 1;
    },
  };
}
