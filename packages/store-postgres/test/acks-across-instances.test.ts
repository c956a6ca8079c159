import type { ChatStore } from '@rgchat/chat-core';
import { newMessage } from '@rgchat/testkit';
import { openPostgresStore } from '../src';
import { describePostgres, dropSchema, freshSchema, RUN_ID, urlFor } from './pg-test-env';

const url = urlFor(`${RUN_ID}_acks`);

// Two stores on one schema are two instances: each checks for the key before
// its insert, so a resend racing in from the other one is caught by the
// unique index instead, and must still be answered as a duplicate without
// failing the other messages of its group.
describePostgres('postgres acks across instances', () => {
  let schema: string;
  const open: ChatStore[] = [];
  beforeEach(() => {
    schema = freshSchema();
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    await dropSchema(schema);
  });
  const openStore = async () => {
    const s = await openPostgresStore({ url, schema, poolSize: 4 });
    open.push(s);
    return s;
  };

  test('the same key sent through two instances at once stores one message; its group-mates are stored', async () => {
    const a = await openStore();
    const b = await openStore();
    await a.createRoom({ id: 'r', name: 'r', createdAt: 1 });
    for (let round = 0; round < 10; round++) {
      const key = { authorKey: 'usr_1', clientMsgId: `k-${round}` };
      const results = await Promise.all([
        a.appendMessage(newMessage('r', { ...key, text: `a-${round}` })),
        a.appendMessage(newMessage('r', { text: `a-plain-${round}` })),
        b.appendMessage(newMessage('r', { ...key, text: `b-${round}` })),
        b.appendMessage(newMessage('r', { text: `b-plain-${round}` })),
      ]);
      const keyed = [results[0]!, results[2]!];
      expect(keyed.filter((r) => r.duplicate === true)).toHaveLength(1);
      expect(keyed[0]!.message).toEqual(keyed[1]!.message);
      expect(results[1]!.duplicate).toBeUndefined();
      expect(results[3]!.duplicate).toBeUndefined();
    }
    const stored = await a.recentMessages('r', 100);
    expect(stored).toHaveLength(30);
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(await b.getRoom('r')).toMatchObject({ messageCount: 30 });
  });

  test('a lone resend racing in from another instance (a group of one) is answered as a duplicate too', async () => {
    const a = await openStore();
    const b = await openStore();
    await a.createRoom({ id: 'r', name: 'r', createdAt: 1 });
    for (let round = 0; round < 10; round++) {
      const key = { authorKey: 'usr_1', clientMsgId: `lone-${round}` };
      const results = await Promise.all([a.appendMessage(newMessage('r', key)), b.appendMessage(newMessage('r', key))]);
      expect(results.filter((r) => r.duplicate === true)).toHaveLength(1);
      expect(results[0]!.message).toEqual(results[1]!.message);
    }
    expect(await a.getRoom('r')).toMatchObject({ messageCount: 10 });
  });
});
