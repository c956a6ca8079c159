/** What happened to one run slot under --max-steal. */
export interface RedoOutcome<R> {
  /** The run that counts. */
  readonly kept: R;
  /** Runs thrown away for steal over the limit, oldest first. */
  readonly discarded: R[];
  /** True when `kept` is itself over the limit because the redos ran out. */
  readonly noisy: boolean;
}

/**
 * Runs `run` until one run's hypervisor steal is at most `maxSteal` (or
 * unknown), at most `maxRedos` extra times. A null `maxSteal` keeps the
 * first run whatever its steal.
 */
export async function runUntilQuiet<R>(
  run: () => Promise<R>,
  stealOf: (r: R) => number | null,
  maxSteal: number | null,
  maxRedos: number,
  onDiscard: (r: R, steal: number) => void = () => undefined,
): Promise<RedoOutcome<R>> {
  const discarded: R[] = [];
  for (;;) {
    const r = await run();
    const steal = stealOf(r);
    if (maxSteal === null || steal === null || steal <= maxSteal) return { kept: r, discarded, noisy: false };
    if (discarded.length >= maxRedos) return { kept: r, discarded, noisy: true };
    discarded.push(r);
    onDiscard(r, steal);
  }
}
