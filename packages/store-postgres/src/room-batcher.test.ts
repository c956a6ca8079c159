import { createRoomBatcher, type Outcome, type RoomGroup } from './room-batcher';

interface Item {
  readonly room: string;
  readonly n: number;
}

/** A deferred write: the test decides when (and how) each writeGroups call settles. */
interface Call {
  readonly groups: readonly RoomGroup<Item>[];
  readonly resolve: (outcomes: Outcome<string>[][]) => void;
  readonly reject: (error: unknown) => void;
}

function controlledWriter() {
  const calls: Call[] = [];
  const writeGroups = (groups: readonly RoomGroup<Item>[]) =>
    new Promise<Outcome<string>[][]>((resolve, reject) => void calls.push({ groups, resolve, reject }));
  const okAll = (call: Call) => call.resolve(call.groups.map((g) => g.items.map((i) => ({ ok: true, value: `${i.room}#${i.n}` }))));
  /** Each call as [room, item numbers] per group. */
  const shapes = () => calls.map((c) => c.groups.map((g) => [g.key, g.items.map((i) => i.n)]));
  return { calls, writeGroups, okAll, shapes };
}

const batcher = (w: ReturnType<typeof controlledWriter>, limits: { maxGroupSize?: number; maxWriteSize?: number; maxWaitMs?: number } = {}) =>
  createRoomBatcher<Item, string>({
    keyOf: (i) => i.room,
    writeGroups: w.writeGroups,
    maxGroupSize: limits.maxGroupSize ?? 100,
    maxWriteSize: limits.maxWriteSize ?? 1000,
    maxWaitMs: limits.maxWaitMs ?? 60_000,
  });

const item = (room: string, n: number): Item => ({ room, n });
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Lets the batcher's setImmediate and the promise chains after it run. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await turn();
};

describe('room batcher', () => {
  test("a room's items of one turn go out as one group, in enqueue order; each caller gets its own outcome", async () => {
    const w = controlledWriter();
    const b = batcher(w);
    const results = Promise.all([1, 2, 3].map((n) => b.enqueue(item('r', n))));
    expect(w.calls).toHaveLength(0);
    await settle();
    expect(w.shapes()).toEqual([[['r', [1, 2, 3]]]]);
    w.okAll(w.calls[0]!);
    expect(await results).toEqual(['r#1', 'r#2', 'r#3']);
  });

  test('rooms ready in the same turn share one write, a group per room', async () => {
    const w = controlledWriter();
    const b = batcher(w);
    const results = Promise.all([item('a', 1), item('b', 1), item('a', 2), item('c', 1)].map((i) => b.enqueue(i)));
    await settle();
    expect(w.shapes()).toEqual([
      [
        ['a', [1, 2]],
        ['b', [1]],
        ['c', [1]],
      ],
    ]);
    w.okAll(w.calls[0]!);
    expect(await results).toEqual(['a#1', 'b#1', 'a#2', 'c#1']);
  });

  test('one write in flight per room: what arrives meanwhile is the next group, still in order', async () => {
    const w = controlledWriter();
    const b = batcher(w);
    const first = b.enqueue(item('r', 1));
    await settle();
    const later = [2, 3, 4].map((n) => b.enqueue(item('r', n)));
    await settle();
    // Still only the first write: the room's lane waits for it.
    expect(w.calls).toHaveLength(1);
    w.okAll(w.calls[0]!);
    await settle();
    expect(w.shapes()).toEqual([[['r', [1]]], [['r', [2, 3, 4]]]]);
    w.okAll(w.calls[1]!);
    expect(await Promise.all([first, ...later])).toEqual(['r#1', 'r#2', 'r#3', 'r#4']);
  });

  test("a room's slow write does not hold another room's next write", async () => {
    const w = controlledWriter();
    const b = batcher(w);
    const slow = b.enqueue(item('slow', 1));
    await settle();
    const fast = b.enqueue(item('fast', 1));
    const slowNext = b.enqueue(item('slow', 2));
    await settle();
    // The fast room goes out while the slow room's first write hangs; the slow room's next item waits for it.
    expect(w.shapes()).toEqual([[['slow', [1]]], [['fast', [1]]]]);
    w.okAll(w.calls[1]!);
    await expect(fast).resolves.toBe('fast#1');
    w.okAll(w.calls[0]!);
    await expect(slow).resolves.toBe('slow#1');
    await settle();
    expect(w.shapes()[2]).toEqual([['slow', [2]]]);
    w.okAll(w.calls[2]!);
    await expect(slowNext).resolves.toBe('slow#2');
  });

  test('a group never exceeds maxGroupSize', async () => {
    const w = controlledWriter();
    const b = batcher(w, { maxGroupSize: 2 });
    const all = Promise.all([1, 2, 3, 4, 5].map((n) => b.enqueue(item('r', n))));
    for (let done = 0; done < 3; done++) {
      await settle();
      w.okAll(w.calls[done]!);
    }
    expect(await all).toHaveLength(5);
    expect(w.shapes()).toEqual([[['r', [1, 2]]], [['r', [3, 4]]], [['r', [5]]]]);
  });

  test('a write never exceeds maxWriteSize; the rooms over it go in the next write, without waiting for the first', async () => {
    const w = controlledWriter();
    const b = batcher(w, { maxWriteSize: 3 });
    const all = Promise.all([item('a', 1), item('a', 2), item('b', 1), item('b', 2), item('c', 1)].map((i) => b.enqueue(i)));
    await settle();
    expect(w.shapes()).toEqual([
      [
        ['a', [1, 2]],
        ['b', [1]],
      ],
      [['c', [1]]],
    ]);
    w.okAll(w.calls[0]!);
    await settle();
    // b's second item was left behind by the cap and follows b's first write.
    expect(w.shapes()[2]).toEqual([['b', [2]]]);
    w.okAll(w.calls[1]!);
    w.okAll(w.calls[2]!);
    expect(await all).toEqual(['a#1', 'a#2', 'b#1', 'b#2', 'c#1']);
  });

  test('a failed item rejects only its own caller', async () => {
    const w = controlledWriter();
    const b = batcher(w);
    const dup = new Error('duplicate id');
    const settled = Promise.allSettled([1, 2, 3].map((n) => b.enqueue(item('r', n))));
    await settle();
    w.calls[0]!.resolve([[{ ok: true, value: 'one' }, { ok: false, error: dup }, { ok: true, value: 'three' }]]);
    expect(await settled).toEqual([
      { status: 'fulfilled', value: 'one' },
      { status: 'rejected', reason: dup },
      { status: 'fulfilled', value: 'three' },
    ]);
  });

  test("when the write rejects, every group in it fails with that error and each room's next group is still written", async () => {
    const w = controlledWriter();
    const b = batcher(w);
    const lost = new Error('Connection terminated unexpectedly');
    const firstWrite = Promise.allSettled([item('r', 1), item('r', 2), item('q', 1)].map((i) => b.enqueue(i)));
    await settle();
    const next = b.enqueue(item('r', 3));
    w.calls[0]!.reject(lost);
    expect(await firstWrite).toEqual([
      { status: 'rejected', reason: lost },
      { status: 'rejected', reason: lost },
      { status: 'rejected', reason: lost },
    ]);
    await settle();
    expect(w.shapes()[1]).toEqual([['r', [3]]]);
    w.okAll(w.calls[1]!);
    await expect(next).resolves.toBe('r#3');
  });

  test('a write that returns no outcomes for a group fails that group, not the others', async () => {
    const w = controlledWriter();
    const b = batcher(w);
    const settled = Promise.allSettled([item('a', 1), item('b', 1)].map((i) => b.enqueue(i)));
    await settle();
    w.calls[0]!.resolve([[{ ok: true, value: 'a' }]]);
    const [a, bOutcome] = await settled;
    expect(a).toEqual({ status: 'fulfilled', value: 'a' });
    expect(bOutcome).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: expect.stringMatching(/no outcome/) }) });
  });

  test('an item that waited longer than maxWaitMs behind a stuck write fails without being written', async () => {
    const w = controlledWriter();
    const b = batcher(w, { maxWaitMs: 20 });
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
    const b = batcher(w);
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
