import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatStore } from '@rgchat/chat-core';
import { newMessage } from '@rgchat/testkit';
import { openSqliteStore } from '../src';

// Issue #10: /healthz answered 200 while every write failed with "disk is
// full", because check() only read. A small tmpfs is a file system that
// really fills up; mounting one needs root (the CI container runs as root).
const isRoot = process.getuid?.() === 0;
const describeRoot = isRoot || process.env.CI === 'true' ? describe : describe.skip;

/** Fills the file system at `dir` with a filler file until ENOSPC. */
function fill(dir: string): string {
  const filler = join(dir, 'filler');
  const chunk = Buffer.alloc(64 * 1024, 1);
  let size = 0;
  for (;;) {
    try {
      writeFileSync(filler, chunk, { flag: size === 0 ? 'w' : 'a' });
      size += chunk.length;
    } catch {
      break;
    }
  }
  // The last few bytes too, so not even a partial chunk fits.
  for (const n of [4096, 512, 1]) {
    try {
      for (;;) writeFileSync(filler, Buffer.alloc(n, 1), { flag: 'a' });
    } catch {
      // full at this granularity
    }
  }
  return filler;
}

describeRoot('sqlite health check on a file system that fills up', () => {
  let mnt: string;
  let store: ChatStore | undefined;
  beforeEach(() => {
    mnt = mkdtempSync(join(tmpdir(), 'rgchat-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
  });
  afterEach(async () => {
    await store?.close().catch(() => undefined);
    store = undefined;
    execFileSync('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });

  test('check rejects while writes fail with a full disk, and resolves again once there is room', async () => {
    // Checkpoints inline: the WAL is only reused after one, so every commit here needs new bytes.
    store = await openSqliteStore({ path: join(mnt, 'chat.db'), checkpointIntervalMs: 0 });
    await store.createRoom({ id: 'r', name: 'R', createdAt: 1 });
    await store.appendMessage(newMessage('r'));
    await expect(store.check()).resolves.toBeUndefined();

    const filler = fill(mnt);
    // Appends fail once the file system has no byte left for the WAL.
    let appendError: unknown;
    for (let i = 0; i < 50 && appendError === undefined; i++) {
      await store.appendMessage(newMessage('r', { text: 'x'.repeat(400) })).catch((e: unknown) => (appendError = e));
    }
    expect(appendError).toMatchObject({ code: 'SQLITE_FULL' });
    // Reads still work, which is all the old check proved.
    expect(await store.recentMessages('r', 1)).toHaveLength(1);
    await expect(store.check()).rejects.toMatchObject({ code: 'SQLITE_FULL' });

    // Again: the probe itself may still find the WAL's last allocated bytes;
    // the failed append is what keeps the answer honest.
    await expect(store.check()).rejects.toMatchObject({ code: 'SQLITE_FULL' });

    unlinkSync(filler);
    await expect(store.appendMessage(newMessage('r'))).resolves.toMatchObject({ message: { roomId: 'r' } });
    await expect(store.check()).resolves.toBeUndefined();
  });
});
