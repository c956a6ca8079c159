import { join } from 'node:path';
import type { Frame, TestClient } from '@rgchat/testkit';
import { startAppProcess, type ListeningApp } from './app-process';
import { createRoom, greet, helloFrame, isMessage, joinRoom, openClient, within } from './chat-client';
import type { EndToEndContext } from './end-to-end-context';

const ALLOWED_ORIGIN = 'https://chat.allowed.example';
const FEATURES = ['history', 'recovery'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seqsOf = (messages: readonly Frame[]): number[] => messages.map((m) => Number(m['seq']));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Connects and says hello with the extension features; resolves with the client and its welcome. */
async function greetFeatured(url: string, name: string, extra: Record<string, unknown> = {}): Promise<{ client: TestClient; welcome: Frame }> {
  const client = await openClient(url);
  client.send(helloFrame(name, { features: FEATURES, ...extra }));
  return { client, welcome: await client.next('welcome') };
}

/** Sends `count` messages `${prefix}-i`, one every `pauseMs`, without waiting for their echoes. */
async function keepSending(client: TestClient, roomId: string, prefix: string, count: number, pauseMs: number): Promise<string[]> {
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    texts.push(`${prefix}-${i}`);
    client.send({ type: 'send_message', roomId, message: { type: 'message', text: `${prefix}-${i}` } });
    await sleep(pauseMs);
  }
  return texts;
}

/**
 * The first part of issue #11's extensions (negotiation, Message+, history,
 * recovery) over real sockets and HTTP: a plain v1 client beside a featured
 * one, recovery after a dropped connection while another client keeps
 * sending, and paging over WebSocket and HTTP (CORS included). Acks, delete,
 * reactions and rooms: e2e-acks-delete-reactions-rooms.ts.
 */
export function describeExtensionsEndToEnd({ env, run, dir }: EndToEndContext): void {
  describe('extensions: negotiation, Message+, history, recovery', () => {
    let app: ListeningApp;

    beforeAll(async () => {
      app = await startAppProcess(
        {
          SQLITE_PATH: join(dir(), 'extensions', 'chat.db'),
          ...env,
          ALLOWED_ORIGINS: ALLOWED_ORIGIN,
          // Every client here is 127.0.0.1 and one of them sends fast: lift the per-connection and per-address limits.
          RATE_LIMIT_PER_SEC: '10000',
          RATE_LIMIT_BURST: '10000',
          RATE_LIMIT_PER_IP_PER_SEC: '10000',
          RATE_LIMIT_PER_IP_BURST: '10000',
          MAX_CONNECTIONS_PER_IP: '1000',
        },
        dir(),
      );
    }, 30_000);

    afterAll(async () => {
      app?.signal('SIGTERM');
      await app?.exited;
    });

    test('a v1 client and a featured client in one room: the v1 frames are rg-chat-v1 exactly, the featured ones carry seq', async () => {
      const roomId = `${run}-side-by-side`;
      const v1 = await greet(app.url, 'plain');
      expect(Object.keys(v1.welcome)).toEqual(['type', 'protocol', 'self', 'rooms']);
      const fancy = await greetFeatured(app.url, 'fancy', { features: ['rooms', 'nonsense', 'recovery', 'history'] });
      expect(fancy.welcome['features']).toEqual(['history', 'recovery', 'rooms']);
      await createRoom(v1.client, `${run} side by side`, roomId);
      const v1Joined = await joinRoom(v1.client, roomId);
      expect(Object.keys(v1Joined)).toEqual(['type', 'room', 'messages']);
      v1.client.send({ type: 'send_message', roomId, message: { type: 'message', text: 'before' } });
      const before = await v1.client.waitFor(isMessage(roomId, 'before'));
      const fancyJoined = await joinRoom(fancy.client, roomId);
      expect(fancyJoined['messages']).toEqual([{ ...before['message'], seq: 1 }]);

      // One after the other, so the store's order (and so the seqs) is known.
      v1.client.send({ type: 'send_message', roomId, message: { type: 'message', text: 'from plain' } });
      const atFancy = [await fancy.client.waitFor(isMessage(roomId, 'from plain'))];
      fancy.client.send({ type: 'send_message', roomId, message: { type: 'emote', text: 'from fancy' } });
      atFancy.push(await fancy.client.waitFor(isMessage(roomId, 'from fancy')));
      const atV1 = [await v1.client.waitFor(isMessage(roomId, 'from plain')), await v1.client.waitFor(isMessage(roomId, 'from fancy'))];
      expect(atFancy.map((f) => f['message'].seq)).toEqual([2, 3]);
      for (const [i, frame] of atV1.entries()) {
        const { seq, ...v1Message } = atFancy[i]!['message'];
        void seq;
        expect(frame).toEqual({ type: 'message', roomId, message: v1Message });
      }
      // Byte for byte what rg-chat-v1 sends: its fields in its order, nothing else, anywhere.
      for (const raw of v1.client.rawFrames) {
        expect(raw).not.toMatch(/"(seq|features|recovered|hasMore)"/);
        expect(raw).toBe(JSON.stringify(JSON.parse(raw)));
      }
      const rawMessage = v1.client.rawFrames.find((r) => r.includes('"from plain"'))!;
      const m = JSON.parse(rawMessage).message;
      expect(rawMessage).toBe(
        JSON.stringify({ type: 'message', roomId, message: { id: m.id, ts: m.ts, authorId: m.authorId, name: m.name, avatarId: m.avatarId, type: m.type, text: m.text } }),
      );
      // A featured request from a v1 client is an unknown type.
      v1.client.send({ type: 'get_history', roomId });
      expect(await v1.client.next('error')).toEqual({ type: 'error', code: 'UNKNOWN_TYPE', message: 'Unknown request type.', requestType: 'get_history' });
    });

    test('recovery after a dropped connection while another client keeps sending: nothing missed, nothing twice', async () => {
      const roomId = `${run}-recovery`;
      const sender = await greet(app.url, 'sender');
      await createRoom(sender.client, `${run} recovery`, roomId);
      await joinRoom(sender.client, roomId);
      const first = await greetFeatured(app.url, 'phone');
      await joinRoom(first.client, roomId);

      const total = 80;
      const sending = keepSending(sender.client, roomId, 'steady', total, 4);
      // Drop once some arrived, without a closing handshake, as a phone losing its network does.
      await within(
        (async () => {
          while (first.client.frames.filter(isMessage(roomId)).length < 15) await sleep(2);
        })(),
        20_000,
        'the first 15 messages',
      );
      first.client.terminate();
      const seenBefore = seqsOf(first.client.frames.filter(isMessage(roomId)).map((f) => f['message']));
      const since = Math.max(...seenBefore);
      await sleep(50);

      const again = await greetFeatured(app.url, 'phone', { resumeRoomId: roomId, since });
      expect(again.welcome['activeRoomId']).toBe(roomId);
      const joined = await again.client.next('joined_room');
      expect(joined['recovered']).toBe(true);
      await sending;
      await within(
        (async () => {
          const highest = () => Math.max(since, ...seqsOf(joined['messages']), ...again.client.frames.filter(isMessage(roomId)).map((f) => Number(f['message'].seq)));
          while (highest() < total) await sleep(5);
        })(),
        30_000,
        'every message after the reconnect',
      );
      const after = [...seqsOf(joined['messages']), ...again.client.frames.filter(isMessage(roomId)).map((f) => Number(f['message'].seq))];
      expect(after).toEqual(range(since + 1, total));
      expect(seenBefore).toEqual(range(1, since));
    });

    test('paging over WebSocket (get_history) and HTTP, with CORS following ALLOWED_ORIGINS', async () => {
      const roomId = `${run}-paging`;
      const writer = await greet(app.url, 'writer');
      await createRoom(writer.client, `${run} paging`, roomId);
      await joinRoom(writer.client, roomId);
      for (let i = 1; i <= 12; i++) {
        writer.client.send({ type: 'send_message', roomId, message: { type: 'message', text: `page-${i}` } });
        await writer.client.waitFor(isMessage(roomId, `page-${i}`));
      }
      // No need to join to read history.
      const reader = await greetFeatured(app.url, 'reader');
      reader.client.send({ type: 'get_history', roomId, limit: 5 });
      const newest = await reader.client.next('history');
      expect(newest).toMatchObject({ type: 'history', roomId, hasMore: true });
      expect(seqsOf(newest['messages'])).toEqual(range(8, 12));
      expect(newest['messages'][4]).toMatchObject({ text: 'page-12', name: 'writer', seq: 12 });
      reader.client.send({ type: 'get_history', roomId, before: 8, limit: 5 });
      expect(seqsOf((await reader.client.next('history'))['messages'])).toEqual(range(3, 7));
      reader.client.send({ type: 'get_history', roomId, after: 10 });
      expect(await reader.client.next('history')).toMatchObject({ hasMore: false, messages: [{ seq: 11 }, { seq: 12 }] });
      reader.client.send({ type: 'get_history', roomId, before: 3, after: 1 });
      expect(await reader.client.next('error')).toMatchObject({ code: 'INVALID_REQUEST', requestType: 'get_history' });

      const get = async (path: string, origin?: string) => {
        const res = await fetch(`${app.httpUrl}${path}`, { headers: origin ? { origin } : {} });
        return { status: res.status, body: (await res.json()) as Frame, cors: res.headers.get('access-control-allow-origin'), vary: res.headers.get('vary') };
      };
      const page = await get(`/api/rooms/${roomId}/messages?before=6&limit=3`, ALLOWED_ORIGIN);
      expect(page).toMatchObject({ status: 200, cors: ALLOWED_ORIGIN });
      expect(page.vary).toMatch(/origin/i);
      expect(Object.keys(page.body)).toEqual(['roomId', 'messages', 'hasMore']);
      expect(page.body).toMatchObject({ roomId, hasMore: true });
      expect(seqsOf(page.body.messages)).toEqual([3, 4, 5]);
      expect(page.body.messages[0]).toMatchObject({ text: 'page-3', seq: 3 });
      const forward = await get(`/api/rooms/${roomId}/messages?after=9&limit=3`);
      expect(forward).toMatchObject({ status: 200, cors: null, body: { hasMore: false } });
      expect(seqsOf(forward.body.messages)).toEqual([10, 11, 12]);
      expect((await get(`/api/rooms/${roomId}/messages`, 'https://evil.example')).cors).toBeNull();
      expect(await get(`/api/rooms/${run}-nowhere/messages`)).toMatchObject({ status: 404, body: { error: 'ROOM_NOT_FOUND' } });
      expect(await get(`/api/rooms/${roomId}/messages?limit=101`)).toMatchObject({ status: 400, body: { error: 'INVALID_REQUEST' } });
      expect(await get(`/api/rooms/${roomId}/messages?before=1&after=1`)).toMatchObject({ status: 400, body: { error: 'INVALID_REQUEST' } });
    });
  });
}
