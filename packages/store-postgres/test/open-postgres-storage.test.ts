import type { BusEvent } from '@rgchat/chat-core';
import { newMessage } from '@rgchat/testkit';
import { openPostgresStorage, type PostgresStorage } from '../src';
import { describePostgres, dropSchema, freshSchema, RUN_ID, urlFor, waitUntil } from './pg-test-env';

const url = urlFor(`${RUN_ID}_storage`);

describePostgres('openPostgresStorage', () => {
  const schemas = [freshSchema(), freshSchema()] as const;
  const opened: PostgresStorage[] = [];
  const open = async (schema: string, instanceId: string, bus?: boolean) => {
    const storage = await openPostgresStorage({ url, schema, poolSize: 2, instanceId, ...(bus === undefined ? {} : { bus }) });
    opened.push(storage);
    return storage;
  };

  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    for (const schema of schemas) await dropSchema(schema);
  });

  test('instances of one schema hear each other on that schema\'s own channel', async () => {
    const entries: Array<Record<string, unknown> | undefined> = [];
    const a = await openPostgresStorage({ url, schema: schemas[1], poolSize: 2, instanceId: 'a', log: (_l, _m, f) => void entries.push(f) });
    opened.push(a);
    const b = await open(schemas[1], 'b');
    expect(entries).toContainEqual(expect.objectContaining({ schema: schemas[1], bus: `rgchat_events_${schemas[1]}`, instanceId: 'a' }));
    const heardByB: BusEvent[] = [];
    b.bus?.subscribe((e) => void heardByB.push(e));

    await a.store.createRoom({ id: 'lobby', name: 'Lobby', createdAt: 1 });
    const { message, room } = await a.store.appendMessage(newMessage('lobby'));
    a.bus?.publish({ kind: 'message', message, room });
    await waitUntil('b hears a', () => heardByB.some((e) => e.kind === 'message'));
    expect(heardByB.find((e) => e.kind === 'message')).toMatchObject({ message: { id: message.id, seq: 1 } });
  });

  test('bus: false opens the store alone; close is idempotent and closes the store', async () => {
    const s = await open(schemas[0], 'solo', false);
    expect(s.bus).toBeUndefined();
    expect(await s.store.listRooms()).toEqual(expect.any(Array));
    const first = s.close();
    expect(s.close()).toBe(first);
    await first;
    await expect(s.store.listRooms()).rejects.toThrow();
  });
});
