import type { LatencySummaryMs } from './histogram';

// The number formats of every human summary, in one place so modes agree.

/** A share (1 = all of it) as a percentage with one decimal: 0.1234 -> "12.3%". */
export const pct = (share: number) => `${Math.round(share * 1000) / 10}%`;
export const kb = (bytes: number) => `${Math.round(bytes / 102.4) / 10} KiB`;
export const mib = (bytes: number) => `${Math.round(bytes / 104857.6) / 10} MiB`;
export const n = (x: number) => x.toLocaleString('en-US');
export const lat = (l: LatencySummaryMs) => `p50 ${l.p50} ms  p95 ${l.p95} ms  p99 ${l.p99} ms  max ${l.max} ms  (${n(l.count)} samples)`;
