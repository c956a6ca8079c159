import type { Metric, Registry } from 'prom-client';

/**
 * Counters and histograms for the hot path, read by prom-client's registry
 * at scrape time. prom-client's own `inc`/`observe` validate and hash their
 * labels on every call; on every message that was about 6 % of the
 * server's JS time at 50,000 deliveries/s (docs/benchmarks.md, issue #15).
 * Here a series is resolved once (`child`), and an event is one addition.
 * Label values must come from a fixed set (core's tables, store method
 * names), never from a client: each one is a series for ever.
 */

interface Options {
  readonly name: string;
  readonly help: string;
  readonly registers: readonly Registry[];
}

interface Sample {
  readonly value: number;
  readonly labels: Record<string, string | number>;
  readonly metricName?: string;
}

/** What prom-client's registry reads of a metric (its `get`, `reset`, name, help, type). */
abstract class Exposed {
  readonly aggregator = 'sum' as const;
  abstract readonly type: 'counter' | 'histogram';
  constructor(readonly name: string, readonly help: string, registers: readonly Registry[]) {
    // The registry only reads these members; prom-client's types name its own classes.
    for (const r of registers) r.registerMetric(this as unknown as Metric);
  }
  protected abstract samples(): Sample[];
  abstract reset(): void;
  get() {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.samples() };
  }
}

export interface CounterChild {
  inc(by?: number): void;
}

/** A counter family: one series per label value (or one unlabelled series). */
export class FastCounter extends Exposed {
  readonly type = 'counter' as const;
  private readonly series = new Map<string, { value: number }>();

  private readonly labelName: string | undefined;
  /** The unlabelled counter's one series. */
  readonly inc: (by?: number) => void;

  constructor(options: Options & { readonly labelName?: string }) {
    super(options.name, options.help, options.registers);
    this.labelName = options.labelName;
    // An unlabelled series is present at 0 from the start, as prom-client's are.
    const own = this.labelName === undefined ? this.child() : undefined;
    this.inc = (by) => {
      if (!own) throw new Error(`${this.name} is labelled: inc a child`);
      own.inc(by);
    };
  }

  /** The series of `labelValue` (none for an unlabelled counter), present at 0 from now on. */
  child(labelValue = ''): CounterChild {
    let s = this.series.get(labelValue);
    if (!s) this.series.set(labelValue, (s = { value: 0 }));
    const series = s;
    return { inc: (by = 1) => void (series.value += by) };
  }

  protected samples(): Sample[] {
    return [...this.series].map(([label, s]) => ({ value: s.value, labels: this.labelName === undefined ? {} : { [this.labelName]: label } }));
  }

  reset(): void {
    for (const s of this.series.values()) s.value = 0;
  }
}

export interface HistogramChild {
  observe(value: number): void;
}

interface HistogramSeries {
  /** Per bucket (non-cumulative), the last one being +Inf. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** A histogram family with fixed upper bounds, in the unit of what is observed. */
export class FastHistogram extends Exposed {
  readonly type = 'histogram' as const;
  private readonly series = new Map<string, HistogramSeries>();
  private readonly labelName: string | undefined;
  private readonly bounds: readonly number[];

  /** The unlabelled histogram's one series. */
  readonly observe: (value: number) => void;

  constructor(options: Options & { readonly labelName?: string; readonly buckets: readonly number[] }) {
    super(options.name, options.help, options.registers);
    this.labelName = options.labelName;
    this.bounds = [...options.buckets].sort((a, b) => a - b);
    const own = this.labelName === undefined ? this.child() : undefined;
    this.observe = (value) => {
      if (!own) throw new Error(`${this.name} is labelled: observe a child`);
      own.observe(value);
    };
  }

  /** The series of `labelValue` (none for an unlabelled histogram), present at 0 from now on. */
  child(labelValue = ''): HistogramChild {
    let s = this.series.get(labelValue);
    if (!s) this.series.set(labelValue, (s = { counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 }));
    const series = s;
    const bounds = this.bounds;
    return {
      observe: (value) => {
        if (!Number.isFinite(value)) return;
        let i = 0;
        while (i < bounds.length && value > bounds[i]!) i++;
        series.counts[i]!++;
        series.sum += value;
        series.count++;
      },
    };
  }

  protected samples(): Sample[] {
    const out: Sample[] = [];
    for (const [label, s] of this.series) {
      const labels = this.labelName === undefined ? {} : { [this.labelName]: label };
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += s.counts[i]!;
        out.push({ value: cumulative, labels: { le, ...labels }, metricName: `${this.name}_bucket` });
      });
      out.push({ value: s.count, labels: { le: '+Inf', ...labels }, metricName: `${this.name}_bucket` });
      out.push({ value: s.sum, labels, metricName: `${this.name}_sum` });
      out.push({ value: s.count, labels, metricName: `${this.name}_count` });
    }
    return out;
  }

  reset(): void {
    for (const s of this.series.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}
