import * as v from 'valibot';
import { FEATURE_NAMES, type Feature } from '@rgchat/chat-core';

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

/** `true`/`false`/`1`/`0`, any case. */
export const flag = v.pipe(
  v.string(),
  v.transform((s) => s.trim().toLowerCase()),
  v.picklist(['true', 'false', '1', '0'], (i) => `must be true, false, 1 or 0, got ${shown(i.input)}`),
  v.transform((s) => s === 'true' || s === '1'),
);

/** `scheme://host[:port]` exactly as a browser sends it in the Origin header. */
const isExactOrigin = (s: string): boolean => {
  try {
    const url = new URL(s);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === s.toLowerCase();
  } catch {
    return false;
  }
};

/** ALLOWED_ORIGINS: a comma list of exact origins; an emptied list is refused (unset means any). */
export const originList = v.pipe(
  v.string(),
  v.transform((s) => s.split(',').map((o) => o.trim()).filter((o) => o.length > 0)),
  v.minLength(1, 'lists no origin; unset it to allow any origin'),
  v.rawCheck<string[]>(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const bad = dataset.value.filter((o) => !isExactOrigin(o));
    if (bad.length > 0) {
      addIssue({
        message: `must list exact origins like https://chat.example.org (scheme, host, optional port; no path), not ${bad.map(shown).join(', ')}`,
      });
    }
  }),
);

/**
 * `FEATURES`: comma-separated extension names (chat-core's FEATURE_NAMES).
 * Empty turns every extension off (every client is then plain rg-chat-v1),
 * which is safe, unlike an emptied ALLOWED_ORIGINS; an unknown name is an
 * error, so a typo never silently leaves a feature off.
 */
export const featureList = v.pipe(
  v.string(),
  v.transform((s) => s.split(',').map((f) => f.trim()).filter((f) => f.length > 0)),
  v.rawCheck<string[]>(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const known: readonly string[] = FEATURE_NAMES;
    const bad = dataset.value.filter((f) => !known.includes(f));
    if (bad.length > 0) addIssue({ message: `names unknown features ${bad.map(shown).join(', ')}; known: ${FEATURE_NAMES.join(', ')}` });
  }),
  v.transform((list) => [...new Set(list)] as Feature[]),
);
