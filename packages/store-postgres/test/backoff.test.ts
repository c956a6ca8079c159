import { createBackoff } from '../src/backoff';

describe('reconnect backoff', () => {
  test('doubles from the initial delay up to the cap, with jitter in the upper half, and resets', () => {
    const low = createBackoff({ initialMs: 100, maxMs: 5000, random: () => 0 });
    expect(Array.from({ length: 9 }, () => low.next())).toEqual([50, 100, 200, 400, 800, 1600, 2500, 2500, 2500]);
    const high = createBackoff({ initialMs: 100, maxMs: 5000, random: () => 0.999999 });
    expect(Array.from({ length: 8 }, () => high.next())).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    high.reset();
    expect(high.next()).toBe(100);
  });
});
