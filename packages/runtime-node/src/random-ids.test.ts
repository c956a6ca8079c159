import { createRandomIds } from './random-ids';

describe('createRandomIds', () => {
  test('ids are prefixed, unique, and sort by their millisecond stamp', () => {
    // A stepped clock, not a sleep: the stamp must follow the clock, not stay cached.
    let ms = 1_700_000_000_000;
    const ids = createRandomIds(() => ms);
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
      ms += 5;
    }
    expect(seen.size).toBe(9000);
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThanOrEqual(stamps[i - 1]!);
    expect(stamps[0]).toBe(1_700_000_000_000);
    expect(stamps[stamps.length - 1]).toBe(1_700_000_000_010);
  });

  test('the default clock is the wall clock', () => {
    const before = Date.now();
    const m = /^msg_([0-9a-z]+)[0-9a-f]{16}$/.exec(createRandomIds().messageId());
    const stamp = parseInt(m![1]!, 36);
    expect(stamp).toBeGreaterThanOrEqual(before);
    expect(stamp).toBeLessThanOrEqual(Date.now());
  });

  test('randomInt stays in range', () => {
    const ids = createRandomIds();
    for (let i = 0; i < 1000; i++) {
      const n = ids.randomInt(7);
      expect(Number.isInteger(n) && n >= 0 && n < 7).toBe(true);
    }
  });
});
