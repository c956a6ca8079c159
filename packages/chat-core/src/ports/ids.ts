/** Identifiers and the one source of randomness core needs. */
export interface Ids {
  /** A new connection id, unique across every instance sharing a store (e.g. `conn_…`). */
  connectionId(): string;
  /** A new message id, unique across every instance sharing a store (e.g. `msg_…`). */
  messageId(): string;
  /** A uniformly random integer in [0, maxExclusive). */
  randomInt(maxExclusive: number): number;
}
