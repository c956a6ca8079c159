import { decodeBusEvent, encodeBusEvent, type Bus, type BusEvent, type Clock } from '@rgchat/chat-core';

/** One instance's bus on a `LinkedBuses` medium. */
export interface LinkedBus extends Bus {
  readonly instanceId: string;
  /** Events this bus sent to the others (after the codec), for counting. */
  readonly sent: BusEvent[];
  /** Stops sending and receiving at once, without a goodbye: the instance was killed (`kill -9`). */
  cut(): void;
}

export interface LinkedBuses {
  /** A new instance's bus on the medium. */
  open(instanceId: string): LinkedBus;
  /** Events handed across but not delivered yet (they go out on the clock's next turn). */
  readonly inFlight: number;
}

export interface LinkedBusesOptions {
  /** Delivery to the other instances happens on this clock, `delayMs` after publish, in publish order. */
  readonly clock: Clock;
  readonly delayMs?: number;
  /** Every bus's `maxEventBytes`; an event above it throws, as a real NOTIFY would fail. */
  readonly maxEventBytes?: number;
}

/**
 * In-process buses that reach each other as instances on one database
 * would: local subscribers synchronously, the others later and in order,
 * every event through core's string codec (so what crosses is exactly what
 * NOTIFY would carry), never echoed back. For core tests of cross-instance
 * behaviour on a fake clock.
 */
export function createLinkedBuses({ clock, delayMs = 0, maxEventBytes }: LinkedBusesOptions): LinkedBuses {
  const members = new Set<{ readonly id: string; readonly handlers: Set<(e: BusEvent) => void>; alive: boolean }>();
  let inFlight = 0;

  return {
    open(instanceId) {
      const me = { id: instanceId, handlers: new Set<(e: BusEvent) => void>(), alive: true };
      members.add(me);
      const sent: BusEvent[] = [];
      const emit = (handlers: Set<(e: BusEvent) => void>, event: BusEvent) => {
        for (const h of [...handlers]) h(event);
      };
      return {
        instanceId,
        sent,
        ...(maxEventBytes === undefined ? {} : { maxEventBytes }),
        publish(event) {
          if (!me.alive) return;
          emit(me.handlers, event);
          if (event.kind === 'resync') return;
          const text = encodeBusEvent(instanceId, event);
          const bytes = Buffer.byteLength(text, 'utf8');
          if (maxEventBytes !== undefined && bytes > maxEventBytes) throw new RangeError(`bus event of ${bytes} bytes exceeds ${maxEventBytes}`);
          const envelope = decodeBusEvent(text);
          if (!envelope) throw new Error(`the codec cannot read back its own ${event.kind} event`);
          sent.push(envelope.event);
          for (const other of members) {
            if (other === me || !other.alive) continue;
            inFlight++;
            clock.schedule(delayMs, () => {
              inFlight--;
              if (other.alive) emit(other.handlers, envelope.event);
            });
          }
        },
        subscribe(handler) {
          me.handlers.add(handler);
          return () => void me.handlers.delete(handler);
        },
        cut() {
          me.alive = false;
          members.delete(me);
        },
      };
    },
    get inFlight() {
      return inFlight;
    },
  };
}
