import { createTickBatch } from './tick-batch';

test('deferred work runs once, after the current tick, and one failure does not stop the rest', async () => {
  const errors: unknown[] = [];
  const defer = createTickBatch((err) => errors.push(err));
  const ran: string[] = [];
  const item = (name: string) => ({ flush: () => void ran.push(name) });
  defer(item('a'));
  defer({
    flush() {
      throw new Error('boom');
    },
  });
  defer(item('b'));
  expect(ran).toEqual([]);
  await new Promise((r) => process.nextTick(r));
  expect(ran).toEqual(['a', 'b']);
  expect(errors).toHaveLength(1);
  defer(item('c'));
  await new Promise((r) => setImmediate(r));
  expect(ran).toEqual(['a', 'b', 'c']);
});
