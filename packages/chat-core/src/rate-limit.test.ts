import { createTokenBucket } from './rate-limit';

describe('createTokenBucket', () => {
  test('a charge puts the bucket into debt, bounded by -burst; it refills at the rate', () => {
    const b = createTokenBucket(2, 4, 0);
    b.charge(100, 0);
    // -4 now: 2.5 s to reach 1 token.
    expect(b.take(2000)).toBe(false);
    expect(b.take(2500)).toBe(true);
    expect(b.full(2500)).toBe(false);
    expect(b.full(4500)).toBe(true);
  });
});
