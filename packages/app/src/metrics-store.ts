import type { ChatStore } from '@rgchat/chat-core';
import type { MetricSet } from './metrics-set';

/** Every own or inherited member of `store` (stores are object literals or class instances). */
function memberNames(store: object): string[] {
  const names = new Set<string>();
  for (let o: object | null = store; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const name of Object.getOwnPropertyNames(o)) if (name !== 'constructor') names.add(name);
  }
  return [...names];
}

/**
 * The store with every call timed into `rgchat_store_call_duration_seconds`
 * (label `op`: the method's name, from the store itself, never from a client)
 * and every rejection counted in `rgchat_store_call_errors_total`. Measured
 * here, around the port, so core and the stores know nothing of metrics.
 * The caller gets the store's own promise back, untouched; `close` is not
 * timed. Other members are read through from the store.
 */
export function timedStore<S extends ChatStore>(store: S, set: MetricSet): S {
  const timed: Record<string, unknown> = {};
  const source = store as unknown as Record<string, unknown>;
  for (const op of memberNames(store)) {
    const member = source[op];
    if (typeof member !== 'function') {
      Object.defineProperty(timed, op, { get: () => source[op], enumerable: true });
      continue;
    }
    const fn = member as (...args: unknown[]) => unknown;
    if (op === 'close') {
      timed[op] = fn.bind(store);
      continue;
    }
    const latency = set.storeCallSeconds.child(op);
    const failures = set.storeCallErrors.child(op);
    timed[op] = (...args: unknown[]): unknown => {
      const startMs = performance.now();
      const end = () => latency.observe((performance.now() - startMs) / 1000);
      const result = fn.apply(store, args);
      if (result instanceof Promise) {
        result.then(end, () => {
          end();
          failures.inc();
        });
      } else {
        end();
      }
      return result;
    };
  }
  return timed as unknown as S;
}
