import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { waitUntil } from '@rgchat/testkit';
import { connect, ChatRequestError, type ChatClient, type ClientState, type Message } from '@rgchat/client';
import { ONE_ADDRESS_ENV, startAppProcess, stopAllApps, type ListeningApp } from '../../app/test/support/app-process';
import { buildApp } from '../../app/test/support/build-app';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';

/**
 * The SDK against the real server process (SQLite in a temp dir), every
 * client on a real socket; one of them through a TCP proxy the test cuts.
 */
let dir = '';
let app: ListeningApp;
const clients: ChatClient[] = [];
const proxies: TcpProxy[] = [];

const client = (name: string, opts: Partial<Parameters<typeof connect>[0]> = {}): ChatClient => {
  const c = connect({ url: app.url, profile: { name, avatarId: 7 }, WebSocket, reconnect: { minDelayMs: 50, maxDelayMs: 400 }, ...opts });
  clients.push(c);
  return c;
};

const texts = (ms: readonly Message[]) => ms.map((m) => m.text);

/** The room's full stored history, paged over HTTP (the server's truth). */
async function storedHistory(roomId: string): Promise<Message[]> {
  const out: Message[] = [];
  let before: number | undefined;
  for (;;) {
    const q = before === undefined ? 'limit=100' : `limit=100&before=${before}`;
    const page = (await (await fetch(`${app.httpUrl}/api/rooms/${roomId}/messages?${q}`)).json()) as { messages: Message[]; hasMore: boolean };
    out.unshift(...page.messages);
    if (!page.hasMore || !page.messages.length) return out;
    before = page.messages[0]!.seq;
  }
}

const serverEnv = () => ({
  SQLITE_PATH: join(dir, 'chat.db'),
  ...ONE_ADDRESS_ENV,
  ROOM_CREATES_PER_IP_PER_HOUR: '1000',
  PRESENCE_INTERVAL_MS: '50',
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rgchat-sdk-'));
  await buildApp();
  app = await startAppProcess(serverEnv(), dir);
}, 180_000);

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const p of proxies.splice(0)) await p.close();
});

afterAll(async () => {
  await stopAllApps();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('SDK against the real server', () => {
  test('ready, create, join, send and receive: send resolves once stored, with id and seq', async () => {
    const a = client('alice');
    const b = client('bob');
    const self = await a.ready;
    await b.ready;
    expect(self.name).toBe('alice');
    expect(a.features).toEqual(['history', 'recovery', 'acks', 'presence', 'typing', 'delete', 'reactions', 'rooms']);
    const room = await a.createRoom('SDK Basics');
    expect(room.id).toBe('sdk-basics');
    await a.join(room.id);
    await b.join(room.id);
    const got: Message[] = [];
    b.on('message', (m) => got.push(m));
    const receipt = await a.send('hello @bob');
    expect(receipt.seq).toBe(1);
    expect(receipt.duplicate).toBeUndefined();
    const emote = await a.send('waves', { emote: true });
    expect(emote.seq).toBe(2);
    await waitUntil(() => got.length === 2, 'two messages at b', 5000);
    expect(got.map((m) => [m.id, m.seq, m.type, m.text])).toEqual([
      [receipt.id, 1, 'message', 'hello @bob'],
      [emote.id, 2, 'emote', 'waves'],
    ]);
    expect(texts(a.messages)).toEqual(['hello @bob', 'waves']);
    await waitUntil(() => b.rooms.find((r) => r.id === room.id)?.messageCount === 2, 'room list count', 5000);
  });

  test('errors reject the request with the server code; the client stays usable', async () => {
    const a = client('carol');
    await a.ready;
    await expect(a.join('no-such-room')).rejects.toMatchObject({ code: 'ROOM_NOT_FOUND', requestType: 'join_room' });
    await expect(a.send('nowhere')).rejects.toMatchObject({ code: 'NOT_IN_ROOM' });
    await expect(a.setProfile({ name: 'two words' })).rejects.toBeInstanceOf(ChatRequestError);
    const room = await a.createRoom('errors');
    await a.join(room.id);
    await expect(a.send('x'.repeat(5000))).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    expect((await a.send('still fine')).seq).toBe(1);
    expect((await a.setProfile({ name: 'carol2' })).name).toBe('carol2');
  });

  test('history pages older messages into the view; presence, typing, delete and reactions', async () => {
    const a = client('dave');
    const b = client('erin');
    await Promise.all([a.ready, b.ready]);
    const room = await a.createRoom('features');
    await a.join(room.id);
    for (let i = 1; i <= 12; i++) await a.send(`m${i}`);
    const joined = await b.join(room.id);
    expect(joined.messages).toHaveLength(12);
    const page = await b.history({ before: 5, limit: 3 });
    expect(texts(page.messages)).toEqual(['m2', 'm3', 'm4']);
    expect(page.hasMore).toBe(true);

    await waitUntil(() => a.members.length === 2, 'a sees two members', 5000);
    expect(a.members.map((m) => m.name).sort()).toEqual(['dave', 'erin']);

    const typists: string[][] = [];
    a.on('typing', (t) => typists.push(t.map((x) => x.name)));
    b.typing(true);
    await waitUntil(() => typists.some((t) => t.includes('erin')), 'typing relayed', 5000);
    await b.send('done typing');
    await waitUntil(() => a.typists.length === 0, 'typing cleared by the send', 5000);

    const target = a.messages.find((m) => m.text === 'm12')!;
    await b.react(target.id, '👍', true);
    await waitUntil(() => a.messages.find((m) => m.id === target.id)?.reactions?.['👍'] === 1, 'reaction at a', 5000);
    await b.react(target.id, '👍', true); // a repeat changes nothing and is still answered
    await expect(b.react(target.id, 'not an emoji', true)).rejects.toMatchObject({ code: 'INVALID_REACTION' });

    await expect(b.deleteMessage(target.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await a.deleteMessage(target.id);
    await waitUntil(() => !b.messages.some((m) => m.id === target.id), 'deleted at b', 5000);
    expect((await storedHistory(room.id)).some((m) => m.id === target.id)).toBe(false);
  });

  test('a connection cut mid-conversation heals: the message list equals the stored history, sends while away arrive once each', async () => {
    const proxy = await startTcpProxy(app.port);
    proxies.push(proxy);
    const sender = client('frank');
    const victim = client('gina', { url: proxy.url });
    await Promise.all([sender.ready, victim.ready]);
    const room = await sender.createRoom('resilience');
    await sender.join(room.id);
    await victim.join(room.id);
    const states: ClientState[] = [];
    victim.on('state', (s) => states.push(s));

    // Someone keeps talking the whole time.
    let talking = true;
    let said = 0;
    const talk = (async () => {
      while (talking) {
        await sender.send(`live ${++said}`);
        await new Promise((r) => setTimeout(r, 40));
      }
    })();
    await waitUntil(() => victim.messages.length >= 5, 'victim hears the talk', 5000);

    // Cut, keep the server unreachable for a while, send meanwhile.
    proxy.refusing = true;
    proxy.cut();
    await waitUntil(() => victim.state === 'reconnecting', 'reconnecting', 5000);
    const away = [victim.send('sent while away 1'), victim.send('sent while away 2')];
    await new Promise((r) => setTimeout(r, 600));
    proxy.refusing = false;
    const receipts = await Promise.all(away);
    expect(receipts.every((r) => r.duplicate === undefined)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    talking = false;
    await talk;
    const stored = await storedHistory(room.id);
    await waitUntil(() => victim.messages.length === stored.length, 'victim caught up', 5000);
    expect(victim.messages.map((m) => m.seq)).toEqual(stored.map((m) => m.seq));
    expect(stored.filter((m) => m.text.startsWith('sent while away')).map((m) => m.text)).toEqual(['sent while away 1', 'sent while away 2']);
    expect(states).toContain('reconnecting');
    expect(victim.state).toBe('open');
    expect(proxy.accepted).toBeGreaterThan(1);
  });

  test('an ack lost on the way back: the re-send after the reconnect is answered duplicate, the message stored once', async () => {
    const proxy = await startTcpProxy(app.port);
    proxies.push(proxy);
    const a = client('hank', { url: proxy.url });
    await a.ready;
    const room = await a.createRoom('lost-ack');
    await a.join(room.id);
    proxy.swallowDownstream = true;
    // The server stores it and answers; the answer never arrives.
    const sending = a.send('only once');
    let stored: Message[] = [];
    const start = Date.now();
    while (!(stored = await storedHistory(room.id)).length && Date.now() - start < 5000) await new Promise((r) => setTimeout(r, 20));
    expect(texts(stored)).toEqual(['only once']);
    proxy.swallowDownstream = false;
    proxy.cut();
    const receipt = await sending;
    expect(receipt.duplicate).toBe(true);
    expect(receipt.id).toBe(stored[0]!.id);
    expect(texts(await storedHistory(room.id))).toEqual(['only once']);
    await waitUntil(() => a.messages.length === 1, 'the view holds it once', 5000);
  });

  test('a client opened with roomId resumes it; after a cut it gets exactly what it missed', async () => {
    const a = client('ivy');
    await a.ready;
    const room = await a.createRoom('resume');
    await a.join(room.id);
    await a.send('before the cut');
    const proxy = await startTcpProxy(app.port);
    proxies.push(proxy);
    const b = client('jack', { url: proxy.url, roomId: room.id });
    await b.ready;
    await waitUntil(() => b.roomId === room.id, 'resumed on connect', 5000);
    expect(texts(b.messages)).toEqual(['before the cut']);
    const fresh: string[] = [];
    b.on('message', (m) => fresh.push(m.text));
    proxy.refusing = true;
    proxy.cut();
    await waitUntil(() => b.state === 'reconnecting', 'the state to change', 5000);
    await a.send('during');
    proxy.refusing = false;
    await waitUntil(() => b.state === 'open' && b.messages.length === 2, 'resumed after the cut', 10_000);
    expect(texts(b.messages)).toEqual(['before the cut', 'during']);
    // Recovered exactly: the missed message came as a message event, not a reset.
    expect(fresh).toEqual(['during']);
  });

  test('close() is final: pending requests and unsent messages reject with CLOSED', async () => {
    const proxy = await startTcpProxy(app.port);
    proxies.push(proxy);
    const a = client('kim', { url: proxy.url });
    await a.ready;
    const room = await a.createRoom('closing');
    await a.join(room.id);
    proxy.refusing = true;
    proxy.cut();
    await waitUntil(() => a.state === 'reconnecting', 'the state to change', 5000);
    const unsent = a.send('never');
    a.close();
    await expect(unsent).rejects.toMatchObject({ code: 'CLOSED' });
    expect(a.state).toBe('closed');
    expect((await storedHistory(room.id)).length).toBe(0);
  });

  test('a server restart: the client reconnects by itself, resumes its room and sends what was typed meanwhile', async () => {
    const a = client('lena', { reconnect: { minDelayMs: 100, maxDelayMs: 300 } });
    await a.ready;
    const room = await a.createRoom('restart');
    await a.join(room.id);
    await a.send('before the restart');
    const port = app.port;
    app.signal('SIGTERM');
    await app.exited;
    await waitUntil(() => a.state === 'reconnecting', 'the state to change', 5000);
    const meanwhile = a.send('typed while the server was down');
    app = await startAppProcess({ ...serverEnv(), PORT: String(port) }, dir);
    const receipt = await meanwhile;
    expect(receipt.seq).toBe(2);
    expect(a.state).toBe('open');
    expect(a.roomId).toBe(room.id);
    expect(texts(a.messages)).toEqual(['before the restart', 'typed while the server was down']);
  }, 30_000);
});

