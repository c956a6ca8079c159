// String hygiene shared by every field rule.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Replaces lone UTF-16 surrogates (valid in JSON, invalid in UTF-8 stores) with U+FFFD. */
export const wellFormed = (s: string): string => s.replace(LONE_SURROGATE, '\uFFFD');

/** Length in Unicode code points, so an emoji counts once, not twice. */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/**
 * Whitespace of every kind (JS \s misses NEL), plus the invisible separators that render as
 * nothing (ZWSP, word joiner, BOM): a name must not hide a gap.
 */
export const WHITESPACE_OR_INVISIBLE = /[\s\u0085\u180E\u200B\u2060\uFEFF]/u;
export const CONTROL = /\p{Cc}/u;

/** Drops control characters (NUL breaks Postgres text) except newline and tab. */
export const stripControlsKeepLines = (s: string): string =>
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  s.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, '');

/**
 * Room id from a room name, as the seed asks: lowercase, whitespace to `-`,
 * unsupported characters removed. Accents fold to their base letter
 * (NFKD, marks dropped) so "Café" and "cafe" are the same room.
 */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\s+/gu, '-')
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
}
