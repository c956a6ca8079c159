import { createFakeClock } from '@rgchat/testkit';
import type { Outcome } from './batch-outcome';
import { ChatError, ErrorCode } from './error-codes';
import { silentLog } from './ports/log';
import { createStoreGuard, outcomeUnknown } from './store-guard';

const flush = () => new Promise((r) => setImmediate(r));

/** A store call the test settles by hand. */
function manual<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('store guard', () => {
  test('a read that times out is STORE_UNAVAILABLE: nothing to be unsure about', async () => {
    const clock = createFakeClock();
    const guard = createStoreGuard(clock, 1000, silentLog);
    const call = manual<number>();
    const p = guard('recentMessages', () => call.promise);
    clock.advance(1000);
    await expect(p).rejects.toMatchObject({ code: ErrorCode.STORE_UNAVAILABLE });
  });

  test('a write that times out is STORE_TIMEOUT, and its late outcome is handed over', async () => {
    const clock = createFakeClock();
    const guard = createStoreGuard(clock, 1000, silentLog);
    const late: Outcome<string>[] = [];
    const ok = manual<string>();
    const failing = manual<string>();
    const p1 = guard('appendMessage', () => ok.promise, (o) => void late.push(o));
    const p2 = guard('appendMessage', () => failing.promise, (o) => void late.push(o));
    clock.advance(1000);
    await expect(p1).rejects.toMatchObject({ code: ErrorCode.STORE_TIMEOUT });
    expect(outcomeUnknown(await p2.catch((e: unknown) => e))).toBe(true);
    ok.resolve('stored after all');
    failing.reject(new Error('rolled back'));
    await flush();
    expect(late).toEqual([
      { ok: true, value: 'stored after all' },
      { ok: false, error: new Error('rolled back') },
    ]);
  });

  test('one timer for all calls in flight: each call times out at its own deadline, settled ones never', async () => {
    const clock = createFakeClock();
    const guard = createStoreGuard(clock, 1000, silentLog);
    const outcomes: string[] = [];
    const track = (name: string, p: Promise<unknown>) => p.then(() => outcomes.push(`${name} ok`), () => outcomes.push(`${name} timed out`));
    const a = manual<number>();
    const b = manual<number>();
    const c = manual<number>();
    void track('a', guard('appendMessage', () => a.promise, () => undefined));
    clock.advance(300);
    void track('b', guard('appendMessage', () => b.promise, () => undefined));
    clock.advance(300);
    void track('c', guard('appendMessage', () => c.promise, () => undefined));
    expect(clock.pendingTimers).toBe(1);
    b.resolve(2);
    await flush();
    clock.advance(400); // a's deadline (t=1000)
    await flush();
    expect(outcomes).toEqual(['b ok', 'a timed out']);
    clock.advance(599); // c's deadline is t=1600
    await flush();
    expect(outcomes).toHaveLength(2);
    clock.advance(1);
    await flush();
    expect(outcomes).toEqual(['b ok', 'a timed out', 'c timed out']);
    expect(clock.pendingTimers).toBe(0);
  });

  test('a write that settles in time is not handed over as late', async () => {
    const clock = createFakeClock();
    const guard = createStoreGuard(clock, 1000, silentLog);
    const late = jest.fn();
    await expect(guard('appendMessage', () => Promise.resolve(1), late)).resolves.toBe(1);
    clock.advance(5000);
    expect(late).not.toHaveBeenCalled();
    expect(clock.pendingTimers).toBe(0);
  });

  test("a store's own failures: STORE_TIMEOUT passes through, anything else is STORE_UNAVAILABLE", async () => {
    const guard = createStoreGuard(createFakeClock(), 1000, silentLog);
    const unknown = new ChatError(ErrorCode.STORE_TIMEOUT, 'connection lost during COMMIT');
    await expect(guard('appendMessage', () => Promise.reject(unknown), () => undefined)).rejects.toBe(unknown);
    await expect(guard('appendMessage', () => Promise.reject(new Error('ECONNREFUSED')), () => undefined)).rejects.toMatchObject({
      code: ErrorCode.STORE_UNAVAILABLE,
    });
    const thrown = guard('createRoom', () => {
      throw new TypeError('driver bug');
    });
    await expect(thrown).rejects.toMatchObject({ code: ErrorCode.STORE_UNAVAILABLE });
  });

  test('expire: calls in flight give up now (writes as STORE_TIMEOUT), later calls never reach the store', async () => {
    const clock = createFakeClock();
    const guard = createStoreGuard(clock, 1000, silentLog);
    const late = jest.fn();
    const write = manual<string>();
    const w = guard('appendMessage', () => write.promise, late);
    const r = guard('listRooms', () => new Promise(() => {}));
    guard.expire();
    await expect(w).rejects.toMatchObject({ code: ErrorCode.STORE_TIMEOUT });
    await expect(r).rejects.toMatchObject({ code: ErrorCode.STORE_UNAVAILABLE });
    expect(clock.pendingTimers).toBe(0);
    const call = jest.fn(() => Promise.resolve(1));
    await expect(guard('appendMessage', call, late)).rejects.toMatchObject({ code: ErrorCode.STORE_UNAVAILABLE });
    expect(call).not.toHaveBeenCalled();
    write.resolve('late');
    await flush();
    expect(late).toHaveBeenCalledWith({ ok: true, value: 'late' });
    guard.expire();
  });
});
