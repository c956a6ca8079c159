import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { FastCounter, FastHistogram } from './fast-metrics';

/**
 * Store calls last from well under a millisecond (SQLite, a warm Postgres)
 * to the store timeout (seconds): buckets from 0.5 ms to 5 s.
 */
const STORE_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** A message's age when another instance's bus brings it: a store commit plus the bus's hop, up to the gap fill (seconds). */
const BUS_AGE_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Every metric rgchat exposes, registered in one registry per started app
 * (two apps in one process, as in tests, never share counters). Names follow
 * Prometheus conventions: `rgchat_` prefix, `_total` counters, base units.
 * Process metrics keep prom-client's standard `process_`/`nodejs_` names
 * (event-loop delay is `nodejs_eventloop_lag_*`), so stock dashboards work.
 */
export interface MetricSet {
  readonly registry: Registry;
  readonly connections: Gauge<'transport'>;
  readonly rooms: Gauge;
  readonly messagesStored: FastCounter;
  readonly messagesDelivered: FastCounter;
  /** Label `code`. */
  readonly errorFrames: FastCounter;
  /** Label `type`. */
  readonly requests: FastCounter;
  readonly rateLimited: FastCounter;
  readonly abuseCloses: FastCounter;
  readonly sendBudgetCloses: FastCounter;
  /** Label `op`. */
  readonly storeCallSeconds: FastHistogram;
  /** Label `op`. */
  readonly storeCallErrors: FastCounter;
  /** Label `direction`. */
  readonly busEvents: FastCounter;
  readonly busMessageAgeSeconds: FastHistogram;
}

/** Builds the registry and its metrics; `rooms` is read at each scrape. */
export function createMetricSet(rooms: () => number): MetricSet {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    connections: new Gauge({ name: 'rgchat_connections', help: 'Open client connections, by transport.', labelNames: ['transport'], registers }),
    rooms: new Gauge({
      name: 'rgchat_rooms',
      help: 'Rooms this instance knows of (every room in the store).',
      registers,
      collect() {
        this.set(rooms());
      },
    }),
    messagesStored: new FastCounter({ name: 'rgchat_messages_stored_total', help: 'New messages stored by this instance (resends recognised by clientMsgId excluded).', registers }),
    messagesDelivered: new FastCounter({
      name: 'rgchat_messages_delivered_total',
      help: 'Live messages handed to local connections (one per recipient, history excluded).',
      registers,
    }),
    errorFrames: new FastCounter({ name: 'rgchat_error_frames_total', help: 'Error frames sent to clients, by error code.', labelName: 'code', registers }),
    requests: new FastCounter({ name: 'rgchat_requests_total', help: 'Admitted requests served, by request type.', labelName: 'type', registers }),
    rateLimited: new FastCounter({ name: 'rgchat_rate_limited_frames_total', help: 'Inbound frames refused by a rate limit.', registers }),
    abuseCloses: new FastCounter({ name: 'rgchat_abuse_closes_total', help: 'Connections closed 1008 for too many refused or invalid frames.', registers }),
    sendBudgetCloses: new FastCounter({
      name: 'rgchat_send_budget_closes_total',
      help: 'Slow readers dropped for holding more than SEND_BUDGET_BYTES unread.',
      registers,
    }),
    storeCallSeconds: new FastHistogram({
      name: 'rgchat_store_call_duration_seconds',
      help: 'Store call latency, by store method.',
      labelName: 'op',
      buckets: STORE_BUCKETS_SECONDS,
      registers,
    }),
    storeCallErrors: new FastCounter({ name: 'rgchat_store_call_errors_total', help: 'Store calls that rejected, by store method.', labelName: 'op', registers }),
    busEvents: new FastCounter({
      name: 'rgchat_bus_events_total',
      help: 'Bus events published by this instance (out) and received from other instances (in).',
      labelName: 'direction',
      registers,
    }),
    busMessageAgeSeconds: new FastHistogram({
      name: 'rgchat_bus_message_age_seconds',
      help: "Age of a message event from another instance on arrival: now minus the message's ts (store commit plus bus hop, plus any clock skew).",
      buckets: BUS_AGE_BUCKETS_SECONDS,
      registers,
    }),
  };
}
