import type { Bus, BusEvent } from './ports/bus';

/** The single-instance bus: publish is a synchronous call to every subscriber. */
export function createMemoryBus(): Bus {
  const handlers = new Set<(event: BusEvent) => void>();
  return {
    publish(event) {
      for (const h of handlers) h(event);
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => void handlers.delete(handler);
    },
  };
}
