import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import type { EdgeRequest, HttpReply, HttpRoute } from '@rgchat/chat-core';

/** Content types of the files the web client is made of. */
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * A Host header fit to be named in the CSP: a DNS name or IPv4 address, or
 * a bracketed IPv6 one, with an optional port. Anything else (a header
 * smuggling `;` or a space into the policy) is left out of it.
 */
const SAFE_HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:[0-9]{1,5})?$/i;

/** The request's one Host header; none when absent or repeated (which RFC 9112 §3.2 makes a 400 anyway). */
function hostOf(request: EdgeRequest): string | undefined {
  const hosts = request.header('host');
  return hosts.length === 1 ? hosts[0] : undefined;
}

/**
 * The page may load only its own scripts, styles and images, and talk only
 * to its own origin; no inline script or style, no plugins, no framing, no
 * <base> tricks. User text is inserted as text anyway (see public/app.js);
 * this is the second wall. `'self'` covers ws:/wss: to the same host only
 * in CSP 3 (older Safari refuses the socket), so connect-src also names the
 * page's own host, as the request's Host header gives it, for both schemes
 * (behind TLS the page connects with wss).
 */
export function contentSecurityPolicy(host: string | undefined): string {
  const sockets = host !== undefined && SAFE_HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${sockets}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const COMMON_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' } as const;
/** Asset URLs carry the bundle's content hash, so a URL's content never changes. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The web client held in memory: every file it serves, keyed by its path under `/static/<version>/`. */
export interface WebBundle {
  /** A hash of every file: part of every asset URL, so a new release never meets a stale cache. */
  readonly version: string;
  readonly index: string;
  readonly assets: ReadonlyMap<string, { readonly body: string; readonly type: string }>;
}

function textFiles(dir: string, keep: (name: string) => boolean): Array<[string, string]> {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && keep(e.name) && TYPES[extname(e.name)] !== undefined)
    .map((e) => [e.name, readFileSync(join(dir, e.name), 'utf8')] as [string, string])
    .sort(([a], [b]) => (a < b ? -1 : 1));
}

/**
 * Reads packages/web/public and the SDK's compiled ESM (served under
 * `sdk/`, where app.js imports it from) once, at start. Only these files
 * are ever served: a request names a key of this map or gets 404, so no
 * path from the network ever reaches the file system.
 */
export function loadWebBundle(): WebBundle {
  const webDir = join(dirname(require.resolve('@rgchat/web/package.json')), 'public');
  let sdkDir: string;
  try {
    sdkDir = dirname(require.resolve('@rgchat/client'));
  } catch {
    throw new Error('the web client needs the SDK built (packages/client/dist): run `tsc -b packages/app`, or set WEB_CLIENT=false');
  }
  const web = textFiles(webDir, () => true);
  const sdk = textFiles(sdkDir, (name) => name.endsWith('.js'));
  const index = web.find(([name]) => name === 'index.html')?.[1];
  if (index === undefined || !sdk.some(([name]) => name === 'index.js')) throw new Error(`the web client is incomplete (${webDir}, ${sdkDir})`);
  const assets = new Map<string, { body: string; type: string }>();
  for (const [name, body] of web) if (name !== 'index.html') assets.set(name, { body, type: TYPES[extname(name)]! });
  for (const [name, body] of sdk) assets.set(`sdk/${name}`, { body, type: TYPES['.js']! });
  const hash = createHash('sha256');
  for (const [name, { body }] of [...assets].sort(([a], [b]) => (a < b ? -1 : 1))) hash.update(`${name}\0${body}\0`);
  const version = hash.update(index).digest('hex').slice(0, 12);
  return { version, index: index.replaceAll('%STATIC%', `/static/${version}`), assets };
}

const notFound: HttpReply = { status: 404, contentType: 'application/json', body: '{"error":"not found"}' };

/** `GET /` (the page) and `GET /static/<version>/...` (its assets); `WEB_CLIENT=false` leaves it out. */
export function webRoute(bundle: WebBundle): HttpRoute {
  const prefix = `/static/${bundle.version}/`;
  return {
    matches: (path) => path === '/' || path === '/index.html' || path.startsWith('/static/'),
    answer(request, path) {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return { status: 405, contentType: 'application/json', body: '{"error":"method not allowed"}', headers: { allow: 'GET, HEAD' } };
      }
      if (path === '/' || path === '/index.html') {
        return {
          status: 200,
          contentType: TYPES['.html']!,
          body: bundle.index,
          // The page names the current asset version, so it is revalidated every time.
          headers: {
            ...COMMON_HEADERS,
            'content-security-policy': contentSecurityPolicy(hostOf(request)),
            'cache-control': 'no-cache',
            'x-frame-options': 'DENY',
          },
        };
      }
      // An old version's URL (a page from before a deploy) is gone: the reload gets the new page.
      const asset = path.startsWith(prefix) ? bundle.assets.get(path.slice(prefix.length)) : undefined;
      if (!asset) return notFound;
      return { status: 200, contentType: asset.type, body: asset.body, headers: { ...COMMON_HEADERS, 'cache-control': IMMUTABLE } };
    },
  };
}
