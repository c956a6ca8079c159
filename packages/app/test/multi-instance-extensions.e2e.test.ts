import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame } from '@rgchat/testkit';
import { startAppProcess, stopAllApps, type ListeningApp } from './support/app-process';
import { buildApp } from './support/build-app';
import { createRoom, dropClients, greet, isMessage, joinRoom, roundTrip } from './support/chat-client';
import { ackFor, greetFeatured } from './support/e2e-acks-delete-reactions-rooms';
import { describeEachBus } from './support/multi-instance';
import { dropSchema, freshSchema, postgresEnv } from './support/postgres-env';

/**
 * The extensions acks, delete and reactions on two rgchat processes (A and
 * B) sharing one Postgres schema: the idempotency key, the author rule and
 * the counts come from the database, the events travel over LISTEN/NOTIFY.
 */
describeEachBus('end to end: extensions on two instances on one Postgres', (bus) => {
  const schema = freshSchema();
  const run = `mx${randomBytes(4).toString('hex')}`;
  let dir = '';
  let a: ListeningApp;
  let b: ListeningApp;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rgchat-multi-ext-'));
    await buildApp();
    const env = {
      ...postgresEnv(schema),
      ...bus.env(run),
      RATE_LIMIT_PER_SEC: '1000',
      RATE_LIMIT_BURST: '1000',
      // Every client here is 127.0.0.1.
      RATE_LIMIT_PER_IP_PER_SEC: '100000',
      RATE_LIMIT_PER_IP_BURST: '100000',
      MAX_CONNECTIONS_PER_IP: '1000',
    };
    [a, b] = await Promise.all([startAppProcess(env, dir), startAppProcess(env, dir)]);
  }, 180_000);

  afterEach(() => dropClients());

  afterAll(async () => {
    dropClients();
    await stopAllApps();
    await dropSchema(schema);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A room made on A, known to both. */
  async function room(name: string): Promise<string> {
    const roomId = `${run}-${name}`;
    await createRoom((await greet(a.url, 'maker')).client, `${run} ${name}`, roomId);
    return roomId;
  }

  test('acks: a resend through the other instance is a duplicate; the same key sent to both at once stores one message', async () => {
    const roomId = await room('acks');
    const onA = await greetFeatured(a.url, 'alice', ['acks']);
    const onB = await greetFeatured(b.url, 'alice', ['acks']);
    await joinRoom(onA.client, roomId);
    await joinRoom(onB.client, roomId);
    onA.client.send({ type: 'send_message', roomId, message: { text: 'first' }, clientMsgId: 'k-1' });
    const original = await ackFor(onA.client, 'k-1');
    onB.client.send({ type: 'send_message', roomId, message: { text: 'first' }, clientMsgId: 'k-1' });
    expect(await ackFor(onB.client, 'k-1')).toEqual({ ...original, duplicate: true });

    for (let i = 0; i < 5; i++) {
      const key = `race-${i}`;
      onA.client.send({ type: 'send_message', roomId, message: { text: `race ${i} via A` }, clientMsgId: key });
      onB.client.send({ type: 'send_message', roomId, message: { text: `race ${i} via B` }, clientMsgId: key });
      const acks = await Promise.all([ackFor(onA.client, key), ackFor(onB.client, key)]);
      expect(acks.filter((x) => x['duplicate'] === true)).toHaveLength(1);
      expect(acks[0]!['id']).toBe(acks[1]!['id']);
    }
    const history = (await joinRoom((await greet(b.url, 'checker')).client, roomId))['messages'] as Frame[];
    expect(history).toHaveLength(6);
    expect(history.map((m) => m['text']).filter((t) => t === 'first')).toHaveLength(1);
  });

  test('delete: the author on A deletes, a member on B gets message_deleted; the same person on B may delete too, someone else may not', async () => {
    const roomId = await room('delete');
    const author = await greetFeatured(a.url, 'author', ['delete']);
    const authorOnB = await greetFeatured(b.url, 'author', ['delete']);
    const watcher = await greetFeatured(b.url, 'watcher', ['delete']);
    const v1 = await greet(b.url, 'plain');
    for (const c of [author, authorOnB, watcher, v1]) await joinRoom(c.client, roomId);
    author.client.send({ type: 'send_message', roomId, message: { text: 'one' } });
    author.client.send({ type: 'send_message', roomId, message: { text: 'two' } });
    const one = (await watcher.client.waitFor(isMessage(roomId, 'one')))['message'];
    const two = (await watcher.client.waitFor(isMessage(roomId, 'two')))['message'];

    watcher.client.send({ type: 'delete_message', roomId, messageId: one.id });
    expect(await watcher.client.next('error')).toMatchObject({ code: 'FORBIDDEN' });
    author.client.send({ type: 'delete_message', roomId, messageId: one.id });
    expect(await watcher.client.next('message_deleted')).toEqual({ type: 'message_deleted', roomId, messageId: one.id, seq: one.seq });
    authorOnB.client.send({ type: 'delete_message', roomId, messageId: two.id });
    expect(await author.client.waitFor((f) => f['type'] === 'message_deleted' && f['messageId'] === two.id)).toMatchObject({ seq: two.seq });
    await roundTrip(v1.client, 'settled');
    expect(v1.client.frames.some((f) => f['type'] === 'message_deleted')).toBe(false);
    expect((await joinRoom((await greet(a.url, 'checker')).client, roomId))['messages']).toEqual([]);
    // The seqs stay taken on both instances.
    author.client.send({ type: 'send_message', roomId, message: { text: 'three' } });
    expect((await watcher.client.waitFor(isMessage(roomId, 'three')))['message']).toMatchObject({ seq: 3 });
  });

  test('reactions: a reaction on B reaches members on A; counts are one per person across instances; a joiner on A sees them', async () => {
    const roomId = await room('reactions');
    const onA = await greetFeatured(a.url, 'ann', ['reactions']);
    const tabOnB = await greetFeatured(b.url, 'ann', ['reactions']);
    const bob = await greetFeatured(b.url, 'bob', ['reactions']);
    for (const c of [onA, tabOnB, bob]) await joinRoom(c.client, roomId);
    onA.client.send({ type: 'send_message', roomId, message: { text: 'react here' } });
    const message = (await bob.client.waitFor(isMessage(roomId, 'react here')))['message'];

    bob.client.send({ type: 'react', roomId, messageId: message.id, emoji: '🎉', on: true });
    expect(await onA.client.next('reaction')).toEqual({ type: 'reaction', roomId, messageId: message.id, emoji: '🎉', count: 1, clientId: bob.clientId, on: true });
    onA.client.send({ type: 'react', roomId, messageId: message.id, emoji: '🎉', on: true });
    expect(await bob.client.waitFor((f) => f['type'] === 'reaction' && f['count'] === 2)).toMatchObject({ clientId: onA.clientId });
    // The same person (sessionId) on the other instance: already reacted, nothing changes.
    tabOnB.client.send({ type: 'react', roomId, messageId: message.id, emoji: '🎉', on: true });
    await roundTrip(tabOnB.client, 'settled');
    await roundTrip(onA.client, 'settled');
    expect(onA.client.frames.filter((f) => f['type'] === 'reaction')).toHaveLength(2);
    const joiner = await greetFeatured(a.url, 'joiner', ['reactions']);
    const joined = await joinRoom(joiner.client, roomId);
    expect(joined['messages']).toEqual([expect.objectContaining({ id: message.id, reactions: { '🎉': 2 } })]);
  });
});
