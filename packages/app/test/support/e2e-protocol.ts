import { join } from 'node:path';
import { expectUpgradeStatus, httpGet, waitUntil, type Frame } from '@rgchat/testkit';
import { startAppProcess, type ListeningApp } from './app-process';
import { createRoom, greet, helloFrame, isMessage, joinRoom, openClient, roundTrip, sendPipelined, within } from './chat-client';
import type { EndToEndContext } from './end-to-end-context';

const ALLOWED_ORIGIN = 'https://chat.allowed.example';

/** Every server-to-client frame and every error path, on one server shared by the tests (each uses its own rooms). */
export function describeProtocolEndToEnd({ env, run, dir }: EndToEndContext): void {
  describe('one shared server', () => {
    let app: ListeningApp;
    const maxPayloadBytes = Number(env['MAX_PAYLOAD_BYTES'] ?? 65_536);

    beforeAll(async () => {
      app = await startAppProcess(
        {
          SQLITE_PATH: join(dir(), 'shared', 'chat.db'),
          ...env,
          ALLOWED_ORIGINS: ALLOWED_ORIGIN,
          LOG_LEVEL: 'info',
        },
        dir(),
      );
    }, 30_000);

    test('hello gets welcome; set_profile gets profile_ack; ping gets pong echoing ts', async () => {
      const c = await openClient(app.url, { origin: ALLOWED_ORIGIN });
      c.send(helloFrame('alice'));
      const welcome = await c.next('welcome');
      expect(welcome).toEqual({
        type: 'welcome',
        protocol: 'rg-chat-v1',
        self: { clientId: expect.any(String), name: 'alice', avatarId: 42 },
        rooms: expect.any(Array),
      });
      const clientId = welcome['self'].clientId as string;

      c.send({ type: 'set_profile', name: 'alice_2', avatarId: 5678 });
      expect(await c.next('profile_ack')).toEqual({ type: 'profile_ack', self: { clientId, name: 'alice_2', avatarId: 5678 } });

      c.send({ type: 'ping', ts: 1730000000000 });
      expect(await c.next('pong')).toEqual({ type: 'pong', ts: 1730000000000 });
      c.send({ type: 'ping', ts: 'opaque' });
      expect(await c.next('pong')).toEqual({ type: 'pong', ts: 'opaque' });
    });

    test('create_room answers room_list (normalised, idempotent); messages reach every member, sender included', async () => {
      const roomId = `${run}-main-hall`;
      const a = await greet(app.url, 'alice', { origin: ALLOWED_ORIGIN });
      const b = await greet(app.url, 'bob');
      const outsider = await greet(app.url, 'carol');

      const room = await createRoom(a.client, `  ${run.toUpperCase()}   Main Hall! `, roomId);
      expect(room).toEqual({ id: roomId, name: `${run.toUpperCase()} Main Hall!`, createdAt: expect.any(Number), messageCount: 0, lastMessageTs: null });
      // Same id after normalisation: the existing room, untouched.
      const again = await createRoom(b.client, `${run} main hall`, roomId);
      expect(again).toEqual(room);

      expect(await joinRoom(a.client, roomId)).toEqual({
        type: 'joined_room',
        room: { id: roomId, name: room['name'], createdAt: room['createdAt'] },
        messages: [],
      });
      await joinRoom(b.client, roomId);

      const marker = `secret-${run}`;
      a.client.send({ type: 'send_message', roomId, message: { type: 'message', text: `  hi @bob ${marker}  ` } });
      const atA = await a.client.waitFor(isMessage(roomId));
      const atB = await b.client.waitFor(isMessage(roomId));
      expect(atA).toEqual(atB);
      expect(atA).toEqual({
        type: 'message',
        roomId,
        message: {
          id: expect.any(String),
          ts: expect.any(Number),
          authorId: a.clientId,
          name: 'alice',
          avatarId: 42,
          type: 'message',
          text: `hi @bob ${marker}`,
        },
      });

      b.client.send({ type: 'send_message', roomId, message: { type: 'emote', text: 'waves' } });
      const emote = await a.client.waitFor(isMessage(roomId, 'waves'));
      expect(emote['message']).toMatchObject({ type: 'emote', authorId: b.clientId, name: 'bob' });
      await b.client.waitFor(isMessage(roomId, 'waves'));

      // Joining another room leaves the first one.
      const otherId = `${run}-side-room`;
      await createRoom(a.client, `${run} side room`, otherId);
      await joinRoom(a.client, otherId);
      b.client.send({ type: 'send_message', roomId, message: { type: 'message', text: 'after alice left' } });
      await b.client.waitFor(isMessage(roomId, 'after alice left'));
      await roundTrip(a.client, 'barrier-a');
      await roundTrip(outsider.client, 'barrier-c');
      expect(a.client.frames.filter(isMessage(roomId, 'after alice left'))).toHaveLength(0);
      expect(outsider.client.frames.filter((f) => f['type'] === 'message')).toHaveLength(0);

      // Connect and disconnect are logged with context; message text never is at info.
      a.client.close(1000, 'bye');
      const disconnect = await app.waitForLog((l) => l['msg'] === 'disconnect' && l['connId'] === a.clientId);
      expect(disconnect).toMatchObject({ level: 'info', origin: ALLOWED_ORIGIN, code: 1000 });
      expect(typeof disconnect['remoteAddress']).toBe('string');
      expect(typeof disconnect['durationMs']).toBe('number');
      expect(app.logs.some((l) => l['msg'] === 'connect' && l['connId'] === a.clientId)).toBe(true);
      expect(app.stdout()).not.toContain(marker);
    });

    test('room_list follows message activity (messageCount, lastMessageTs), coalesced', async () => {
      const roomId = `${run}-busy`;
      const watcher = await greet(app.url, 'watcher');
      const sender = await greet(app.url, 'sender');
      await createRoom(sender.client, `${run} busy`, roomId);
      await joinRoom(sender.client, roomId);
      // The watcher hears of the new room without asking.
      await watcher.client.waitFor((f) => f['type'] === 'room_list' && f['rooms'].some((r: Frame) => r['id'] === roomId));

      const texts = ['one', 'two', 'three', 'four', 'five'];
      const sent = await sendPipelined(sender.client, roomId, texts);
      const last = sent[sent.length - 1]?.['message'];
      const list = await watcher.client.waitFor(
        (f) => f['type'] === 'room_list' && f['rooms'].some((r: Frame) => r['id'] === roomId && r['messageCount'] === 5),
      );
      expect(list['rooms'].find((r: Frame) => r['id'] === roomId)).toMatchObject({ messageCount: 5, lastMessageTs: last.ts });
      // Five messages in a burst cost the watcher fewer than five room_list frames.
      const pushes = watcher.client.frames.filter(
        (f) => f['type'] === 'room_list' && f['rooms'].some((r: Frame) => r['id'] === roomId && r['messageCount'] > 0),
      );
      expect(pushes.length).toBeLessThan(texts.length);
    });

    test('hello with resumeRoomId joins that room: welcome, then joined_room; an unknown one is ignored', async () => {
      const roomId = `${run}-resume`;
      const first = await greet(app.url, 'first');
      await createRoom(first.client, `${run} resume`, roomId);
      await joinRoom(first.client, roomId);
      await sendPipelined(first.client, roomId, ['before you came']);

      const back = await openClient(app.url);
      back.send(helloFrame('returning', { resumeRoomId: roomId }));
      const welcome = await back.next('welcome');
      expect(welcome['activeRoomId']).toBe(roomId);
      const joined = await back.next('joined_room');
      expect(joined['room']['id']).toBe(roomId);
      expect(joined['messages'].map((m: Frame) => m['text'])).toEqual(['before you came']);
      expect(back.frames.indexOf(welcome)).toBeLessThan(back.frames.indexOf(joined));

      const lost = await openClient(app.url);
      lost.send(helloFrame('lost', { resumeRoomId: `${run}-no-such-room` }));
      const plain = await lost.next('welcome');
      expect(plain).not.toHaveProperty('activeRoomId');
      await roundTrip(lost, 'after-resume');
      expect(lost.frames.filter((f) => f['type'] === 'error' || f['type'] === 'joined_room')).toHaveLength(0);
    });

    test('an invalid name on hello falls back to a guest name', async () => {
      for (const name of ['two words', 'x'.repeat(25), '', 42]) {
        const c = await openClient(app.url);
        c.send({ type: 'hello', protocol: 'rg-chat-v1', profile: { name, avatarId: 1 } });
        const welcome = await c.next('welcome');
        expect(welcome['self']['name']).toMatch(/^guest\d+$/);
        c.close();
      }
    });

    test('malformed frames and requests before hello get error frames; the connection stays open', async () => {
      const c = await openClient(app.url);
      const cases: Array<[string, string, string | null]> = [
        ['{"type": "hello"', 'BAD_JSON', null],
        ['[1, 2, 3]', 'INVALID_REQUEST', null],
        ['"hello"', 'INVALID_REQUEST', null],
        ['null', 'INVALID_REQUEST', null],
        ['{"name": "no type"}', 'INVALID_REQUEST', null],
        ['{"type": 7}', 'INVALID_REQUEST', null],
        ['{"type": "dance"}', 'UNKNOWN_TYPE', 'dance'],
        ['{"type": "create_room", "name": "early"}', 'HELLO_REQUIRED', 'create_room'],
        ['{"type": "join_room", "roomId": "early"}', 'HELLO_REQUIRED', 'join_room'],
      ];
      for (const [raw, code, requestType] of cases) {
        c.sendRaw(raw);
        const error = await c.next('error');
        expect({ raw, code: error['code'], requestType: error['requestType'] }).toEqual({ raw, code, requestType });
        expect(typeof error['message']).toBe('string');
      }
      // ping needs no hello.
      await roundTrip(c, 'still-open');
      c.send(helloFrame('late'));
      await c.next('welcome');
      expect(c.isClosed).toBe(false);
    });

    test('every invalid request gets its error code; the connection stays open', async () => {
      const roomId = `${run}-errors`;
      const c = (await greet(app.url, 'tester')).client;
      const notJoined = `${run}-elsewhere`;
      await createRoom(c, `${run} elsewhere`, notJoined);
      await createRoom(c, `${run} errors`, roomId);
      const send = (message: unknown) => ({ type: 'send_message', roomId, message });
      const cases: Array<[unknown, string]> = [
        [{ type: 'set_profile', name: 'has space' }, 'INVALID_NAME'],
        [{ type: 'set_profile', name: 'tab\there' }, 'INVALID_NAME'],
        [{ type: 'set_profile', name: '' }, 'INVALID_NAME'],
        [{ type: 'set_profile', name: 'n'.repeat(25) }, 'INVALID_NAME'],
        [{ type: 'set_profile', avatarId: 1.5 }, 'INVALID_AVATAR'],
        [{ type: 'set_profile', avatarId: '12' }, 'INVALID_AVATAR'],
        [{ type: 'create_room', name: '!!!' }, 'INVALID_ROOM'],
        [{ type: 'create_room', name: '   ' }, 'INVALID_ROOM'],
        [{ type: 'create_room', name: 'r'.repeat(41) }, 'INVALID_ROOM'],
        [{ type: 'create_room' }, 'INVALID_ROOM'],
        [{ type: 'join_room', roomId: `${run}-no-such-room` }, 'ROOM_NOT_FOUND'],
        [{ type: 'send_message', roomId: notJoined, message: { type: 'message', text: 'hi' } }, 'NOT_IN_ROOM'],
      ];
      for (const [frame, code] of cases) {
        c.send(frame);
        const error = await c.next('error');
        expect({ frame, code: error['code'], requestType: error['requestType'] }).toEqual({
          frame,
          code,
          requestType: (frame as { type: string }).type,
        });
      }
      c.send({ type: 'set_profile', name: 'n'.repeat(24) });
      expect((await c.next('profile_ack'))['self']['name']).toBe('n'.repeat(24));

      await joinRoom(c, roomId);
      for (const message of [{ type: 'message', text: '   ' }, { type: 'message', text: 'x'.repeat(401) }, { type: 'shout', text: 'hi' }, 'text']) {
        c.send(send(message));
        const error = await c.next('error');
        expect({ message, code: error['code'], requestType: error['requestType'] }).toEqual({
          message,
          code: 'INVALID_MESSAGE',
          requestType: 'send_message',
        });
      }
      const longest = 'x'.repeat(400);
      c.send(send({ type: 'message', text: longest }));
      await c.waitFor(isMessage(roomId, longest));
      await roundTrip(c, 'still-open');
    });

    test('a flood past the rate limit is dropped with one RATE_LIMITED a second, while the connection and the server live', async () => {
      const { client: c } = await greet(app.url, 'flooder');
      const bystander = await greet(app.url, 'bystander');
      // Burst 30 (hello took one): about 20 refused, below the 30 strikes that would close it (issue #10).
      const floodSize = 50;
      for (let i = 0; i < floodSize; i++) c.send({ type: 'ping', ts: `flood-${i}` });
      await waitUntil(() => c.frames.some((f) => f['type'] === 'error'), 'a RATE_LIMITED notice');
      await waitUntil(() => c.frames.filter((f) => f['type'] === 'pong').length >= 29, 'the burst is answered');
      const errors = c.frames.filter((f) => f['type'] === 'error');
      // Refused frames are dropped unparsed: one notice per second at most, not one error per frame.
      for (const e of errors) expect(e).toMatchObject({ code: 'RATE_LIMITED', requestType: null });
      expect(errors.length).toBeLessThan(floodSize - c.frames.filter((f) => f['type'] === 'pong').length);
      expect(c.isClosed).toBe(false);
      await roundTrip(bystander.client, 'bystander-served');

      // Once the bucket refills, normal traffic works again on the same socket.
      // 1.5 s refills 15 tokens at the default 10 a second.
      await new Promise((r) => setTimeout(r, 1500));
      await roundTrip(c, 'after-refill');
      expect(c.isClosed).toBe(false);
    });

    test('an oversize frame closes only that socket (1009); the server keeps serving', async () => {
      const big = await greet(app.url, 'big');
      const other = await greet(app.url, 'other');
      big.client.sendRaw(JSON.stringify({ type: 'ping', ts: 'x'.repeat(maxPayloadBytes + 1024) }));
      expect((await within(big.client.closed, 10_000, 'the oversize sender to be closed')).code).toBe(1009);
      await roundTrip(other.client, 'other-still-served');
      const fresh = await greet(app.url, 'fresh');
      await roundTrip(fresh.client, 'fresh-served');
    });

    test('a foreign Origin is refused at upgrade with 403; the allowed one is accepted', async () => {
      expect(await expectUpgradeStatus(app.url, { Origin: 'https://evil.example' })).toBe(403);
      expect(await expectUpgradeStatus(app.url, { Origin: ALLOWED_ORIGIN })).toBe(101);
      await roundTrip((await greet(app.url, 'after-origin', { origin: ALLOWED_ORIGIN })).client, 'origin-ok');
    });

    test('GET /healthz and /api/rooms answer beside the socket', async () => {
      const roomId = `${run}-http`;
      await createRoom((await greet(app.url, 'http')).client, `${run} http`, roomId);
      const health = await httpGet(`${app.httpUrl}/healthz`);
      expect(health.status).toBe(200);
      const rooms = await httpGet(`${app.httpUrl}/api/rooms`);
      expect(rooms.status).toBe(200);
      expect(JSON.parse(rooms.body).rooms.some((r: Frame) => r['id'] === roomId)).toBe(true);
    });
  });
}
