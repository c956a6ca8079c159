import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as Uws from 'uWebSockets.js';

export type UwsModule = typeof Uws;

/** The native binary file the running Node needs: binaries/uws_<platform>_<arch>_<ABI>.node. */
export function nativeUwsPath(): string {
  // No "exports" map in the package, so its package.json resolves and locates the binaries.
  const dir = dirname(require.resolve('uWebSockets.js/package.json'));
  return join(dir, 'binaries', `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`);
}

/**
 * Loads uWebSockets.js's native addon directly. The package's own entry
 * (src/uws.js) silently falls back to a JS reimplementation on ws when the
 * binary does not load (or when UWS_USE_FALLBACK is set); a baseline on that
 * shim would measure ws, so this refuses instead.
 */
export function loadNativeUws(): { uws: UwsModule; binaryPath: string } {
  let binaryPath: string;
  try {
    binaryPath = nativeUwsPath();
  } catch (e) {
    throw new Error(`uWebSockets.js is not installed (optional dependency): ${(e as Error).message}`);
  }
  const runtime = `Node ${process.version}, ${process.platform}/${process.arch}, ABI ${process.versions.modules}`;
  if (!existsSync(binaryPath)) throw new Error(`uWebSockets.js has no native binary for ${runtime} (looked for ${binaryPath}); refusing its JS fallback`);
  let uws: UwsModule;
  try {
    uws = require(binaryPath) as UwsModule;
  } catch (e) {
    throw new Error(`uWebSockets.js native binary failed to load on ${runtime}: ${(e as Error).message}; refusing its JS fallback`);
  }
  // Only the native addon has these; the fallback exports App, _cfg and us_listen_socket_close only.
  const probe = uws as unknown as Record<string, unknown>;
  if (typeof uws.App !== 'function' || typeof probe['getParts'] !== 'function' || typeof probe['H3App'] !== 'function') {
    throw new Error(`${binaryPath} did not yield the native uWebSockets.js API`);
  }
  return { uws, binaryPath };
}
