/**
 * Group commit, as both stores do it: items wait in a batch, the batch is
 * written in one transaction, and each caller learns its own item's fate.
 */

/** The fate of one item of a written batch. */
export type Outcome<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

/** A caller waiting for its item's outcome. */
export interface Settler<R> {
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Settles `waiting[i]` with `outcomes[i]`. Call only once the batch is
 * committed: no caller may learn of success before the write is durable.
 */
export function settleBatch<R>(waiting: readonly Settler<R>[], outcomes: readonly Outcome<R>[]): void {
  waiting.forEach((w, i) => {
    const outcome = outcomes[i];
    if (outcome === undefined) w.reject(new Error('the batch write returned no outcome for this item'));
    else if (outcome.ok) w.resolve(outcome.value);
    else w.reject(outcome.error);
  });
}
