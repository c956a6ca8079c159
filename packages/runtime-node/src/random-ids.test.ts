import { createRandomIds } from './random-ids';

describe('createRandomIds', () => {
  test('ids are prefixed, unique, and sort by their millisecond stamp', async () => {
    const ids = createRandomIds();
    const seen = new Set<string>();
    const stamps: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 3000; i++) {
        const id = i % 2 === 0 ? ids.messageId() : ids.connectionId();
        const m = /^(msg|conn)_([0-9a-z]+)([0-9a-f]{16})$/.exec(id);
        expect(m).not.toBeNull();
        seen.add(id);
        stamps.push(parseInt(m![2]!, 36));
      }
      // A new millisecond must give a new stamp, not the cached one.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(seen.size).toBe(9000);
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThanOrEqual(stamps[i - 1]!);
    expect(stamps[stamps.length - 1]! - stamps[0]!).toBeGreaterThanOrEqual(10);
    expect(Math.abs(stamps[stamps.length - 1]! - Date.now())).toBeLessThan(1000);
  });

  test('randomInt stays in range', () => {
    const ids = createRandomIds();
    for (let i = 0; i < 1000; i++) {
      const n = ids.randomInt(7);
      expect(Number.isInteger(n) && n >= 0 && n < 7).toBe(true);
    }
  });
});
