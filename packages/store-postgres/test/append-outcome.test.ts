import { ErrorCode, isChatError, type ChatStore } from '@rgchat/chat-core';
import { newMessage } from '@rgchat/testkit';
import { openPostgresStore } from '../src';
import { countBackends, describePostgres, dropSchema, freshSchema, openAdmin, RUN_ID, urlFor, waitUntil } from './pg-test-env';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

// Issue #10 item 5: an append that fails says "not stored" only when that is
// certain; a statement cut off on its way says the outcome is unknown
// (ChatError STORE_TIMEOUT), and may indeed have committed.

const APP = `${RUN_ID}_outcome`;
const TIMEOUTS = { connectTimeoutMs: 1000, statementTimeoutMs: 1000 } as const;

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);
const unknownOutcome = (e: unknown) => isChatError(e) && e.code === ErrorCode.STORE_TIMEOUT;

describePostgres('postgres append outcomes', () => {
  let schema: string;
  let proxy: TcpProxy;
  let store: ChatStore;
  /** A store beside the proxied one, on a direct connection: what is really in the database. */
  let direct: ChatStore;

  beforeEach(async () => {
    schema = freshSchema();
    proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
    direct = await openPostgresStore({ url: urlFor(`${APP}_direct`), schema });
    store = await openPostgresStore({ url: urlFor(APP, `postgres://postgres@127.0.0.1:${proxy.port}/test`), schema, poolSize: 1, ...TIMEOUTS });
    await direct.createRoom({ id: 'r', name: 'R', createdAt: 1 });
    // Leaves one idle pooled connection through the proxy.
    await store.appendMessage(newMessage('r', { text: 'warm-up' }));
  });

  afterEach(async () => {
    await proxy.up();
    await store.close();
    await direct.close();
    await proxy.close();
    await dropSchema(schema);
  });

  const storedTexts = async () => (await direct.messagesAfter('r', 0, 100)).map((m) => m.text);

  test('no connection to be had (refused): a plain failure, i.e. STORE_UNAVAILABLE, and nothing stored', async () => {
    await proxy.down();
    // The pooled connection the cut just killed may not be noticed yet: a
    // query written to it ends "terminated unexpectedly", which is rightly
    // unknown. Let a health check use it up first.
    await failure(store.check());
    const e = await failure(store.appendMessage(newMessage('r', { text: 'refused' })));
    expect(e).toBeDefined();
    expect(unknownOutcome(e)).toBe(false);
    expect(await storedTexts()).toEqual(['warm-up']);
  });

  test('an error Postgres reports for the statement (statement timeout on a locked room): rolled back, a plain failure', async () => {
    const admin = await openAdmin();
    try {
      await admin.query('BEGIN');
      await admin.query(`SELECT 1 FROM "${schema}".rooms WHERE id = 'r' FOR UPDATE`);
      const e = await failure(store.appendMessage(newMessage('r', { text: 'timed out in the server' })));
      expect((e as { code?: string }).code).toBe('57014');
      expect(unknownOutcome(e)).toBe(false);
    } finally {
      await admin.query('ROLLBACK');
      await admin.end();
    }
    expect(await storedTexts()).toEqual(['warm-up']);
  });

  test('the connection is cut while the statement runs: STORE_TIMEOUT, and the message may be stored after all', async () => {
    const admin = await openAdmin();
    let e: unknown;
    try {
      await admin.query('BEGIN');
      await admin.query(`SELECT 1 FROM "${schema}".rooms WHERE id = 'r' FOR UPDATE`);
      const append = failure(store.appendMessage(newMessage('r', { text: 'cut off' })));
      await waitUntil('the append to wait on the lock', async () => (await countBackends(APP, true)) > 0);
      await proxy.down();
      e = await append;
    } finally {
      await admin.query('ROLLBACK');
      await admin.end();
    }
    expect(unknownOutcome(e)).toBe(true);
    // The backend never noticed its client was gone: the statement ran on and committed.
    await waitUntil('the cut-off append to commit', async () => (await storedTexts()).includes('cut off'));
  });

  test('no answer at all (a hung path): the read times out client-side, STORE_TIMEOUT', async () => {
    proxy.blackhole();
    const e = await failure(store.appendMessage(newMessage('r', { text: 'into the void' })));
    expect(unknownOutcome(e)).toBe(true);
  });
});
