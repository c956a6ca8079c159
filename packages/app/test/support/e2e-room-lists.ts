import { join } from 'node:path';
import { httpGet, type Frame } from '@rgchat/testkit';
import { startAppProcess, type ListeningApp } from './app-process';
import { createRoom, greet, roundTrip } from './chat-client';
import type { EndToEndContext } from './end-to-end-context';

/** A quota small enough to reach in a test. */
const CREATES_PER_HOUR = 3;

const roomIds = (body: string): string[] => (JSON.parse(body) as { rooms: Frame[] }).rooms.map((r) => String(r['id']));

/** Issue #10 item 3 over real sockets and HTTP: the per-address room-create quota and `/api/rooms` paging. */
export function describeRoomListsEndToEnd({ env, run, dir }: EndToEndContext): void {
  describe('room lists at scale', () => {
    let app: ListeningApp;

    beforeAll(async () => {
      app = await startAppProcess(
        { SQLITE_PATH: join(dir(), 'room-lists', 'chat.db'), ...env, ROOM_CREATES_PER_IP_PER_HOUR: String(CREATES_PER_HOUR) },
        dir(),
      );
    }, 30_000);

    afterAll(async () => {
      app?.signal('SIGTERM');
      await app?.exited;
    });

    test('new rooms beyond the hourly per-address quota are refused with RATE_LIMITED; re-creating one is free', async () => {
      const a = await greet(app.url, 'quota-a');
      const b = await greet(app.url, 'quota-b');
      const ids = [1, 2, 3].map((i) => `${run}-quota-${i}`);
      // A few ms apart: rooms created in the same millisecond list by id, and the
      // listing test below checks "most recently created first".
      const tick = () => new Promise((r) => setTimeout(r, 5));
      await createRoom(a.client, `${run} quota 1`, ids[0]!);
      await tick();
      await createRoom(b.client, `${run} quota 2`, ids[1]!);
      await tick();
      await createRoom(a.client, `${run} quota 3`, ids[2]!);

      // Same address (127.0.0.1), other connection: the quota is per address.
      b.client.send({ type: 'create_room', name: `${run} quota 4` });
      const refused = await b.client.waitFor((f) => f['type'] === 'error');
      expect(refused).toEqual({
        type: 'error',
        code: 'RATE_LIMITED',
        message: expect.stringContaining(`at most ${CREATES_PER_HOUR} per hour`),
        requestType: 'create_room',
      });

      // An existing room costs nothing, from either connection.
      await createRoom(a.client, `${run} QUOTA 1`, ids[0]!);
      await createRoom(b.client, `${run} quota 3`, ids[2]!);
      await roundTrip(b.client, 'after-recreate');
      expect(b.client.frames.filter((f) => f['type'] === 'error')).toHaveLength(1);
      expect(a.client.frames.filter((f) => f['type'] === 'error')).toEqual([]);
    });

    test('GET /api/rooms pages with limit and cursor and filters with q; bad parameters are 400', async () => {
      const prefix = `${run}-quota-`;
      const first = await httpGet(`${app.httpUrl}/api/rooms?q=${encodeURIComponent(prefix.toUpperCase())}&limit=2`);
      expect(first.status).toBe(200);
      const page1 = JSON.parse(first.body) as { rooms: Frame[]; nextCursor?: string };
      expect(page1.rooms).toHaveLength(2);
      expect(page1.nextCursor).toEqual(expect.any(String));
      const second = await httpGet(`${app.httpUrl}/api/rooms?q=${encodeURIComponent(prefix)}&limit=2&cursor=${encodeURIComponent(page1.nextCursor!)}`);
      expect(second.status).toBe(200);
      expect(JSON.parse(second.body)).not.toHaveProperty('nextCursor');
      const all = [...roomIds(first.body), ...roomIds(second.body)];
      // Most recently created first; the refused fourth room does not exist.
      expect(all).toEqual([3, 2, 1].map((i) => `${prefix}${i}`));
      // The display name matches too.
      expect(roomIds((await httpGet(`${app.httpUrl}/api/rooms?q=${encodeURIComponent(`${run} Quota 2`)}`)).body)).toEqual([`${prefix}2`]);

      for (const bad of ['limit=0', 'limit=201', 'limit=x', 'cursor=nope', 'limit=1&limit=2']) {
        const reply = await httpGet(`${app.httpUrl}/api/rooms?${bad}`);
        expect([bad, reply.status, JSON.parse(reply.body)]).toEqual([bad, 400, { error: 'INVALID_REQUEST' }]);
      }
    });
  });
}
