import { join } from 'node:path';
import type { Frame, TestClient } from '@rgchat/testkit';
import { startAppProcess, type ListeningApp } from './app-process';
import { createRoom, greet, isMessage, joinRoom, openClient, roundTrip, within } from './chat-client';
import type { EndToEndContext } from './end-to-end-context';

/** Every feature this part exercises (issue #11: acks, delete, reactions, rooms). */
const FEATURES = ['acks', 'delete', 'reactions', 'rooms'];

/** Connects and says hello with `features`; resolves with the client and its welcome. */
export async function greetFeatured(url: string, name: string, features: readonly string[] = FEATURES, sessionId = `session-${name}`) {
  const client = await openClient(url);
  client.send({ type: 'hello', protocol: 'rg-chat-v1', sessionId, profile: { name, avatarId: 7 }, features });
  const welcome = await client.next('welcome');
  return { client, welcome, clientId: String(welcome['self']?.clientId) };
}

const send = (client: TestClient, roomId: string, text: string, clientMsgId?: string) =>
  client.send({ type: 'send_message', roomId, message: { type: 'message', text }, ...(clientMsgId === undefined ? {} : { clientMsgId }) });

export const ackFor = (client: TestClient, clientMsgId: string) =>
  client.waitFor((f) => f['type'] === 'ack' && f['clientMsgId'] === clientMsgId);

/** Frame types only the extensions add. */
const EXTENSION_TYPES = new Set(['ack', 'message_deleted', 'reaction', 'room_update']);

/**
 * The extensions acks, delete, reactions and rooms end to end, over real
 * sockets, on whichever transport and store `env` selects: a plain v1 client
 * beside a featured one (the v1 frames stay rg-chat-v1's), and idempotent
 * resends across a reconnect and a server restart.
 */
export function describeAcksDeleteReactionsRoomsEndToEnd({ env, run, dir }: EndToEndContext): void {
  // Room ids are this file's own: on Postgres every part of the suite shares one schema (e2e-extensions.ts has its own side-by-side room).
  describe('extensions: acks, delete, reactions, rooms', () => {
    const extEnv = () => ({
      SQLITE_PATH: join(dir(), 'extensions-acks', 'chat.db'),
      ...env,
      // Every e2e client is 127.0.0.1: lift the per-address limits with the per-connection ones.
      RATE_LIMIT_PER_SEC: '1000',
      RATE_LIMIT_BURST: '1000',
      RATE_LIMIT_PER_IP_PER_SEC: '100000',
      RATE_LIMIT_PER_IP_BURST: '100000',
      MAX_CONNECTIONS_PER_IP: '1000',
    });
    let app: ListeningApp | undefined;
    const server = async () => (app ??= await startAppProcess(extEnv(), dir()));

    test('a v1 client and a featured client side by side: acks, reactions and a deletion reach only the featured one; v1 frames unchanged', async () => {
      const { url } = await server();
      const roomId = `${run}-acks-side-by-side`;
      const v1 = await greet(url, 'plain');
      const fancy = await greetFeatured(url, 'fancy');
      expect(fancy.welcome['features']).toEqual(FEATURES);
      expect(fancy.welcome['rooms']).toEqual(expect.any(Array));
      await createRoom(v1.client, `${run} acks side by side`, roomId);
      fancy.client.send({ type: 'create_room', name: `${run} acks side by side` });
      expect(await fancy.client.next('room_update')).toEqual({ type: 'room_update', rooms: [expect.objectContaining({ id: roomId })], removed: [] });
      await joinRoom(v1.client, roomId);
      await joinRoom(fancy.client, roomId);

      send(fancy.client, roomId, 'acked line', 'c-1');
      const ack = await ackFor(fancy.client, 'c-1');
      expect(ack).toEqual({ type: 'ack', roomId, clientMsgId: 'c-1', id: expect.any(String), seq: 1, ts: expect.any(Number) });
      const atV1 = await v1.client.waitFor(isMessage(roomId, 'acked line'));
      expect(atV1).toEqual({
        type: 'message',
        roomId,
        message: { id: ack['id'], ts: ack['ts'], authorId: fancy.clientId, name: 'fancy', avatarId: 7, type: 'message', text: 'acked line' },
      });
      const atFancy = await fancy.client.waitFor(isMessage(roomId, 'acked line'));
      expect(atFancy['message']).toEqual({ ...atV1['message'], seq: 1 });

      fancy.client.send({ type: 'react', roomId, messageId: ack['id'], emoji: '👍', on: true });
      expect(await fancy.client.next('reaction')).toEqual({ type: 'reaction', roomId, messageId: ack['id'], emoji: '👍', count: 1, clientId: fancy.clientId, on: true });
      const viewer = await greetFeatured(url, 'viewer');
      const joined = await joinRoom(viewer.client, roomId);
      expect(joined['messages']).toEqual([{ ...atV1['message'], seq: 1, reactions: { '👍': 1 } }]);

      fancy.client.send({ type: 'delete_message', roomId, messageId: ack['id'] });
      expect(await fancy.client.next('message_deleted')).toEqual({ type: 'message_deleted', roomId, messageId: ack['id'], seq: 1 });
      expect(await viewer.client.next('message_deleted')).toEqual({ type: 'message_deleted', roomId, messageId: ack['id'], seq: 1 });
      // A v1 request of an extension is unknown to it.
      v1.client.send({ type: 'delete_message', roomId, messageId: ack['id'] });
      expect(await v1.client.next('error')).toMatchObject({ code: 'UNKNOWN_TYPE', requestType: 'delete_message' });
      await roundTrip(v1.client, 'settled');
      expect(v1.client.frames.filter((f) => EXTENSION_TYPES.has(String(f['type'])))).toEqual([]);
      expect(v1.client.rawFrames.some((t) => t.includes('"seq"') || t.includes('"features"'))).toBe(false);
      // The v1 client sees the deletion on its next join, and in the room's count.
      expect((await joinRoom(v1.client, roomId))['messages']).toEqual([]);

      fancy.client.send({ type: 'list_rooms', q: `${run} ACKS side BY` });
      const listed = await fancy.client.next('room_list');
      expect(listed['rooms']).toEqual([expect.objectContaining({ id: roomId, messageCount: 0 })]);
    });

    test('a resend of the same clientMsgId after a reconnect: one message, answered duplicate:true', async () => {
      const { url } = await server();
      const roomId = `${run}-reconnect`;
      const first = await greetFeatured(url, 'resender');
      await createRoom((await greet(url, 'maker')).client, `${run} reconnect`, roomId);
      await joinRoom(first.client, roomId);
      send(first.client, roomId, 'only once', 'resend-1');
      const original = await ackFor(first.client, 'resend-1');
      first.client.terminate();
      await within(first.client.closed, 5000, 'the first socket to drop');

      const again = await greetFeatured(url, 'resender');
      await joinRoom(again.client, roomId);
      send(again.client, roomId, 'only once', 'resend-1');
      expect(await ackFor(again.client, 'resend-1')).toEqual({ ...original, duplicate: true });
      await roundTrip(again.client, 'after-resend');
      expect(again.client.frames.filter(isMessage(roomId))).toEqual([]);
      const history = (await joinRoom((await greet(url, 'checker')).client, roomId))['messages'] as Frame[];
      expect(history.map((m) => m['text'])).toEqual(['only once']);
      // Another person's same clientMsgId is theirs, not a duplicate.
      const other = await greetFeatured(url, 'someone-else');
      await joinRoom(other.client, roomId);
      send(other.client, roomId, 'mine', 'resend-1');
      expect(await ackFor(other.client, 'resend-1')).not.toHaveProperty('duplicate');
    });

    test('a resend of the same clientMsgId after a server restart: still one message, duplicate:true', async () => {
      const first = await server();
      const roomId = `${run}-restart`;
      const a = await greetFeatured(first.url, 'restarter');
      a.client.send({ type: 'create_room', name: `${run} restart` });
      await a.client.next('room_update');
      await joinRoom(a.client, roomId);
      send(a.client, roomId, 'before restart', 'restart-1');
      const original = await ackFor(a.client, 'restart-1');
      first.signal('SIGTERM');
      expect(await within(first.exited, 10_000, 'the app to exit')).toEqual({ code: 0, signal: null });
      app = undefined;

      const second = await server();
      const b = await greetFeatured(second.url, 'restarter');
      await joinRoom(b.client, roomId);
      send(b.client, roomId, 'before restart', 'restart-1');
      expect(await ackFor(b.client, 'restart-1')).toEqual({ ...original, duplicate: true });
      const history = (await joinRoom((await greet(second.url, 'checker')).client, roomId))['messages'] as Frame[];
      expect(history.map((m) => m['text'])).toEqual(['before restart']);
      // And the next new message takes the next seq.
      send(b.client, roomId, 'after restart', 'restart-2');
      expect(await ackFor(b.client, 'restart-2')).toMatchObject({ seq: 2 });
    });
  });
}
