import type { Connection } from './connection';

/**
 * Topic fan-out inside one instance. Core keeps the default (a loop over
 * members); a transport with native pub/sub (uWS topics) supplies its own so
 * a broadcast is one native call.
 */
export interface Fanout {
  subscribe(connection: Connection, topic: string): void;
  unsubscribe(connection: Connection, topic: string): void;
  /** Sends the same, already serialised frame to every subscriber of `topic`. */
  publish(topic: string, frame: string): void;
}
