import { Counter, Histogram, Registry } from 'prom-client';
import { FastCounter, FastHistogram } from '../src/fast-metrics';

// The hot-path metrics must expose exactly what prom-client's own would: the
// same series, values and text, so dashboards and alerts do not notice.
const samples = async (r: Registry) => (await r.metrics()).split('\n').filter((l) => l !== '' && !l.startsWith('#')).sort();

describe('fast metrics', () => {
  test('a histogram exposes the same text as prom-client fed the same observations', async () => {
    const buckets = [0.001, 0.01, 0.1, 1];
    const values = [0.0005, 0.001, 0.002, 0.05, 0.05, 0.5, 3, Number.NaN];
    const fast = new Registry();
    const slow = new Registry();
    const f = new FastHistogram({ name: 'h_seconds', help: 'h', labelName: 'op', buckets, registers: [fast] });
    const s = new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['op'], buckets, registers: [slow] });
    const fa = f.child('append');
    f.child('read');
    for (const v of values.filter(Number.isFinite)) {
      fa.observe(v);
      s.labels('append').observe(v);
    }
    // prom-client has no way to create a series at 0 without observing: compare the append series only.
    const appendOnly = (lines: string[]) => lines.filter((l) => l.includes('op="append"'));
    expect(appendOnly(await samples(fast))).toEqual(appendOnly(await samples(slow)));
    expect(await samples(fast)).toContain('h_seconds_count{op="read"} 0');
  });

  test('a non-finite observation is dropped rather than poisoning the sum', async () => {
    const r = new Registry();
    const h = new FastHistogram({ name: 'age_seconds', help: 'a', buckets: [1], registers: [r] });
    h.observe(Number.NaN);
    h.observe(Number.POSITIVE_INFINITY);
    h.observe(0.5);
    expect(await samples(r)).toEqual(['age_seconds_bucket{le="+Inf"} 1', 'age_seconds_bucket{le="1"} 1', 'age_seconds_count 1', 'age_seconds_sum 0.5']);
  });

  test('counters: unlabelled at 0 from the start, labelled series once resolved, the same text as prom-client', async () => {
    const fast = new Registry();
    const slow = new Registry();
    const fu = new FastCounter({ name: 'stored_total', help: 's', registers: [fast] });
    const fl = new FastCounter({ name: 'requests_total', help: 'r', labelName: 'type', registers: [fast] });
    const su = new Counter({ name: 'stored_total', help: 's', registers: [slow] });
    const sl = new Counter({ name: 'requests_total', help: 'r', labelNames: ['type'], registers: [slow] });
    expect(await samples(fast)).toEqual(['stored_total 0']);
    const hello = fl.child('hello');
    fl.child('ping');
    sl.labels('ping').inc(0);
    hello.inc();
    hello.inc(2);
    fu.inc(5);
    sl.labels('hello').inc(3);
    su.inc(5);
    expect(await samples(fast)).toEqual(await samples(slow));
    expect(() => fl.inc()).toThrow(/labelled/);
    fast.resetMetrics();
    expect(await samples(fast)).toEqual(['requests_total{type="hello"} 0', 'requests_total{type="ping"} 0', 'stored_total 0']);
  });
});
