/**
 * A log-linear latency histogram in the spirit of HdrHistogram: values below
 * 256 are exact, larger ones fall in buckets 1/128 of their power of two wide
 * (relative error under 0.8 %). Recording is allocation-free, so it can sit in
 * the receive hot path; merging and percentiles are O(buckets).
 */
export interface Histogram {
  /** Records one value (integer units, e.g. microseconds; negatives count as 0). */
  record(value: number): void;
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  /** The value at or below which `p` (0..100) percent of the records fall; 0 when empty. */
  percentile(p: number): number;
  /** Adds every record of `other` to this one. */
  add(other: Histogram): void;
  reset(): void;
  /** Raw bucket counts, for `add`. */
  readonly buckets: Float64Array;
}

const SUB_BUCKETS = 256;
const HALF = SUB_BUCKETS / 2;
/** 2^32 - 1 is the largest value kept apart; anything above lands in the top bucket (71 minutes in µs). */
const MAX_VALUE = 0xffffffff;
const MAX_SHIFT = 32 - 8;
const BUCKET_COUNT = SUB_BUCKETS + MAX_SHIFT * HALF;

/** Bucket index of a non-negative integer value. Exported for tests. */
export function bucketIndex(value: number): number {
  if (value < SUB_BUCKETS) return value;
  // 31 - clz32(v) is floor(log2 v); shift so the top 8 bits remain (128..255).
  const shift = 31 - Math.clz32(value) - 7;
  return SUB_BUCKETS + (shift - 1) * HALF + ((value >>> shift) - HALF);
}

/** Largest value that maps to `index` (HdrHistogram's "highest equivalent value"). */
export function bucketUpperBound(index: number): number {
  if (index < SUB_BUCKETS) return index;
  const shift = Math.floor((index - SUB_BUCKETS) / HALF) + 1;
  const sub = ((index - SUB_BUCKETS) % HALF) + HALF;
  return (sub + 1) * 2 ** shift - 1;
}

export function createHistogram(): Histogram {
  const buckets = new Float64Array(BUCKET_COUNT);
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = 0;

  const h: Histogram = {
    buckets,
    record(raw) {
      const value = raw <= 0 ? 0 : raw >= MAX_VALUE ? MAX_VALUE : Math.floor(raw);
      buckets[bucketIndex(value)]! += 1;
      count += 1;
      sum += value;
      if (value < min) min = value;
      if (value > max) max = value;
    },
    get count() {
      return count;
    },
    get min() {
      return count === 0 ? 0 : min;
    },
    get max() {
      return max;
    },
    get mean() {
      return count === 0 ? 0 : sum / count;
    },
    percentile(p) {
      if (count === 0) return 0;
      const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * count));
      let seen = 0;
      for (let i = 0; i < BUCKET_COUNT; i++) {
        seen += buckets[i]!;
        // Never report more than the true maximum nor less than the true minimum.
        if (seen >= rank) return Math.max(min, Math.min(max, bucketUpperBound(i)));
      }
      return max;
    },
    add(other) {
      if (other.count === 0) return;
      for (let i = 0; i < BUCKET_COUNT; i++) buckets[i]! += other.buckets[i]!;
      count += other.count;
      sum += other.mean * other.count;
      if (other.min < min) min = other.min;
      if (other.max > max) max = other.max;
    },
    reset() {
      buckets.fill(0);
      count = 0;
      sum = 0;
      min = Infinity;
      max = 0;
    },
  };
  return h;
}

/** Summary in milliseconds of a histogram recorded in microseconds. */
export interface LatencySummaryMs {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

const ms = (us: number) => Math.round(us) / 1000;

export function summarizeMicros(h: Histogram): LatencySummaryMs {
  return {
    count: h.count,
    p50: ms(h.percentile(50)),
    p95: ms(h.percentile(95)),
    p99: ms(h.percentile(99)),
    max: ms(h.max),
    mean: ms(h.mean),
  };
}
