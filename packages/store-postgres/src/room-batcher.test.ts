import { createRoomBatcher, type Outcome } from './room-batcher';

interface Item {
  readonly room: string;
  readonly n: number;
}

/** A deferred write: the test decides when (and how) each writeGroup call settles. */
interface Call {
  readonly key: string;
  readonly items: readonly Item[];
  readonly resolve: (outcomes: Outcome<string>[]) => void;
  readonly reject: (error: unknown) => void;
}

function controlledWriter() {
  const calls: Call[] = [];
  const writeGroup = (key: string, items: readonly Item[]) =>
    new Promise<Outcome<string>[]>((resolve, reject) => void calls.push({ key, items, resolve, reject }));
  const okAll = (call: Call) => call.resolve(call.items.map((i) => ({ ok: true, value: `${i.room}#${i.n}` })));
  return { calls, writeGroup, okAll };
}

const item = (room: string, n: number): Item => ({ room, n });
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Lets the batcher's setImmediate and the promise chains after it run. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await turn();
};

describe('room batcher', () => {
  test('a room\'s items of one turn go out as one group, in enqueue order; each caller gets its own outcome', async () => {
    const w = controlledWriter();
    const b = createRoomBatcher<Item, string>({ keyOf: (i) => i.room, writeGroup: w.writeGroup, maxGroupSize: 100, maxWaitMs: 60_000 });
    const results = Promise.all([1, 2, 3].map((n) => b.enqueue(item('r', n))));
    expect(w.calls).toHaveLength(0);
    await settle();
    expect(w.calls.map((c) => [c.key, c.items.map((i) => i.n)])).toEqual([['r', [1, 2, 3]]]);
    w.okAll(w.calls[0]!);
    expect(await results).toEqual(['r#1', 'r#2', 'r#3']);
  });

  test('one write in flight per room: what arrives meanwhile is the next group, still in order', async () => {
    const w = controlledWriter();
    const b = createRoomBatcher<Item, string>({ keyOf: (i) => i.room, writeGroup: w.writeGroup, maxGroupSize: 100, maxWaitMs: 60_000 });
    const first = b.enqueue(item('r', 1));
    await settle();
    const later = [2, 3, 4].map((n) => b.enqueue(item('r', n)));
    await settle();
    // Still only the first write: the room's lane waits for it.
    expect(w.calls).toHaveLength(1);
    w.okAll(w.calls[0]!);
    await settle();
    expect(w.calls.map((c) => c.items.map((i) => i.n))).toEqual([[1], [2, 3, 4]]);
    w.okAll(w.calls[1]!);
    expect(await Promise.all([first, ...later])).toEqual(['r#1', 'r#2', 'r#3', 'r#4']);
  });

  test('rooms write in parallel: one room\'s slow write does not hold another room\'s', async () => {
    const w = controlledWriter();
    const b = createRoomBatcher<Item, string>({ keyOf: (i) => i.room, writeGroup: w.writeGroup, maxGroupSize: 100, maxWaitMs: 60_000 });
    const slow = b.enqueue(item('slow', 1));
    const fast = b.enqueue(item('fast', 1));
    await settle();
    expect(w.calls.map((c) => c.key).sort()).toEqual(['fast', 'slow']);
    w.okAll(w.calls.find((c) => c.key === 'fast')!);
    await expect(fast).resolves.toBe('fast#1');
    w.okAll(w.calls.find((c) => c.key === 'slow')!);
    await expect(slow).resolves.toBe('slow#1');
  });

  test('a group never exceeds maxGroupSize', async () => {
    const w = controlledWriter();
    const b = createRoomBatcher<Item, string>({ keyOf: (i) => i.room, writeGroup: w.writeGroup, maxGroupSize: 2, maxWaitMs: 60_000 });
    const all = Promise.all([1, 2, 3, 4, 5].map((n) => b.enqueue(item('r', n))));
    for (let done = 0; done < 3; done++) {
      await settle();
      w.okAll(w.calls[done]!);
    }
    expect(await all).toHaveLength(5);
    expect(w.calls.map((c) => c.items.map((i) => i.n))).toEqual([[1, 2], [3, 4], [5]]);
  });

  test('a failed item rejects only its own caller', async () => {
    const w = controlledWriter();
    const b = createRoomBatcher<Item, string>({ keyOf: (i) => i.room, writeGroup: w.writeGroup, maxGroupSize: 100, maxWaitMs: 60_000 });
    const dup = new Error('duplicate id');
    const settled = Promise.allSettled([1, 2, 3].map((n) => b.enqueue(item('r', n))));
    await settle();
    w.calls[0]!.resolve([{ ok: true, value: 'one' }, { ok: false, error: dup }, { ok: true, value: 'three' }]);
    expect(await settled).toEqual([
      { status: 'fulfilled', value: 'one' },
      { status: 'rejected', reason: dup },
      { status: 'fulfilled', value: 'three' },
    ]);
  });

  test('when the write rejects, its whole group fails with that error and the room\'s next group is still written', async () => {
    const w = controlledWriter();
    const b = createRoomBatcher<Item, string>({ keyOf: (i) => i.room, writeGroup: w.writeGroup, maxGroupSize: 100, maxWaitMs: 60_000 });
    const lost = new Error('Connection terminated unexpectedly');
    const firstGroup = Promise.allSettled([1, 2].map((n) => b.enqueue(item('r', n))));
    await settle();
    const next = b.enqueue(item('r', 3));
    w.calls[0]!.reject(lost);
    expect(await firstGroup).toEqual([
      { status: 'rejected', reason: lost },
      { status: 'rejected', reason: lost },
    ]);
    await settle();
    expect(w.calls[1]!.items).toEqual([item('r', 3)]);
    w.okAll(w.calls[1]!);
    await expect(next).resolves.toBe('r#3');
  });

  test('an item that waited longer than maxWaitMs behind a stuck write fails without being written', async () => {
    const w = controlledWriter();
    const b = createRoomBatcher<Item, string>({ keyOf: (i) => i.room, writeGroup: w.writeGroup, maxGroupSize: 100, maxWaitMs: 20 });
    const first = b.enqueue(item('r', 1));
    await settle();
    const stale = b.enqueue(item('r', 2));
    // Real time passes while the room's first write hangs.
    await new Promise((r) => setTimeout(r, 60));
    w.okAll(w.calls[0]!);
    await expect(first).resolves.toBe('r#1');
    await expect(stale).rejects.toThrow(/was not written/);
    await settle();
    expect(w.calls).toHaveLength(1);
    // The lane is free again: a fresh item is written.
    const fresh = b.enqueue(item('r', 3));
    await settle();
    w.okAll(w.calls[1]!);
    await expect(fresh).resolves.toBe('r#3');
  });

  test('idle resolves only once nothing is queued or in flight', async () => {
    const w = controlledWriter();
    const b = createRoomBatcher<Item, string>({ keyOf: (i) => i.room, writeGroup: w.writeGroup, maxGroupSize: 100, maxWaitMs: 60_000 });
    await b.idle();
    const pending = b.enqueue(item('r', 1));
    let idle = false;
    void b.idle().then(() => (idle = true));
    await settle();
    expect(idle).toBe(false);
    w.okAll(w.calls[0]!);
    await pending;
    await settle();
    expect(idle).toBe(true);
  });
});
