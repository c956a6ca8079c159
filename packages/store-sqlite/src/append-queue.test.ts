import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { createAppendQueue, type Outcome } from './append-queue';

/** A writeBatch that records every batch it was given and answers each item with `answer`. */
function recordingWriter(answer: (item: string) => Outcome<string> = (item) => ({ ok: true, value: `stored ${item}` })) {
  const batches: string[][] = [];
  const writeBatch = (items: readonly string[]): Outcome<string>[] => {
    batches.push([...items]);
    return items.map(answer);
  };
  return { batches, writeBatch };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('append queue', () => {
  test('everything enqueued in one turn is one batch, in enqueue order, and each caller gets its own result', async () => {
    const w = recordingWriter();
    const q = createAppendQueue({ writeBatch: w.writeBatch, maxBatchSize: 100 });
    const results = Promise.all(['a', 'b', 'c'].map((x) => q.enqueue(x)));
    // Nothing is written synchronously: a later socket read of this turn may still join.
    expect(w.batches).toEqual([]);
    expect(q.pending).toBe(3);
    const late = Promise.resolve().then(() => q.enqueue('d'));
    expect(await results).toEqual(['stored a', 'stored b', 'stored c']);
    expect(await (await late)).toBe('stored d');
    expect(w.batches).toEqual([['a', 'b', 'c', 'd']]);
    expect(q.pending).toBe(0);
  });

  test('no caller learns its result before the whole batch was written', async () => {
    const settledDuringWrite: string[] = [];
    const settled: string[] = [];
    const q = createAppendQueue<string, string>({
      writeBatch: (items) => {
        settledDuringWrite.push(...settled);
        return items.map((value) => ({ ok: true, value }));
      },
      maxBatchSize: 10,
    });
    await Promise.all(['a', 'b'].map((x) => q.enqueue(x).then((v) => void settled.push(v))));
    expect(settledDuringWrite).toEqual([]);
    expect(settled).toEqual(['a', 'b']);
  });

  test('a burst beyond maxBatchSize goes out over several turns, letting other callbacks run between batches', async () => {
    const events: string[] = [];
    const q = createAppendQueue<number, number>({
      writeBatch: (items) => {
        events.push(`batch ${items.join(',')}`);
        return items.map((value) => ({ ok: true, value }));
      },
      maxBatchSize: 3,
    });
    const all = Promise.all(Array.from({ length: 7 }, (_, i) => q.enqueue(i)));
    setImmediate(() => events.push('other I/O'));
    expect(await all).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(events).toEqual(['batch 0,1,2', 'other I/O', 'batch 3,4,5', 'batch 6']);
  });

  test("a failed item rejects only its own caller; its batch-mates resolve", async () => {
    const bad = new Error('duplicate id');
    const w = recordingWriter((item) => (item === 'dup' ? { ok: false, error: bad } : { ok: true, value: item }));
    const q = createAppendQueue({ writeBatch: w.writeBatch, maxBatchSize: 10 });
    const settled = await Promise.allSettled(['a', 'dup', 'b'].map((x) => q.enqueue(x)));
    expect(settled).toEqual([
      { status: 'fulfilled', value: 'a' },
      { status: 'rejected', reason: bad },
      { status: 'fulfilled', value: 'b' },
    ]);
    expect(w.batches).toHaveLength(1);
  });

  test('when the write throws, every item of that batch rejects with its error, and the queue goes on', async () => {
    const diskFull = new Error('SQLITE_FULL: database or disk is full');
    let failNext = true;
    const batches: string[][] = [];
    const q = createAppendQueue<string, string>({
      writeBatch: (items) => {
        batches.push([...items]);
        if (failNext) {
          failNext = false;
          throw diskFull;
        }
        return items.map((value) => ({ ok: true, value }));
      },
      maxBatchSize: 2,
    });
    // Three items, batches of two: the first batch fails, the second is written.
    const settled = await Promise.allSettled(['a', 'b', 'c'].map((x) => q.enqueue(x)));
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : s.reason))).toEqual([diskFull, diskFull, 'c']);
    expect(batches).toEqual([['a', 'b'], ['c']]);
    await expect(q.enqueue('d')).resolves.toBe('d');
  });

  test('an item the write returned no outcome for is rejected, never left hanging', async () => {
    const q = createAppendQueue<string, string>({ writeBatch: (items) => items.slice(1).map((value) => ({ ok: true, value })), maxBatchSize: 10 });
    const settled = await Promise.allSettled(['a', 'b', 'c'].map((x) => q.enqueue(x)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((settled[2] as PromiseRejectedResult).reason).toBeInstanceOf(Error);
  });

  test('drain writes everything queued synchronously, in order and in batches, and cancels the scheduled turn', async () => {
    const w = recordingWriter();
    const q = createAppendQueue({ writeBatch: w.writeBatch, maxBatchSize: 2 });
    const results = Promise.all(['a', 'b', 'c', 'd', 'e'].map((x) => q.enqueue(x)));
    q.drain();
    expect(w.batches).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(q.pending).toBe(0);
    expect(await results).toEqual(['a', 'b', 'c', 'd', 'e'].map((x) => `stored ${x}`));
    await nextTurn();
    expect(w.batches).toHaveLength(3);
  });

  describe('over a real SQLite file', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'rgchat-append-queue-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    test('a batch whose transaction throws leaves nothing behind; the batch after it commits', async () => {
      const db = new Sqlite(join(dir, 'q.db'));
      try {
        db.exec('CREATE TABLE t (v TEXT PRIMARY KEY)');
        const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
        // As the store does: the whole batch in one transaction; a throw rolls it back.
        const writeAll = db.transaction((items: readonly string[]) =>
          items.map((v): Outcome<string> => {
            if (v === 'boom') throw new Error('I/O error mid-batch');
            insert.run(v);
            return { ok: true, value: v };
          }),
        );
        const q = createAppendQueue<string, string>({ writeBatch: (items) => writeAll(items), maxBatchSize: 3 });
        const settled = await Promise.allSettled(['a', 'b', 'boom', 'c'].map((x) => q.enqueue(x)));
        expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected', 'fulfilled']);
        expect(db.prepare('SELECT v FROM t ORDER BY v').pluck().all()).toEqual(['c']);
        expect(db.inTransaction).toBe(false);
      } finally {
        db.close();
      }
    });
  });
});
