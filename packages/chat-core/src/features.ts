/**
 * The opt-in extensions of rg-chat-v1 (/work/shared/extensions.md), in the
 * contract's order: `welcome.features` lists what it grants in this order, so
 * a later part (presence, typing, ...) is one more name here and its requests'
 * `feature` in the request table.
 */
export const FEATURE_NAMES = ['history', 'recovery', 'acks', 'presence', 'typing', 'delete', 'reactions', 'rooms'] as const;

export type Feature = (typeof FEATURE_NAMES)[number];

/** Every feature on: what a server enables when its deployment does not say (config `FEATURES`). */
export const ALL_FEATURES: ReadonlySet<Feature> = new Set(FEATURE_NAMES);

const KNOWN: ReadonlySet<string> = ALL_FEATURES;

export const isFeature = (name: unknown): name is Feature => typeof name === 'string' && KNOWN.has(name);

/**
 * The set of features a server enables, from a deployment's list. Throws a
 * RangeError naming every unknown name (app validates `FEATURES` with the
 * same list first, so a bad value never reaches here from the environment).
 */
export function enabledFeatures(names: readonly string[] = FEATURE_NAMES): ReadonlySet<Feature> {
  const unknown = names.filter((n) => !KNOWN.has(n));
  if (unknown.length > 0) throw new RangeError(`unknown features: ${unknown.join(', ')} (known: ${FEATURE_NAMES.join(', ')})`);
  return new Set(names as readonly Feature[]);
}

/**
 * What a `hello.features` array negotiates: the names it asks for that the
 * server enables, in the contract's order, each once. Anything else in the
 * array (unknown names, non-strings) is ignored, as the contract says.
 */
export function negotiate(requested: readonly unknown[], enabled: ReadonlySet<Feature>): Feature[] {
  const asked = new Set<unknown>(requested);
  return FEATURE_NAMES.filter((f) => enabled.has(f) && asked.has(f));
}
