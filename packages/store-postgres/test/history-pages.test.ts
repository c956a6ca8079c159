import { openPostgresStore } from '../src';
import { statementsFor } from '../src/statements';
import { describePostgres, dropSchema, freshSchema, RUN_ID, urlFor, withAdmin } from './pg-test-env';

// Issue #11: one page of history is one statement: a primary-key probe of
// the room and one range scan of messages_room_seq, never a sort of the room
// (the contract suite proves what the pages hold).
describePostgres('postgres history pages', () => {
  const schema = freshSchema();
  afterAll(() => dropSchema(schema));

  test('both page statements read messages through messages_room_seq', async () => {
    const store = await openPostgresStore({ url: urlFor(`${RUN_ID}_pages`), schema, poolSize: 1 });
    await store.close();
    const sql = statementsFor(schema);
    await withAdmin(async (c) => {
      // Tiny tables would make a seq scan the cheapest plan; ask whether the index CAN serve it.
      await c.query('SET enable_seqscan = off');
      await c.query('SET enable_bitmapscan = off');
      for (const text of [sql.pageBefore, sql.pageAfter]) {
        const plan = await c.query(`EXPLAIN ${text}`, ['r', 10, 51]);
        const lines = plan.rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
        expect(lines).toMatch(/Index Scan( Backward)? using messages_room_seq/);
        expect(lines).not.toMatch(/Sort/);
      }
    });
  });
});
