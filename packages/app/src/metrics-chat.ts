import { ErrorCode, REQUEST_TYPES, type ChatMetrics, type ErrorCodeName } from '@rgchat/chat-core';
import type { CounterChild, FastCounter } from './fast-metrics';
import type { MetricSet } from './metrics-set';

/** One pre-resolved child per known label value, present at 0 from the start so rate() and alerts see it before the first event. */
function children(counter: FastCounter, values: readonly string[]): ReadonlyMap<string, CounterChild> {
  return new Map(values.map((value) => [value, counter.child(value)]));
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
    messagesDelivered: (recipients: number) => messagesDelivered.inc(recipients),
  };
}
