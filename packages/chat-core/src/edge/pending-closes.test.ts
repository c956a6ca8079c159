import { createFakeClock } from '@rgchat/testkit';
import { createPendingCloses } from './pending-closes';

/** Lets promise callbacks run (the fake clock only fires timers). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup() {
  const clock = createFakeClock();
  const closes = createPendingCloses(clock.schedule);
  const terminated: string[] = [];
  let settled = 0;
  const settle = (withinMs: number) => closes.settled(withinMs).then(() => void settled++);
  return { clock, closes, terminated, settle, settledCount: () => settled };
}

describe('createPendingCloses', () => {
  test('with nothing pending, settled resolves on the next timer turn', async () => {
    const { clock, settle, settledCount } = setup();
    const done = settle(1000);
    await flush();
    expect(settledCount()).toBe(0);
    clock.advance(0);
    await done;
    expect(settledCount()).toBe(1);
  });

  test('settled waits for every pending close, then resolves on a later timer turn, never inside the last close', async () => {
    const { clock, closes, terminated, settle, settledCount } = setup();
    const a = {};
    const b = {};
    closes.add(a, () => void terminated.push('a'));
    closes.add(b, () => void terminated.push('b'));
    const done = settle(1000);
    closes.done(a);
    clock.advance(10);
    await flush();
    expect(settledCount()).toBe(0);
    closes.done(b);
    await flush();
    expect(settledCount()).toBe(0);
    clock.advance(0);
    await done;
    expect(settledCount()).toBe(1);
    expect(terminated).toEqual([]);
    // The deadline timer was cancelled: nothing is terminated later.
    clock.advance(5000);
    expect(terminated).toEqual([]);
  });

  test('at the deadline every socket still closing is terminated and settled resolves', async () => {
    const { clock, closes, terminated, settle, settledCount } = setup();
    const stuck = {};
    closes.add(stuck, () => void terminated.push('stuck'));
    const done = settle(300);
    clock.advance(299);
    await flush();
    expect(settledCount()).toBe(0);
    clock.advance(1);
    await done;
    expect(terminated).toEqual(['stuck']);
    // Its close is reported after the termination; a later settle finds nothing pending.
    closes.done(stuck);
    expect(closes.size).toBe(0);
  });

  test('a close never added is ignored, and every waiting settle resolves', async () => {
    const { clock, closes, settle, settledCount } = setup();
    const socket = {};
    closes.add(socket, () => {});
    closes.done({});
    const both = Promise.all([settle(1000), settle(2000)]);
    closes.done(socket);
    clock.advance(0);
    await both;
    expect(settledCount()).toBe(2);
  });
});
