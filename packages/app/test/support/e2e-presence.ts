import { join } from 'node:path';
import { httpGet, type Frame, type TestClient } from '@rgchat/testkit';
import { startAppProcess, type ListeningApp } from './app-process';
import { createRoom, greet, helloFrame, joinRoom, openClient, roundTrip, within } from './chat-client';
import type { EndToEndContext } from './end-to-end-context';

/** Short, so a silent peer is dropped within a few seconds (as in e2e-heartbeat.ts). */
const HEARTBEAT_MS = 1000;

/** What rg-chat-v1 sends (seed 000): a plain client must never see another type. */
const V1_TYPES = new Set(['welcome', 'room_list', 'joined_room', 'message', 'profile_ack', 'pong', 'error']);
/** Keys the extensions add to v1 frames; none may reach a plain client. */
const EXTENSION_KEYS = ['members', 'online', 'features', 'seq', 'recovered', 'reactions'];

const FEATURES = ['presence', 'typing'];

/** Connects with `features`, says hello and waits for `welcome`. */
async function greetWith(url: string, name: string, features: readonly string[]): Promise<{ client: TestClient; clientId: string; welcome: Frame }> {
  const client = await openClient(url);
  client.send(helloFrame(name, { features }));
  const welcome = await client.next('welcome');
  return { client, clientId: String(welcome['self']?.clientId), welcome };
}

/** The next presence frame for `roomId` that satisfies `predicate`. */
const presenceWhere = (client: TestClient, roomId: string, predicate: (f: Frame) => boolean, timeoutMs = 10_000) =>
  client.waitFor((f) => f['type'] === 'presence' && f['roomId'] === roomId && predicate(f), timeoutMs);
const joinedIds = (f: Frame) => (f['joined'] as Frame[]).map((m) => String(m['clientId']));

/** extensions.md presence and typing over real sockets: featured clients see them, a v1 client nothing new. */
export function describePresenceEndToEnd({ env, run, dir }: EndToEndContext): void {
  describe('presence and typing', () => {
    let app: ListeningApp;

    beforeAll(async () => {
      app = await startAppProcess(
        {
          SQLITE_PATH: join(dir(), 'presence', 'chat.db'),
          ...env,
          HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
          // Every client is 127.0.0.1.
          RATE_LIMIT_PER_IP_PER_SEC: '100000',
          RATE_LIMIT_PER_IP_BURST: '100000',
          MAX_CONNECTIONS_PER_IP: '1000',
        },
        dir(),
      );
    }, 30_000);

    afterAll(async () => {
      app?.signal('SIGTERM');
      await app?.exited;
    });

    test('two featured clients and a v1 client in one room: members, diffs, typing and online for the featured ones, nothing new for v1', async () => {
      const roomId = `${run}-presence`;
      const ann = await greetWith(app.url, 'ann', FEATURES);
      const bob = await greetWith(app.url, 'bob', FEATURES);
      const vic = await greet(app.url, 'vic');
      await createRoom(ann.client, `${run} presence`, roomId);

      const annJoined = await joinRoom(ann.client, roomId);
      expect(annJoined['members']).toEqual([{ clientId: ann.clientId, userId: expect.stringMatching(/^usr_/), name: 'ann', avatarId: 42 }]);
      const vicJoined = await joinRoom(vic.client, roomId);
      expect(Object.keys(vicJoined).sort()).toEqual(['messages', 'room', 'type']);
      const bobJoined = await joinRoom(bob.client, roomId);
      expect((bobJoined['members'] as Frame[]).map((m) => m['clientId'])).toEqual([ann.clientId, vic.clientId, bob.clientId]);
      // sessionId never shows; userId differs per session.
      expect(JSON.stringify(bobJoined)).not.toContain('session-');

      // ann hears of vic and bob in coalesced frames (one or two, depending on the interval's edges).
      const heard = new Set<string>();
      while (!heard.has(bob.clientId) || !heard.has(vic.clientId)) {
        for (const id of joinedIds(await presenceWhere(ann.client, roomId, (f) => joinedIds(f).length > 0))) heard.add(id);
      }

      // Typing: relayed to ann (typing negotiated), never back to bob, never to vic.
      bob.client.send({ type: 'typing', roomId, active: true });
      expect(await ann.client.next('typing')).toEqual({ type: 'typing', roomId, clientId: bob.clientId, name: 'bob', active: true });
      // A profile change is an `updated` member.
      bob.client.send({ type: 'set_profile', name: 'robert' });
      const updated = await presenceWhere(ann.client, roomId, (f) => (f['updated'] as Frame[]).length > 0);
      expect(updated['updated']).toEqual([{ clientId: bob.clientId, userId: expect.stringMatching(/^usr_/), name: 'robert', avatarId: 42 }]);
      // Sending a message ends bob's typing: the server says so.
      bob.client.send({ type: 'send_message', roomId, message: { type: 'message', text: 'hello' } });
      expect(await ann.client.next('typing')).toEqual({ type: 'typing', roomId, clientId: bob.clientId, name: 'robert', active: false });

      // online: HTTP for everyone, room lists for presence clients only.
      const api = JSON.parse((await httpGet(`${app.httpUrl}/api/rooms?q=${encodeURIComponent(roomId)}`)).body) as { rooms: Frame[] };
      expect(api.rooms.find((r) => r['id'] === roomId)).toMatchObject({ id: roomId, online: 3 });
      const list = await ann.client.waitFor((f) => f['type'] === 'room_list' && (f['rooms'] as Frame[]).some((r) => r['id'] === roomId && r['online'] === 3));
      expect(list).toBeDefined();

      // bob leaves: ann gets `left`.
      bob.client.close();
      const left = await presenceWhere(ann.client, roomId, (f) => (f['left'] as string[]).includes(bob.clientId));
      expect(left['joined']).toEqual([]);

      // Whatever happened, vic saw rg-chat-v1 only.
      await roundTrip(vic.client, 'v1-still-plain');
      expect(bob.client.frames.filter((f) => f['type'] === 'typing')).toEqual([]);
      for (const f of vic.client.frames) {
        expect(V1_TYPES.has(String(f['type']))).toBe(true);
        for (const key of EXTENSION_KEYS) expect(Object.keys(f)).not.toContain(key);
        for (const r of (f['rooms'] as Frame[] | undefined) ?? []) expect(Object.keys(r)).not.toContain('online');
      }
    });

    test('dropped connections (no close frame) leave the member list: a destroyed socket, and a silent one the heartbeat drops', async () => {
      const roomId = `${run}-dropped`;
      const watcher = await greetWith(app.url, 'watcher', FEATURES);
      await createRoom(watcher.client, `${run} dropped`, roomId);
      await joinRoom(watcher.client, roomId);
      const destroyed = await greetWith(app.url, 'gone', []);
      await joinRoom(destroyed.client, roomId);
      const silent = await openClient(app.url, { autoPong: false });
      silent.send(helloFrame('silent'));
      const silentId = String((await silent.next('welcome'))['self']?.clientId);
      await joinRoom(silent, roomId);
      await presenceWhere(watcher.client, roomId, (f) => joinedIds(f).includes(silentId));

      destroyed.client.terminate();
      await presenceWhere(watcher.client, roomId, (f) => (f['left'] as string[]).includes(destroyed.clientId));
      // The silent one stays connected at the TCP level; only the heartbeat drops it.
      await within(silent.closed, HEARTBEAT_MS * 10, 'the silent peer to be dropped');
      await presenceWhere(watcher.client, roomId, (f) => (f['left'] as string[]).includes(silentId));
      const members = (await joinRoom((await greetWith(app.url, 'late', FEATURES)).client, roomId))['members'] as Frame[];
      expect(members.map((m) => m['clientId'])).toEqual([watcher.clientId, expect.any(String)]);
    });
  });
}
