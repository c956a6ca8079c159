import type { Bus, BusEvent } from './ports/bus';
import type { Log } from './ports/log';

const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * The half every cross-instance bus shares (Postgres NOTIFY, NATS): its
 * local subscribers, and `publish` as the port promises it. Local
 * subscribers hear an event first and synchronously (core on this instance
 * must not wait for a round trip to see its own message); a `resync` stays
 * local (it is about this instance's view); anything else is encoded and
 * handed to `send`. A subscriber that throws is logged and cannot starve the
 * others or break the bus's reader.
 */
export function createBusSubscribers(log: Log) {
  const handlers = new Set<(event: BusEvent) => void>();

  function emit(event: BusEvent): void {
    // A snapshot, so a handler may unsubscribe itself.
    for (const h of [...handlers]) {
      try {
        h(event);
      } catch (err) {
        log('error', 'bus subscriber threw', { kind: event.kind, err: errText(err) });
      }
    }
  }

  return {
    /** Delivers to every local subscriber (an event heard from another instance, or a local resync). */
    emit,
    subscribe: ((handler) => {
      handlers.add(handler);
      return () => void handlers.delete(handler);
    }) satisfies Bus['subscribe'],
    /** The port's `publish`: local subscribers, then `encode` and `send` unless it is a resync. */
    publish(event: BusEvent, encode: (event: BusEvent) => string, send: (payload: string, event: BusEvent) => void): void {
      emit(event);
      if (event.kind === 'resync') return;
      let payload: string;
      try {
        payload = encode(event);
      } catch (err) {
        log('error', 'bus could not encode an event', { kind: event.kind, err: errText(err) });
        return;
      }
      send(payload, event);
    },
    clear: () => handlers.clear(),
  };
}
