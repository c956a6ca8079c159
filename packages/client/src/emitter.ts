import { rethrowLater } from './platform.js';

type Handler = (...args: never[]) => void;

/** A typed event emitter: `on` returns its own unsubscribe; a throwing handler cannot stop the others. */
export class Emitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly handlers = new Map<keyof Events, Set<Handler>>();

  on<K extends keyof Events>(event: K, handler: (...args: Events[K]) => void): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    const h = handler as unknown as Handler;
    set.add(h);
    return () => void set.delete(h);
  }

  emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const set = this.handlers.get(event);
    if (!set) return;
    for (const h of [...set]) {
      try {
        (h as unknown as (...a: Events[K]) => void)(...args);
      } catch (e) {
        // An app's bug in one handler must not break the client's state machine.
        rethrowLater(e);
      }
    }
  }
}
