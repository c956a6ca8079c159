import { ErrorCode, REQUEST_TYPES, type ChatMetrics, type ErrorCodeName } from '@rgchat/chat-core';
import type { Counter } from 'prom-client';
import type { MetricSet } from './metrics-set';

type Child = ReturnType<Counter['labels']>;

/** One pre-resolved child per known label value: no label lookup or string building per call. */
function children<L extends string>(counter: Counter<L>, values: readonly string[]): ReadonlyMap<string, Child> {
  const map = new Map<string, Child>();
  for (const value of values) {
    const child = counter.labels(value);
    // Present at 0 from the start, so rate() and alerts see the series before the first event.
    child.inc(0);
    map.set(value, child);
  }
  return map;
}

/**
 * Core's `ChatMetrics` on prom-client. Label values come only from core's
 * own tables (request types, error codes), never from a client, so a
 * hostile client cannot grow the number of series; anything else is
 * dropped rather than given a new series.
 */
export function createChatMetrics(set: MetricSet, transport: string): ChatMetrics {
  const connections = set.connections.labels(transport);
  connections.set(0);
  const requests = children(set.requests, REQUEST_TYPES);
  const errors = children(set.errorFrames, Object.values(ErrorCode));
  const { messagesStored, messagesDelivered, rateLimited, abuseCloses, sendBudgetCloses } = set;
  return {
    connectionOpened: () => connections.inc(),
    connectionClosed: () => connections.dec(),
    requestServed: (type: string) => requests.get(type)?.inc(),
    errorSent: (code: ErrorCodeName) => errors.get(code)?.inc(),
    rateLimited: () => rateLimited.inc(),
    abuseClosed: () => abuseCloses.inc(),
    sendBudgetClosed: () => sendBudgetCloses.inc(),
    messageStored: () => messagesStored.inc(),
    messagesDelivered: (recipients: number) => {
      if (recipients > 0) messagesDelivered.inc(recipients);
    },
  };
}
