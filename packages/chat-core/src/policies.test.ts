import { createHeartbeat } from './heartbeat';
import { createOriginPolicy } from './origin-policy';
import { createTokenBucket } from './rate-limit';

describe('token bucket', () => {
  test('allows the burst at once, then the rate', () => {
    const b = createTokenBucket(10, 3, 0);
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).toEqual([true, true, true, false]);
    expect(b.take(50)).toBe(false);
    expect(b.take(100)).toBe(true);
    expect(b.take(100)).toBe(false);
  });
  test('refill never exceeds the burst, and time going backwards refills nothing', () => {
    const b = createTokenBucket(1000, 2, 0);
    expect(b.take(1_000_000) && b.take(1_000_000)).toBe(true);
    expect(b.take(1_000_000)).toBe(false);
    expect(b.take(999_000)).toBe(false);
  });
});

describe('heartbeat', () => {
  test('ping while answered, dead after a missed pong', () => {
    const h = createHeartbeat();
    expect(h.beat()).toBe('ping');
    h.alive();
    expect(h.beat()).toBe('ping');
    expect(h.beat()).toBe('dead');
  });
});

describe('origin policy', () => {
  test('no list allows everything', () => {
    expect(createOriginPolicy(undefined)('https://x')).toBe(true);
    expect(createOriginPolicy([])('https://x')).toBe(true);
  });
  test('exact matches only, case-insensitive, trailing slash in config ignored', () => {
    const p = createOriginPolicy(['https://chat.example.org/', ' http://localhost:3000 ']);
    expect(p('https://chat.example.org')).toBe(true);
    expect(p('http://localhost:3000')).toBe(true);
    expect(p('http://localhost:3001')).toBe(false);
    expect(p('https://chat.example.org.evil.com')).toBe(false);
    expect(p('https://sub.chat.example.org')).toBe(false);
    expect(p('')).toBe(false);
  });
  test('non-browser clients without Origin are let through', () => {
    expect(createOriginPolicy(['https://a'])(undefined)).toBe(true);
  });
});
