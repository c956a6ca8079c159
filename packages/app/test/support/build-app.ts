import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/** The repository root (this file is packages/app/test/support/build-app.ts). */
export const REPO_ROOT = resolve(__dirname, '../../../..');
/** What `pnpm start` runs. */
export const MAIN_JS = join(REPO_ROOT, 'packages/app/dist/main.js');

const LOCK_STALE_MS = 180_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Several jest workers may want the build at once; two `tsc -b` writing the
 * same outputs could leave a torn file, so they take turns (mkdir is atomic).
 */
async function withBuildLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = join(tmpdir(), `rgchat-app-build-${createHash('sha1').update(REPO_ROOT).digest('hex').slice(0, 12)}.lock`);
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        // A worker killed mid-build leaves its lock behind.
        if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) rmdirSync(lock);
      } catch {
        // Gone meanwhile: try again.
      }
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmdirSync(lock);
  }
}

/** Builds packages/app and everything it references (a no-op when up to date), so tests run the real `dist/main.js`. */
export const buildApp = (): Promise<void> => buildProjects('packages/app');

/** Builds these projects (paths from the repo root) with `tsc -b`, one worker at a time. */
export function buildProjects(...projects: string[]): Promise<void> {
  return withBuildLock(async () => {
    const tsc = require.resolve('typescript/bin/tsc', { paths: [REPO_ROOT] });
    try {
      await promisify(execFile)(process.execPath, [tsc, '-b', ...projects], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
    } catch (e) {
      const out = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`building ${projects.join(', ')} failed:\n${out.stdout ?? ''}${out.stderr ?? ''}${out.message}`);
    }
  });
}
