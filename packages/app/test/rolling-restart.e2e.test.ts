import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { waitUntil } from '@rgchat/testkit';
import { connect, type ChatClient, type Message, type SendReceipt } from '@rgchat/client';
import { ONE_ADDRESS_ENV, startAppProcess, stopAllApps, type ListeningApp } from './support/app-process';
import { buildApp } from './support/build-app';
import { startHealthBalancer, type HealthBalancer } from './support/health-balancer';
import { describePostgres, dropSchema, freshSchema, postgresEnv } from './support/postgres-env';

const DRAIN_MS = 1500;
const CLIENTS = 12;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Issue #14, rolling restarts: two instances on one Postgres behind a
 * balancer that follows /healthz. One instance is restarted (SIGUSR2) while
 * every client keeps sending: its /healthz is 503 at once, its clients are
 * let go over DRAIN_MS (not in the same second), come back through the
 * balancer to the other instance, and nothing acknowledged is lost or doubled.
 */
describePostgres('end to end: a rolling restart of one of two instances under load', () => {
  const schema = freshSchema();
  let dir = '';
  let env: Record<string, string>;
  let a: ListeningApp;
  let b: ListeningApp;
  let lb: HealthBalancer;
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rgchat-rolling-'));
    await buildApp();
    env = {
      ...postgresEnv(schema),
      DRAIN_MS: String(DRAIN_MS),
      SHUTDOWN_TIMEOUT_MS: '6000',
      ...ONE_ADDRESS_ENV,
    };
    a = await startAppProcess(env, dir);
    b = await startAppProcess(env, dir);
    lb = await startHealthBalancer([a.port, b.port]);
  }, 180_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await lb?.close();
    await stopAllApps();
    await dropSchema(schema);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('healthz 503 at once, closes spread over DRAIN_MS, everyone back on the other instance, every acked message stored once', async () => {
    const reconnectedAt = new Map<number, number>();
    for (let i = 0; i < CLIENTS; i++) {
      const c = connect({ url: lb.url, profile: { name: `u${i}`, avatarId: i }, WebSocket, reconnect: { minDelayMs: 50, maxDelayMs: 300 } });
      c.on('state', (s) => s === 'reconnecting' && !reconnectedAt.has(i) && reconnectedAt.set(i, Date.now()));
      clients.push(c);
      await c.ready;
    }
    expect([...lb.routed.values()]).toEqual([CLIENTS / 2, CLIENTS / 2]);
    const room = await clients[0]!.createRoom('rolling');
    for (const c of clients) await c.join(room.id);

    // Everyone talks, every 150 ms, through the whole restart.
    let talking = true;
    const receipts: Array<Promise<SendReceipt>> = [];
    const talkers = clients.map(async (c, i) => {
      for (let n = 0; talking; n++) {
        receipts.push(c.send(`u${i} #${n}`));
        await sleep(150);
      }
    });
    await sleep(500);

    a.signal('SIGUSR2');
    const stopping = await a.waitForLog((l) => l['msg'] === 'stopping', 5000);
    expect(stopping['code']).toBe(1012);
    // /healthz is 503 while the instance still has clients to let go.
    const health = await fetch(`${a.httpUrl}/healthz`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { status: string }).status).toBe('stopping');
    expect(await a.exited).toMatchObject({ code: 0 });
    const drained = a.logs.find((l) => l['msg'] === 'requests drained');
    expect(drained?.['connections']).toBe(CLIENTS / 2);

    // A's six clients left over the window, not at once (the i-th at i x DRAIN_MS / 6).
    const times = [...reconnectedAt.values()].sort((x, y) => x - y);
    expect(times).toHaveLength(CLIENTS / 2);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(DRAIN_MS / 2);

    await waitUntil(() => clients.every((c) => c.state === 'open'), 'every client open again', 10_000);
    expect(lb.routed.get(b.port)).toBe(CLIENTS);
    await sleep(500);
    talking = false;
    await Promise.all(talkers);
    const acked = await Promise.all(receipts);

    // Every acknowledged message is stored exactly once, and every client's view is the whole room.
    const stored: Message[] = [];
    for (let after = 0; ; ) {
      const page = (await (await fetch(`${b.httpUrl}/api/rooms/${room.id}/messages?after=${after}&limit=100`)).json()) as { messages: Message[]; hasMore: boolean };
      stored.push(...page.messages);
      if (!page.hasMore) break;
      after = page.messages.at(-1)!.seq;
    }
    expect(new Set(acked.map((r) => r.id)).size).toBe(acked.length);
    expect(stored.map((m) => m.id).sort()).toEqual(acked.map((r) => r.id).sort());
    expect(acked.filter((r) => r.duplicate).length).toBeLessThanOrEqual(CLIENTS / 2);
    await waitUntil(() => clients.every((c) => c.messages.length === stored.length), 'every view complete', 10_000);
    for (const c of clients) expect(c.messages.map((m) => m.seq)).toEqual(stored.map((m) => m.seq));

    // The restarted instance comes back on its port and the balancer routes to it again.
    a = await startAppProcess({ ...env, PORT: String(a.port) }, dir);
    await waitUntil(() => lb.healthy.length === 2, 'both healthy again', 10_000);
  }, 60_000);
});
