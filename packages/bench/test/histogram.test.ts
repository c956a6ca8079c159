import { bucketIndex, bucketUpperBound, createHistogram, summarizeMicros } from '../src/histogram';

describe('histogram', () => {
  it('is exact below 256', () => {
    const h = createHistogram();
    for (let v = 1; v <= 100; v++) h.record(v);
    expect(h.count).toBe(100);
    expect(h.percentile(50)).toBe(50);
    expect(h.percentile(99)).toBe(99);
    expect(h.percentile(100)).toBe(100);
    expect(h.min).toBe(1);
    expect(h.max).toBe(100);
    expect(h.mean).toBe(50.5);
  });

  it('keeps percentiles within 1% over a wide range', () => {
    const h = createHistogram();
    for (let v = 1; v <= 1_000_000; v += 7) h.record(v);
    const n = Math.ceil(1_000_000 / 7);
    for (const p of [50, 90, 95, 99, 99.9]) {
      const exact = 1 + 7 * (Math.ceil((p / 100) * n) - 1);
      expect(Math.abs(h.percentile(p) - exact) / exact).toBeLessThan(0.01);
    }
    expect(h.max).toBe(1 + 7 * (n - 1));
  });

  it('maps every value into a bucket whose bounds contain it', () => {
    for (const v of [0, 1, 255, 256, 257, 511, 512, 1000, 65_535, 1e6, 2 ** 31, 2 ** 32 - 1]) {
      const i = bucketIndex(v);
      expect(bucketUpperBound(i)).toBeGreaterThanOrEqual(v);
      if (i > 0) expect(bucketUpperBound(i - 1)).toBeLessThan(v);
    }
  });

  it('clamps negatives and huge values, merges and resets', () => {
    const a = createHistogram();
    const b = createHistogram();
    a.record(-5);
    a.record(10);
    b.record(2 ** 40);
    a.add(b);
    expect(a.count).toBe(3);
    expect(a.min).toBe(0);
    expect(a.max).toBe(2 ** 32 - 1);
    a.reset();
    expect(a.count).toBe(0);
    expect(a.percentile(99)).toBe(0);
  });

  it('summarises microseconds as milliseconds', () => {
    const h = createHistogram();
    h.record(1500);
    h.record(2500);
    expect(summarizeMicros(h)).toMatchObject({ count: 2, max: 2.5, mean: 2 });
  });
});
