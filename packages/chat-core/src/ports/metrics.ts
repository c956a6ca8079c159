import type { ErrorCode } from '../error-codes';

/** One of the stable error codes (`ErrorCode`). */
export type ErrorCodeName = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * What core counts as it runs, for an operator's dashboard (issue #14,
 * metrics). Core calls these at the few places where only it knows what
 * happened; the app maps them onto its metrics library. Every method is
 * called on a hot path: an implementation must be cheap and never throw.
 * What is better measured around a port (store latency, bus traffic) is
 * measured there by the app, not here.
 */
export interface ChatMetrics {
  /** A connection was accepted and is now counted (one refused while stopping is not). */
  connectionOpened(): void;
  /** A connection counted by `connectionOpened` is gone; called once per such connection. */
  connectionClosed(): void;
  /** An admitted request of `type` (a type of core's request table, never a client's string) is being served. */
  requestServed(type: string): void;
  /** An `error` frame with `code` was sent to a client. */
  errorSent(code: ErrorCodeName): void;
  /** An inbound frame was refused by a rate limit (its own or its address's), answered or not. */
  rateLimited(): void;
  /** A connection was closed 1008 for too many refused or invalid frames (`abuseStrikes`). */
  abuseClosed(): void;
  /** A slow reader was dropped for holding more than `sendBudgetBytes` unread. */
  sendBudgetClosed(): void;
  /** A new message (not a recognised resend) was stored by this instance. */
  messageStored(): void;
  /** One live message was handed to `recipients` local connections (a broadcast counts once, with its size). */
  messagesDelivered(recipients: number): void;
}

const nothing = (): void => {};

/** The default: counts nothing, so every caller that does not care needs no metrics. */
export const noMetrics: ChatMetrics = Object.freeze({
  connectionOpened: nothing,
  connectionClosed: nothing,
  requestServed: nothing,
  errorSent: nothing,
  rateLimited: nothing,
  abuseClosed: nothing,
  sendBudgetClosed: nothing,
  messageStored: nothing,
  messagesDelivered: nothing,
});
