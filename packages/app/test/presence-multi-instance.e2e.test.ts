import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil, type Frame, type TestClient } from '@rgchat/testkit';
import { startAppProcess, stopAllApps, type ListeningApp } from './support/app-process';
import { buildApp } from './support/build-app';
import { createRoom, dropClients, greet, helloFrame, joinRoom, openClient } from './support/chat-client';
import { apiOnline, describeEachBus, eventually } from './support/multi-instance';
import { dropSchema, freshSchema, postgresEnv } from './support/postgres-env';

/** Short, so a killed instance's members go within seconds. */
const TTL_MS = 3000;
const FEATURES = ['presence', 'typing'];

async function featured(app: ListeningApp, name: string): Promise<{ client: TestClient; clientId: string }> {
  const client = await openClient(app.url);
  client.send(helloFrame(name, { features: FEATURES }));
  const welcome = await client.next('welcome');
  return { client, clientId: String(welcome['self']?.clientId) };
}

const memberIds = (joined: Frame): string[] => (joined['members'] as Frame[]).map((m) => String(m['clientId'])).sort();

/** Applies a watcher's presence frames to its joined_room members: what its UI would show now. */
function viewOf(client: TestClient, roomId: string): string[] {
  const joined = client.frames.filter((f) => f['type'] === 'joined_room' && f['room']?.id === roomId).at(-1);
  const view = new Set(joined ? memberIds(joined) : []);
  for (const f of client.frames) {
    if (f['type'] !== 'presence' || f['roomId'] !== roomId) continue;
    for (const m of f['joined'] as Frame[]) view.add(String(m['clientId']));
    for (const id of f['left'] as string[]) view.delete(id);
  }
  return [...view].sort();
}

const onlineOn = (app: ListeningApp, roomId: string) => apiOnline(app, roomId);

/** Presence and typing across two rgchat processes on one Postgres (issue #12): the bus carries them, the store never. */
describeEachBus('end to end: presence across two instances on one Postgres', (bus) => {
  const schema = freshSchema();
  const run = `pr${randomBytes(4).toString('hex')}`;
  let dir = '';
  let env: Record<string, string>;
  let a: ListeningApp;
  let b: ListeningApp;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rgchat-presence-'));
    await buildApp();
    env = {
      ...postgresEnv(schema),
      ...bus.env(run),
      PRESENCE_TTL_MS: String(TTL_MS),
      // Every client is 127.0.0.1.
      RATE_LIMIT_PER_IP_PER_SEC: '100000',
      RATE_LIMIT_PER_IP_BURST: '100000',
      MAX_CONNECTIONS_PER_IP: '1000',
    };
    a = await startAppProcess(env, dir);
    b = await startAppProcess(env, dir);
  }, 180_000);

  afterEach(() => dropClients());

  afterAll(async () => {
    dropClients();
    await stopAllApps();
    await dropSchema(schema);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('members are complete on both; joins, leaves and typing cross; online agrees; kill -9 of one drops its members; a restarted one learns everyone', async () => {
    const roomId = `${run}-lobby`;
    const a1 = await featured(a, 'a1');
    await createRoom(a1.client, `${run} lobby`, roomId);
    await joinRoom(a1.client, roomId);
    const b1 = await featured(b, 'b1');
    // B may hear of the room through the bus a moment later; joining looks it up in the store anyway.
    expect(memberIds(await joinRoom(b1.client, roomId))).toEqual([a1.clientId, b1.clientId].sort());
    const b2 = await greet(b.url, 'b2');
    await joinRoom(b2.client, roomId);
    const a2 = await featured(a, 'a2');
    await waitUntil(() => viewOf(a1.client, roomId).length === 3, 'A to hear of B\'s members', 10_000);
    const everyone = [a1.clientId, a2.clientId, b1.clientId, b2.clientId].sort();
    expect(memberIds(await joinRoom(a2.client, roomId))).toEqual(everyone);
    await waitUntil(() => viewOf(b1.client, roomId).join() === everyone.join(), 'B\'s watcher to see everyone', 10_000);
    await waitUntil(() => viewOf(a1.client, roomId).join() === everyone.join(), 'A\'s watcher to see everyone', 10_000);

    // Typing crosses, to typing members only.
    b1.client.send({ type: 'typing', roomId, active: true });
    expect(await a1.client.next('typing')).toEqual({ type: 'typing', roomId, clientId: b1.clientId, name: 'b1', active: true });
    expect(await a2.client.next('typing')).toMatchObject({ clientId: b1.clientId, active: true });
    // online agrees over HTTP on both instances.
    await eventually('online to agree at 4', async () => (await onlineOn(a, roomId)) === 4 && (await onlineOn(b, roomId)) === 4, 10_000);

    // kill -9 of B: no goodbye; A drops B's members within PRESENCE_TTL_MS (+ the presence interval).
    b.signal('SIGKILL');
    await b.exited;
    const bIds = [b1.clientId, b2.clientId];
    await waitUntil(() => viewOf(a1.client, roomId).join() === [a1.clientId, a2.clientId].sort().join(), 'A\'s watcher to see B\'s members leave', TTL_MS + 5000);
    expect(await onlineOn(a, roomId)).toBe(2);
    expect(a1.client.frames.some((f) => f['type'] === 'presence' && bIds.every((id) => (f['left'] as string[]).includes(id)))).toBe(true);

    // A new B learns who is on A, so `members` is complete there too.
    const b3app = await startAppProcess(env, dir);
    const b3 = await featured(b3app, 'b3');
    await eventually('the new B to know A\'s members', async () => (await onlineOn(b3app, roomId)) === 2, 10_000);
    expect(memberIds(await joinRoom(b3.client, roomId))).toEqual([a1.clientId, a2.clientId, b3.clientId].sort());
    await waitUntil(() => viewOf(a1.client, roomId).includes(b3.clientId), 'A to hear of the new B\'s member', 10_000);
  }, 60_000);
});
