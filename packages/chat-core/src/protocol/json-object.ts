/** A parsed JSON object (not null, not an array). */
export type JsonObject = Record<string, unknown>;

export const isObject = (x: unknown): x is JsonObject => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Own property only: `__proto__` or `constructor` in a frame are plain data. */
export const own = (o: JsonObject, key: string): unknown =>
  Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
