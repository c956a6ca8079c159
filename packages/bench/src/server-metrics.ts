import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';

/**
 * The server's own view of its event loop over a measured window, read from
 * its Prometheus endpoint (rgchat serves prom-client's default metrics).
 *
 * prom-client's event-loop figures come from `perf_hooks.monitorEventLoopDelay`
 * and the histogram is reset on every scrape, so a scrape at the window's
 * start and one after its drain give the delay of exactly that stretch. GC
 * pauses are a cumulative histogram: the two scrapes' difference counts the
 * pauses of the window, and how many of them passed 10 ms.
 */

/** Samples of one scrape, keyed by `name{label="value",...}` with labels sorted; unlabelled samples by name. */
export type MetricSamples = ReadonlyMap<string, number>;

/** A pause of the event loop longer than this is a stall (issue #15's bound), in ms. */
export const STALL_MS = 10;

/**
 * prom-client's default `eventLoopMonitoringPrecision`, in ms. The histogram
 * records the time between two ticks of a timer of this period, not the lag
 * alone: an idle loop reads ~10 ms, and a block of B ms reads between B and
 * B + 10 ms. So a window whose max is at most 20 ms had no block over 10 ms,
 * and one over 20 ms had at least one.
 */
export const LOOP_RESOLUTION_MS = 10;

export interface GcFigures {
  readonly pauses: number;
  readonly pauseMs: number;
  /** Pauses longer than STALL_MS (counted from the 10 ms bucket prom-client uses by default). */
  readonly over10Ms: number;
}

export interface ServerLoopFigures {
  /** The longest tick-to-tick time monitorEventLoopDelay saw in the window, in ms (see LOOP_RESOLUTION_MS). */
  readonly delayMaxMs: number;
  readonly delayP99Ms: number;
  readonly delayP50Ms: number;
  /** All GC pauses of the window, and by kind (major, minor, incremental, weakcb). */
  readonly gc: GcFigures & { readonly byKind: Readonly<Record<string, GcFigures>> };
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses Prometheus' text exposition format; comments and malformed lines are skipped. */
export function parsePrometheusText(text: string): MetricSamples {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = SAMPLE_LINE.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (Number.isNaN(value)) continue;
    const labels = [...(m[2] ?? '').matchAll(LABEL)].map(([, k, v]) => `${k}="${v}"`).sort();
    out.set(labels.length ? `${m[1]}{${labels.join(',')}}` : m[1]!, value);
  }
  return out;
}

/** The metrics URL for a chat server at `wsUrl` that serves them on its own port (rgchat's default). */
export function metricsUrlOf(wsUrl: string): string {
  const u = new URL(wsUrl);
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  u.pathname = '/metrics';
  u.search = '';
  return u.toString();
}

/**
 * One scrape; rejects on a non-2xx answer or after `timeoutMs`. node:http,
 * not fetch: the first fetch loads undici, tens of ms of compiling on the
 * tool's event loop right at the window's start, which showed up as latency.
 */
export function scrapeMetrics(url: string, timeoutMs = 5000): Promise<MetricSamples> {
  const get = url.startsWith('https:') ? httpsGet : httpGet;
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) reject(new Error(`${url} answered ${status}`));
        else resolve(parsePrometheusText(Buffer.concat(chunks).toString('utf8')));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${url} did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

const round2 = (x: number) => Math.round(x * 100) / 100;

function gcOfKind(before: MetricSamples, after: MetricSamples, kind: string): GcFigures {
  const diff = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
  const pauses = diff(`nodejs_gc_duration_seconds_count{kind="${kind}"}`);
  const under = diff(`nodejs_gc_duration_seconds_bucket{kind="${kind}",le="${STALL_MS / 1000}"}`);
  return { pauses, pauseMs: round2(diff(`nodejs_gc_duration_seconds_sum{kind="${kind}"}`) * 1000), over10Ms: pauses - under };
}

/**
 * The window's loop figures from a scrape at its start and one at its end;
 * undefined when the end scrape lacks prom-client's event-loop metrics.
 */
export function loopFiguresBetween(before: MetricSamples, after: MetricSamples): ServerLoopFigures | undefined {
  const seconds = (name: string) => after.get(name);
  const max = seconds('nodejs_eventloop_lag_max_seconds');
  const p99 = seconds('nodejs_eventloop_lag_p99_seconds');
  const p50 = seconds('nodejs_eventloop_lag_p50_seconds');
  if (max === undefined || p99 === undefined || p50 === undefined) return undefined;
  const kinds = new Set<string>();
  for (const key of after.keys()) {
    const m = /^nodejs_gc_duration_seconds_count\{kind="([^"]+)"\}$/.exec(key);
    if (m) kinds.add(m[1]!);
  }
  const byKind: Record<string, GcFigures> = {};
  let pauses = 0;
  let pauseMs = 0;
  let over10Ms = 0;
  for (const kind of [...kinds].sort()) {
    const g = gcOfKind(before, after, kind);
    byKind[kind] = g;
    pauses += g.pauses;
    pauseMs += g.pauseMs;
    over10Ms += g.over10Ms;
  }
  return {
    delayMaxMs: round2(max * 1000),
    delayP99Ms: round2(p99 * 1000),
    delayP50Ms: round2(p50 * 1000),
    gc: { pauses, pauseMs: round2(pauseMs), over10Ms, byKind },
  };
}
