import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expectUpgradeStatus, type Frame } from '@rgchat/testkit';
import { ONE_ADDRESS_ENV, startAppProcess, stopAllApps, type ListeningApp } from './support/app-process';
import { buildProjects, REPO_ROOT } from './support/build-app';
import { createRoom, dropClients, greet, helloFrame, isMessage, joinRoom, openClient, roundTrip } from './support/chat-client';
import { eventually } from './support/multi-instance';
import { describePostgres, dropSchema, freshSchema, postgresEnv } from './support/postgres-env';

const TOKEN = 'test-admin-token-0123456789abcdef';
const ADMIN_CLI = join(REPO_ROOT, 'packages/cli/dist/admin.js');

/** Requests the admin API of `app` with the token (or `token`). */
async function admin(app: ListeningApp, method: string, path: string, token: string | null = TOKEN): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${app.httpUrl}${path}`, { method, headers: token === null ? {} : { authorization: `Bearer ${token}` } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** A client as if from `address` (the instances trust X-Forwarded-For, as behind a load balancer). */
const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });

/**
 * Issue #14, moderation: the admin API behind ADMIN_TOKEN on two instances
 * sharing one Postgres. Bans, deletes and kicks made on one instance act on
 * the other's clients; everything is logged with who asked.
 */
describePostgres('end to end: moderation across two instances', () => {
  const schema = freshSchema();
  let dir = '';
  let a: ListeningApp;
  let b: ListeningApp;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rgchat-moderation-'));
    await buildProjects('packages/app', 'packages/cli');
    const env = {
      ...postgresEnv(schema),
      ADMIN_TOKEN: TOKEN,
      TRUST_PROXY: 'true',
      FEATURES: 'delete',
      ...ONE_ADDRESS_ENV,
    };
    a = await startAppProcess(env, dir);
    b = await startAppProcess(env, dir);
  }, 180_000);

  afterEach(() => dropClients());

  afterAll(async () => {
    await stopAllApps();
    await dropSchema(schema);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('no token or a wrong one: 401 with a Bearer challenge, nothing done, the failure logged without the token', async () => {
    const none = await admin(a, 'GET', '/admin/rooms', null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="rgchat-admin"');
    expect((await admin(a, 'GET', '/admin/rooms', TOKEN.slice(0, -1))).status).toBe(401);
    expect((await admin(a, 'POST', '/admin/bans?cidr=10.0.0.0/8', 'x'.repeat(TOKEN.length))).status).toBe(401);
    expect((await admin(a, 'GET', '/admin/bans')).body).toEqual({ bans: [] });
    const line = await a.waitForLog((l) => l['msg'] === 'admin API: authentication failed');
    expect(JSON.stringify(a.logs)).not.toContain(TOKEN);
    expect(line['remoteAddress']).toBe('127.0.0.1');
  });

  test('a ban made on one instance closes the address on the other, refuses its upgrades (403) on both, and lifts on either', async () => {
    const bad = await greet(b.url, 'spammer', from('203.0.113.9'));
    const good = await greet(b.url, 'regular', from('198.51.100.1'));
    const made = await admin(a, 'POST', `/admin/bans?cidr=${encodeURIComponent('203.0.113.0/24')}&minutes=30&reason=flood`);
    expect(made.status).toBe(201);
    expect(made.body.ban).toMatchObject({ cidr: '203.0.113.0/24', reason: 'flood' });
    expect((await bad.client.closed).code).toBe(1008);
    await roundTrip(good.client, 'still here');
    expect(await expectUpgradeStatus(b.url, { 'x-forwarded-for': '203.0.113.200' })).toBe(403);
    expect(await expectUpgradeStatus(a.url, { 'x-forwarded-for': '203.0.113.9' })).toBe(403);
    expect((await admin(b, 'GET', '/admin/bans')).body.bans.map((x: Frame) => x['id'])).toEqual([made.body.ban.id]);
    const logged = await a.waitForLog((l) => l['msg'] === 'admin: ban');
    expect(logged).toMatchObject({ cidr: '203.0.113.0/24', minutes: 30, remoteAddress: '127.0.0.1' });

    expect((await admin(b, 'DELETE', `/admin/bans/${made.body.ban.id}`)).status).toBe(200);
    expect((await admin(b, 'DELETE', `/admin/bans/${made.body.ban.id}`)).status).toBe(404);
    await eventually('the lifted ban lets the address in on A', async () => (await expectUpgradeStatus(a.url, { 'x-forwarded-for': '203.0.113.9' })) === 101, 5000);
    expect((await admin(a, 'POST', '/admin/bans?cidr=nonsense')).status).toBe(400);
    expect((await admin(a, 'POST', '/admin/bans?cidr=10.0.0.1&minutes=0')).status).toBe(400);
  });

  test("deleting anyone's message on A reaches B's delete members; v1 members see it gone on their next join; the room lists and who-is-here", async () => {
    const author = await greet(b.url, 'author', from('198.51.100.2'));
    await createRoom(author.client, 'Moderated', 'moderated');
    await joinRoom(author.client, 'moderated');
    const watcher = await openClient(b.url, from('198.51.100.3'));
    watcher.send(helloFrame('watcher', { features: ['delete'] }));
    await watcher.next('welcome');
    await joinRoom(watcher, 'moderated');
    const onA = await greet(a.url, 'on-a', from('198.51.100.4'));
    await joinRoom(onA.client, 'moderated');
    author.client.send({ type: 'send_message', roomId: 'moderated', message: { type: 'message', text: 'buy pills' } });
    const msg = (await watcher.waitFor(isMessage('moderated', 'buy pills')))['message'] as Frame;

    expect((await admin(a, 'GET', '/admin/rooms/moderated/connections')).status).toBe(200);
    await eventually('A lists all three', async () => (await admin(a, 'GET', '/admin/rooms/moderated/connections')).body.connections.length === 3, 5000);
    const list = (await admin(a, 'GET', '/admin/rooms/moderated/connections')).body.connections as Frame[];
    expect(list.find((c) => c['clientId'] === onA.clientId)).toMatchObject({ name: 'on-a', remoteAddress: '198.51.100.4', here: true });
    expect(list.find((c) => c['clientId'] === author.clientId)).toMatchObject({ name: 'author', remoteAddress: null, here: false });
    const rooms = (await admin(b, 'GET', '/admin/rooms')).body.rooms as Frame[];
    expect(rooms.find((r) => r['id'] === 'moderated')).toMatchObject({ messageCount: 1 });

    const del = await admin(a, 'DELETE', `/admin/rooms/moderated/messages/${msg['id']}`);
    expect(del.status).toBe(200);
    expect(await watcher.waitFor((f) => f['type'] === 'message_deleted')).toMatchObject({ roomId: 'moderated', messageId: msg['id'] });
    expect((await admin(a, 'DELETE', `/admin/rooms/moderated/messages/${msg['id']}`)).status).toBe(404);
    const rejoin = await joinRoom(author.client, 'moderated');
    expect(rejoin['messages']).toEqual([]);
    expect(await a.waitForLog((l) => l['msg'] === 'admin: delete message')).toMatchObject({ roomId: 'moderated', outcome: 'deleted' });

    // Kick from A the author connected to B.
    expect((await admin(a, 'DELETE', `/admin/connections/${author.clientId}`)).status).toBe(202);
    expect((await author.client.closed).code).toBe(1008);

    // Delete the room from B: gone from A's list too.
    expect((await admin(b, 'DELETE', '/admin/rooms/moderated')).status).toBe(200);
    await eventually(
      'the room is gone from A',
      async () => {
        const res = (await (await fetch(`${a.httpUrl}/api/rooms`)).json()) as { rooms: Frame[] };
        return !res.rooms.some((r) => r['id'] === 'moderated');
      },
      5000,
    );
    expect((await admin(b, 'DELETE', '/admin/rooms/moderated')).status).toBe(404);
    expect((await admin(a, 'GET', '/admin/nothing-here')).status).toBe(404);
    expect((await admin(a, 'POST', '/admin/rooms')).status).toBe(405);
  });

  test('rgchat-admin wraps the API: ban, bans, unban, rooms; a wrong token exits 1, a bad command line 2', async () => {
    const run = (args: string[], token = TOKEN) =>
      promisify(execFile)(process.execPath, [ADMIN_CLI, '--url', a.httpUrl, ...args], { env: { PATH: process.env['PATH'] ?? '', RGCHAT_ADMIN_TOKEN: token } }).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );
    const banned = await run(['ban', '192.0.2.0/24', '--minutes', '5', '--reason', 'cli test']);
    expect(banned).toMatchObject({ code: 0 });
    expect(banned.stdout).toMatch(/^banned 192\.0\.2\.0\/24 until \S+ \((ban_\S+)\)/);
    const id = /\((ban_\S+)\)/.exec(banned.stdout)![1]!;
    const list = await run(['bans']);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+192\\.0\\.2\\.0/24\\s+\\S+\\s+cli test`));
    const json = await run(['--json', 'bans']);
    expect(JSON.parse(json.stdout).bans.map((x: Frame) => x['id'])).toEqual([id]);
    expect((await run(['unban', id])).stdout.trim()).toBe(`lifted ${id}`);
    expect(await run(['unban', id])).toMatchObject({ code: 1, stderr: expect.stringMatching(/404 NOT_FOUND/) });
    expect((await run(['rooms'])).code).toBe(0);
    expect(await run(['rooms'], 'wrong-token-wrong-token-wrong')).toMatchObject({ code: 1, stderr: expect.stringMatching(/401 UNAUTHORIZED/) });
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['ban'])).code).toBe(2);
  });
});

describe('end to end: without ADMIN_TOKEN there is no admin API', () => {
  afterAll(() => stopAllApps());

  test('/admin/ is a plain 404 for everyone, token or not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rgchat-noadmin-'));
    try {
      await buildProjects('packages/app');
      const app = await startAppProcess({ SQLITE_PATH: join(dir, 'chat.db') }, dir);
      expect((await admin(app, 'GET', '/admin/rooms')).status).toBe(404);
      expect((await admin(app, 'GET', '/admin/rooms', null)).status).toBe(404);
      const started = await app.waitForLog((l) => l['msg'] === 'starting rgchat');
      expect(started['config']).toMatchObject({ adminApi: 'off' });
    } finally {
      await stopAllApps();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
