import type { ChatStore } from '@rgchat/chat-core';
import { newMessage } from '@rgchat/testkit';
import { openPostgresStore } from '../src';
import { describePostgres, dropSchema, freshSchema, RUN_ID, urlFor, withAdmin } from './pg-test-env';
import { allowWrites, DISK_FULL, refuseWrites } from './refused-writes';

// Issue #10 item 7: /healthz answered 200 while every write failed, because
// check() only read. Here the database refuses writes while reads work (a
// trigger raising Postgres' own "disk full" on this test's schema only).
describePostgres('postgres health check when writes fail', () => {
  let schema: string;
  let store: ChatStore | undefined;
  const refuse = (tables: readonly string[]) => refuseWrites(schema, tables);
  const allow = (tables: readonly string[]) => allowWrites(schema, tables);

  beforeEach(async () => {
    schema = freshSchema();
    store = await openPostgresStore({ url: urlFor(`${RUN_ID}_health`), schema, poolSize: 2 });
    await store.createRoom({ id: 'r', name: 'R', createdAt: 1 });
    await store.appendMessage(newMessage('r', { text: 'before' }));
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await dropSchema(schema);
  });

  test('check rejects while the database refuses every write, before any append tried, and resolves once writes work and one succeeded', async () => {
    const s = store!;
    await expect(s.check()).resolves.toBeUndefined();
    const tables = ['rooms', 'messages', 'health'];
    await refuse(tables);
    // The probe's own committed update fails: no append needed to notice.
    await expect(s.check()).rejects.toMatchObject({ code: DISK_FULL });
    await expect(s.appendMessage(newMessage('r', { text: 'refused' }))).rejects.toMatchObject({ code: DISK_FULL });
    // Reads still work, which is all the old check proved.
    expect((await s.recentMessages('r', 10)).map((m) => m.text)).toEqual(['before']);

    await allow(tables);
    // The probe passes again, but the failed append is still reported until an append succeeds.
    await expect(s.check()).rejects.toMatchObject({ code: DISK_FULL });
    await expect(s.appendMessage(newMessage('r', { text: 'after' }))).resolves.toMatchObject({ message: { seq: 2 } });
    await expect(s.check()).resolves.toBeUndefined();
  });

  test("a failed append group is reported even while the probe's own row can still be written", async () => {
    const s = store!;
    await refuse(['messages']);
    const burst = await Promise.allSettled([1, 2, 3].map((i) => s.appendMessage(newMessage('r', { text: `m${i}` }))));
    expect(burst.map((b) => b.status)).toEqual(['rejected', 'rejected', 'rejected']);
    await expect(s.check()).rejects.toMatchObject({ code: DISK_FULL });
    await allow(['messages']);
    await s.appendMessage(newMessage('r'));
    await expect(s.check()).resolves.toBeUndefined();
  });

  test("one message's own error (a duplicate id) says nothing about the store: check still resolves", async () => {
    const s = store!;
    const [first] = await s.recentMessages('r', 1);
    await expect(s.appendMessage(newMessage('r', { id: first!.id }))).rejects.toMatchObject({ code: '23505' });
    await expect(s.check()).resolves.toBeUndefined();
  });

  test('check commits its update: the health row carries the time of the last check', async () => {
    const before = Date.now();
    await store!.check();
    const row = await withAdmin((c) => c.query(`SELECT checked_at FROM "${schema}".health`));
    expect(row.rows).toHaveLength(1);
    expect(Number((row.rows[0] as { checked_at: string }).checked_at)).toBeGreaterThanOrEqual(before);
  });
});
