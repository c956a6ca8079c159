import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame, TestClient } from '@rgchat/testkit';
import { startAppProcess, stopAllApps, type ListeningApp } from './support/app-process';
import { buildApp } from './support/build-app';
import { createRoom, dropClients, greet, helloFrame, isMessage, joinRoom, openClient, within } from './support/chat-client';
import { describeEachBus } from './support/multi-instance';
import { dropSchema, freshSchema, postgresEnv } from './support/postgres-env';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const liveSeqs = (client: TestClient, roomId: string) => client.frames.filter(isMessage(roomId)).map((f) => Number(f['message'].seq));

async function greetFeatured(url: string, name: string, extra: Record<string, unknown> = {}): Promise<{ client: TestClient; welcome: Frame }> {
  const client = await openClient(url);
  client.send(helloFrame(name, { features: ['history', 'recovery'], ...extra }));
  return { client, welcome: await client.next('welcome') };
}

/**
 * Issue #11 across instances: two rgchat processes on one Postgres schema.
 * A client that drops off instance A while others keep sending there comes
 * back on instance B with `since` and gets every message after it exactly
 * once, then the live ones, whatever B's bus had delivered by then.
 */
describeEachBus('end to end: recovery across two instances on one Postgres', (bus) => {
  const schema = freshSchema();
  const run = `rc${randomBytes(4).toString('hex')}`;
  let dir = '';
  let a: ListeningApp;
  let b: ListeningApp;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rgchat-recovery-'));
    await buildApp();
    const env = {
      ...postgresEnv(schema),
      ...bus.env(run),
      // One client sends fast and every client is 127.0.0.1: lift the per-connection and per-address limits.
      RATE_LIMIT_PER_SEC: '100000',
      RATE_LIMIT_BURST: '100000',
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

  test('every instance agrees on seq: a featured client on B sees the seqs A assigned', async () => {
    const roomId = `${run}-agree`;
    const sender = await greet(a.url, 'sender');
    await createRoom(sender.client, `${run} agree`, roomId);
    await joinRoom(sender.client, roomId);
    const watcher = await greetFeatured(b.url, 'watcher');
    await within(
      (async () => {
        for (;;) {
          watcher.client.send({ type: 'join_room', roomId });
          const answer = await watcher.client.waitFor((f) => f['type'] === 'joined_room' || f['type'] === 'error');
          if (answer['type'] === 'joined_room') return;
          await sleep(50);
        }
      })(),
      10_000,
      'B to know the room',
    );
    for (let i = 1; i <= 5; i++) sender.client.send({ type: 'send_message', roomId, message: { type: 'message', text: `agree-${i}` } });
    await within((async () => void (await watcher.client.waitFor(isMessage(roomId, 'agree-5'), 20_000)))(), 20_000, 'the fifth message on B');
    expect(liveSeqs(watcher.client, roomId)).toEqual([1, 2, 3, 4, 5]);
    const history = await greetFeatured(a.url, 'pager');
    history.client.send({ type: 'get_history', roomId });
    expect((await history.client.next('history'))['messages'].map((m: Frame) => m['text'])).toEqual(range(1, 5).map((i) => `agree-${i}`));
  });

  test('dropped on A while others keep sending there, back on B with since: nothing missed, nothing twice', async () => {
    const roomId = `${run}-move`;
    const sender = await greet(a.url, 'sender');
    await createRoom(sender.client, `${run} move`, roomId);
    await joinRoom(sender.client, roomId);
    const phone = await greetFeatured(a.url, 'phone');
    await joinRoom(phone.client, roomId);

    const total = 120;
    const sending = (async () => {
      for (let i = 0; i < total; i++) {
        sender.client.send({ type: 'send_message', roomId, message: { type: 'message', text: `move-${i}` } });
        await sleep(3);
      }
    })();
    await within(
      (async () => {
        while (liveSeqs(phone.client, roomId).length < 20) await sleep(2);
      })(),
      20_000,
      'the first 20 messages on A',
    );
    phone.client.terminate();
    const before = liveSeqs(phone.client, roomId);
    const since = Math.max(...before);
    expect(before).toEqual(range(1, since));

    // B may not know the room yet, nor have heard every message A stored: recovery reads the store.
    let again: { client: TestClient; welcome: Frame } | undefined;
    let joined: Frame | undefined;
    await within(
      (async () => {
        for (;;) {
          again = await greetFeatured(b.url, 'phone', { resumeRoomId: roomId, since });
          if (again.welcome['activeRoomId'] === roomId) {
            joined = await again.client.next('joined_room');
            return;
          }
          again.client.close();
          await sleep(50);
        }
      })(),
      10_000,
      'B to resume the room',
    );
    expect(joined!['recovered']).toBe(true);
    await sending;
    const all = () => [...(joined!['messages'] as Frame[]).map((m) => Number(m['seq'])), ...liveSeqs(again!.client, roomId)];
    await within(
      (async () => {
        while (Math.max(since, ...all()) < total) await sleep(5);
      })(),
      30_000,
      'every message on B',
    );
    await sleep(300);
    expect(all()).toEqual(range(since + 1, total));
  });
});
