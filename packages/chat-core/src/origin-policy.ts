/**
 * Decides whether a WebSocket upgrade's Origin is allowed. Browsers always
 * send Origin, so an allow-list stops other sites' pages from talking to the
 * server; non-browser clients send none and are let through, as the header
 * protects browsers, not the server.
 */
export type OriginPolicy = (origin: string | undefined) => boolean;

/** `allowed` undefined or empty: any origin. Otherwise exact, case-insensitive matches (`https://example.org`). */
export function createOriginPolicy(allowed: readonly string[] | undefined): OriginPolicy {
  if (!allowed || allowed.length === 0) return () => true;
  const set = new Set(allowed.map((o) => o.trim().toLowerCase().replace(/\/+$/, '')));
  return (origin) => origin === undefined || set.has(origin.trim().toLowerCase());
}
