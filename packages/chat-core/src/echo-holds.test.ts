import { createFakeConnection } from '@rgchat/testkit';
import { createEchoHolds } from './echo-holds';

describe('echo holds', () => {
  test('held while unconfirmed: skipped at publish, then confirm says the sender still needs it', () => {
    const holds = createEchoHolds();
    const alice = createFakeConnection();
    holds.hold('m1', alice);
    expect(holds.skip('m1')).toBe(alice);
    expect(holds.confirm('m1')).toBe(true);
    expect(holds.skip('m1')).toBeUndefined();
    holds.hold('m2', alice);
    expect(holds.confirm('m2')).toBe(false);
    expect(holds.skip('m2')).toBeUndefined();
  });

  test('expired: skipped once at publish, whether the publish came before or after the expiry', () => {
    const holds = createEchoHolds();
    const alice = createFakeConnection();
    holds.hold('m1', alice);
    holds.expire('m1');
    expect(holds.skip('m1')).toBe(alice);
    expect(holds.skip('m1')).toBeUndefined();
    holds.hold('m2', alice);
    expect(holds.skip('m2')).toBe(alice);
    holds.expire('m2');
    expect(holds.confirm('m2')).toBe(false);
  });

  test('released one by one, all of a sender at once, and capped per sender', () => {
    const holds = createEchoHolds();
    const alice = createFakeConnection();
    const bob = createFakeConnection();
    holds.hold('a1', alice);
    holds.hold('b1', bob);
    holds.release('a1');
    expect(holds.skip('a1')).toBeUndefined();
    holds.hold('a2', alice);
    holds.releaseAll(alice);
    expect(holds.skip('a2')).toBeUndefined();
    expect(holds.skip('b1')).toBe(bob);
    for (let i = 0; i < 1025; i++) holds.hold(`x${i}`, alice);
    expect(holds.skip('x0')).toBeUndefined();
    expect(holds.skip('x1')).toBe(alice);
  });
});
