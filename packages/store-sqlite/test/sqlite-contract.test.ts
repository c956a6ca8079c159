import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStoreContract } from '@rgchat/testkit';
import { openSqliteStore } from '../src';

// A fresh directory per test; open() reopens the same file, so "reopen keeps
// everything" really goes through the disk.
describeStoreContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rgchat-sqlite-contract-'));
  const path = join(dir, 'chat.db');
  return {
    open: () => openSqliteStore({ path }),
    destroy: () => rm(dir, { recursive: true, force: true }),
  };
});
