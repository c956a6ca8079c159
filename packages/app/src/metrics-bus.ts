import type { Bus, BusEvent } from '@rgchat/chat-core';
import type { MetricSet } from './metrics-set';

/**
 * The bus with its traffic counted: `rgchat_bus_events_total{direction="out"}`
 * per event this instance publishes, `{direction="in"}` per event received
 * from another instance, and, for a received `message` event,
 * `rgchat_bus_message_age_seconds`.
 *
 * No bus carries the time an event was sent, so the lag of the bus alone
 * cannot be measured honestly. What can be: a message's age on arrival, now
 * minus its `ts`, which core stamps just before the store write. It is the
 * store commit plus the bus hop (plus any clock skew between the hosts; a
 * negative age from skew counts as 0), and it is what a reader on another
 * instance waits for.
 *
 * A bus delivers an instance's own events to its subscribers synchronously
 * inside `publish` (the `Bus` contract): a delivery outside a publish of
 * ours came from another instance.
 */
export function countedBus(bus: Bus, set: MetricSet, nowMs: () => number): { bus: Bus; close: () => void } {
  const out = set.busEvents.child('out');
  const inbound = set.busEvents.child('in');
  const age = set.busMessageAgeSeconds;
  let publishing = 0;
  const unsubscribe = bus.subscribe((event: BusEvent) => {
    if (publishing > 0) return;
    inbound.inc();
    if (event.kind === 'message') age.observe(Math.max(0, nowMs() - event.message.ts) / 1000);
  });
  const counted: Bus = {
    ...(bus.maxEventBytes === undefined ? {} : { maxEventBytes: bus.maxEventBytes }),
    publish(event) {
      out.inc();
      publishing++;
      try {
        bus.publish(event);
      } finally {
        publishing--;
      }
    },
    subscribe: (handler) => bus.subscribe(handler),
  };
  return { bus: counted, close: unsubscribe };
}
