import type { TemplatedApp } from 'uWebSockets.js';
import type { Fanout } from '@rgchat/chat-core';
import type { UwsSocket } from './uws-connection';

/**
 * Core's Fanout port on uWS topics: a broadcast is one `app.publish` of the
 * string core serialised once; uWS copies it to every subscriber natively,
 * corks each one and applies maxBackpressure / closeOnBackpressureLimit to
 * them, the same send budget a direct send has. Connections that are not
 * open (any more) are ignored: uWS unsubscribes a socket itself on close.
 */
export function createUwsFanout(app: TemplatedApp, sockets: WeakMap<object, UwsSocket>): Fanout {
  return {
    subscribe(connection, topic) {
      sockets.get(connection)?.subscribe(topic);
    },
    unsubscribe(connection, topic) {
      sockets.get(connection)?.unsubscribe(topic);
    },
    publish(topic, frame) {
      // app.publish (unlike ws.publish) reaches every subscriber, the sender included, as core expects.
      app.publish(topic, frame, false, false);
    },
  };
}
