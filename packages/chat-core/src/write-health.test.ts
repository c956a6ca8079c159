import { createWriteHealth, WRITE_FAILURE_HOLD_MS } from './write-health';

describe('createWriteHealth', () => {
  const diskFull = Object.assign(new Error('disk is full'), { code: 'SQLITE_FULL' });

  test('healthy until a batch fails; then the failure itself is thrown', () => {
    const h = createWriteHealth();
    expect(() => h.assertWritable(0)).not.toThrow();
    h.failed(diskFull, 1000);
    expect(() => h.assertWritable(1000)).toThrow(diskFull);
    expect(() => h.assertWritable(1000 + WRITE_FAILURE_HOLD_MS - 1)).toThrow(diskFull);
  });

  test('a write that succeeds afterwards clears the failure at once', () => {
    const h = createWriteHealth();
    h.failed(diskFull, 1000);
    h.succeeded();
    expect(() => h.assertWritable(1001)).not.toThrow();
  });

  test('the failure is held for holdMs only, so an instance that gets no writes is probed afresh', () => {
    const h = createWriteHealth(500);
    h.failed(diskFull, 1000);
    expect(() => h.assertWritable(1499)).toThrow(diskFull);
    expect(() => h.assertWritable(1500)).not.toThrow();
    // Forgotten, not merely outlived.
    expect(() => h.assertWritable(1000)).not.toThrow();
  });

  test('the newest failure counts: a later one restarts the hold and is the one thrown', () => {
    const h = createWriteHealth(500);
    const lost = new Error('connection lost');
    h.failed(diskFull, 1000);
    h.failed(lost, 1400);
    expect(() => h.assertWritable(1600)).toThrow(lost);
    expect(() => h.assertWritable(1900)).not.toThrow();
  });
});
