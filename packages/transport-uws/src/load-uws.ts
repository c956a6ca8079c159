import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as Uws from 'uWebSockets.js';

export type UwsModule = typeof Uws;

/** The native addon is missing or does not load on this Node; the message says which and why. */
export class UwsLoadError extends Error {
  override name = 'UwsLoadError';
}

const runtime = (): string => `Node ${process.version}, ${process.platform}/${process.arch}, ABI ${process.versions.modules}`;

/** The binary the running Node needs: `binaries/uws_<platform>_<arch>_<ABI>.node` inside the package. */
export function nativeUwsPath(): string {
  let dir: string;
  try {
    // The package has no "exports" map, so its package.json resolves and locates the binaries.
    dir = dirname(require.resolve('uWebSockets.js/package.json'));
  } catch (e) {
    throw new UwsLoadError(`uWebSockets.js is not installed (it is an optional dependency): ${(e as Error).message}`);
  }
  return join(dir, 'binaries', `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`);
}

/**
 * Loads uWebSockets.js's native addon directly. The package's own entry
 * (`src/uws.js`) silently falls back to a JS shim on top of `ws` when the
 * binary does not load (other Node ABI, other libc) or when UWS_USE_FALLBACK
 * is set: a server that claims to run uWS would then run ws with different
 * limits and no native topics. This throws a UwsLoadError instead.
 * `binaryPath` exists for tests of the refusal; callers leave it out.
 */
export function loadUws(binaryPath: string = nativeUwsPath()): { uws: UwsModule; binaryPath: string } {
  if (!existsSync(binaryPath)) {
    throw new UwsLoadError(`uWebSockets.js has no native binary for ${runtime()} (looked for ${binaryPath}); refusing its JS fallback`);
  }
  let uws: UwsModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a native addon at a computed path
    uws = require(binaryPath) as UwsModule;
  } catch (e) {
    throw new UwsLoadError(`uWebSockets.js native binary failed to load on ${runtime()}: ${(e as Error).message.replace(/\.$/, '')}; refusing its JS fallback`);
  }
  // Only the native addon has these; the fallback exports App, _cfg, us_listen_socket_close and us_socket_local_port.
  const probe = uws as unknown as Record<string, unknown>;
  if (typeof uws.App !== 'function' || typeof probe['getParts'] !== 'function' || typeof probe['SSLApp'] !== 'function') {
    throw new UwsLoadError(`${binaryPath} did not yield the native uWebSockets.js API; refusing it`);
  }
  return { uws, binaryPath };
}

/** `ListenOptions.LIBUS_LISTEN_EXCLUSIVE_PORT` (a const enum in the typings, so not importable as a value). */
const LISTEN_EXCLUSIVE_PORT = 1;

type ListenWithOptions = (host: string, port: number, options: number, cb: (socket: Uws.us_listen_socket | false) => void) => unknown;

/**
 * `app.listen(host, port, cb)` but without SO_REUSEPORT: by default uWS binds
 * with it, so a second server on a taken port starts "fine" and the kernel
 * splits new connections between the two. The native listen takes
 * (host, port, options, cb); the typings only declare options without host.
 */
export function listenExclusive(app: Uws.TemplatedApp, host: string, port: number, cb: (socket: Uws.us_listen_socket | false) => void): void {
  (app.listen as unknown as ListenWithOptions).call(app, host, port, LISTEN_EXCLUSIVE_PORT, cb);
}
