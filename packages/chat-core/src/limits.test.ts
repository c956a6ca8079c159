import { createLimits, defaultLimits } from './limits';

describe('maxPendingRequests', () => {
  test('unset, it is max(64, rateLimitBurst): a whole burst fits before reading pauses', () => {
    expect(createLimits().maxPendingRequests).toBe(64);
    expect(defaultLimits.maxPendingRequests).toBe(64);
    expect(createLimits({ rateLimitBurst: 10 }).maxPendingRequests).toBe(64);
    expect(createLimits({ rateLimitBurst: 100_000 }).maxPendingRequests).toBe(100_000);
  });

  test('set, it is kept whatever the burst', () => {
    expect(createLimits({ rateLimitBurst: 100_000, maxPendingRequests: 32 }).maxPendingRequests).toBe(32);
    expect(() => createLimits({ maxPendingRequests: 0 })).toThrow(/maxPendingRequests/);
  });

  test('a bad burst is reported as the burst', () => {
    expect(() => createLimits({ rateLimitBurst: 0 })).toThrow(/rateLimitBurst/);
  });
});
