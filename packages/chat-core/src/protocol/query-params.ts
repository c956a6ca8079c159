/**
 * The parameters named in `known` of a URL query string (without `?`),
 * percent- and `+`-decoded; others are ignored. Undefined when one is
 * repeated or cannot be decoded: the caller answers 400. Core has no
 * URLSearchParams (lib es2022, no DOM or node types).
 */
export function parseQueryParams(search: string, known: readonly string[]): Map<string, string> | undefined {
  const seen = new Map<string, string>();
  for (const part of search.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
      value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      return undefined;
    }
    if (!known.includes(key)) continue;
    if (seen.has(key)) return undefined;
    seen.set(key, value);
  }
  return seen;
}
