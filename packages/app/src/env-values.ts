import * as v from 'valibot';

/*
 * valibot pieces for reading environment strings, shared by config.ts and
 * the adapter entries in adapters.ts. Every message is a phrase that follows
 * the variable's name ("PORT must be at most 65535").
 */

export const shown = (input: unknown): string => JSON.stringify(input);

/**
 * A whole number written in plain digits. Rejects what `Number()` would
 * quietly accept ("", " 5", "1e3", "0x10", "12.0") and what `parseInt`
 * would truncate ("12abc").
 */
export const wholeNumber = v.pipe(
  v.string(),
  v.regex(/^[0-9]+$/, (i) => `must be a whole number (digits only), got ${shown(i.input)}`),
  v.transform(Number),
  v.safeInteger((i) => `is too large, got ${shown(i.input)}`),
);

export const inRange = (min: number, max: number) =>
  v.pipe(wholeNumber, v.minValue(min, `must be at least ${min}`), v.maxValue(max, `must be at most ${max}`));

export const nonEmpty = v.pipe(v.string(), v.trim(), v.nonEmpty('must not be empty'));

/** One of `options`, naming them all when it is not. */
export const oneOf = <const T extends readonly [string, ...string[]]>(options: T) =>
  v.picklist(options, (i) => `must be one of ${options.join(', ')}, got ${shown(i.input)}`);

/**
 * A value judged by an adapter's own rule (`problem` says why it cannot be
 * used, or undefined), so app and adapter never disagree on what is valid.
 */
export const judgedBy = <T>(problem: (value: T) => string | undefined) =>
  v.rawCheck<T>(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const message = problem(dataset.value);
    if (message !== undefined) addIssue({ message });
  });
