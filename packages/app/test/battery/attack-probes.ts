import { waitUntil, type Frame } from '@rgchat/testkit';
import { openSqliteStore } from '@rgchat/store-sqlite';
import { fragmentFlood } from '@rgchat/bench';
import { junkFrames } from '@rgchat/bench';
import { openRawWebSocket, type RawWebSocket } from '@rgchat/bench';
import { roomFlood, roomRecreate } from '@rgchat/bench';
import { ungreeted } from '@rgchat/bench';
import { greet } from '../support/chat-client';
import { errorFrames } from './attack-window';
import { HONEST_ADDRESS, startBatteryApp } from './battery-app';
import { pacedJoins } from './paced-joins';
import type { Figures } from './figures';
import { expectServerHeld, MiB, probeUnderAttack } from './probe-run';
import { seedRooms } from './seed-store';

/**
 * Defaults of limits being built for issue #10 (helpers G and H), as their
 * env names describe them; the probes hold the shipped defaults to them.
 */
const ABUSE_STRIKES = 30;
const ROOM_CREATES_PER_IP_PER_HOUR = 30;
const ROOM_LIST_LIMIT = 200;
const ROOM_LIST_BYTES_PER_SEC = 65_536;
const MAX_CONNECTIONS_PER_IP = 50;

const closeCodesOf = (closeCodes: Record<string, number>) => Object.keys(closeCodes).sort();

/** Issue #10's findings 1-4 and the connection-level holes of 7, each as an attack beside an honest client. */
export function describeAttackProbes(transport: 'ws' | 'uws', env: Readonly<Record<string, string>>, figures: Figures): void {
  test('finding 1: a fragment flood from 200 connections adds < 64 MiB of RSS; flooders are closed (ws: 1008/1009)', async () => {
    const app = await startBatteryApp(env);
    const r = await probeUnderAttack(app, { name: 'fragment-flood', round: fragmentFlood, attackers: 200, durationMs: 2000 }, figures);
    expectServerHeld(r);
    // Bounded, a flooder holds at most a few KiB of fragments (ws: maxFragments)
    // or one max payload (64 KiB, uWS) plus its socket's buffers: 200 of them
    // stay well under 64 MiB (and MAX_CONNECTIONS_PER_IP admits only 50).
    // Unbounded, each pinned ~1.85 MB: 200 took ~370 MB.
    expect({ rssGrowthMiB: Math.round((r.rssPeakBytes - r.rssBeforeBytes) / MiB) }).toEqual({ rssGrowthMiB: expect.any(Number) });
    expect(r.rssPeakBytes - r.rssBeforeBytes).toBeLessThan(64 * MiB);
    if (transport === 'ws') {
      expect(r.stats.closedByServer).toBeGreaterThan(0);
      for (const code of closeCodesOf(r.stats.closeCodes)) expect(['1008', '1009']).toContain(code);
    }
  }, 60_000);

  test('finding 2: junk frames (bad JSON, 1 KiB unknown types) get their senders closed with 1008 and logged; errors stay few', async () => {
    const app = await startBatteryApp(env);
    const r = await probeUnderAttack(app, { name: 'junk-frames', round: junkFrames, attackers: 4, durationMs: 2000 }, figures);
    expectServerHeld(r);
    // Every round but an attacker's last was closed by the server; the last one may have
    // begun just before the window ended (under a loaded CI machine it then has not sent
    // ABUSE_STRIKES frames yet), so at most one open connection per attacker.
    expect(r.stats.openAtEnd).toBeLessThanOrEqual(r.stats.attackers);
    expect(r.stats.closedByServer).toBeGreaterThanOrEqual(4);
    expect(closeCodesOf(r.stats.closeCodes)).toEqual(['1008']);
    // At most one error per strike before the close, plus a RATE_LIMITED or two.
    expect(errorFrames(r.stats)).toBeLessThanOrEqual(r.stats.connections * (ABUSE_STRIKES + 2));
    // Logged at warn with the offender's address (never the frames' content); the
    // child's log lines arrive through a pipe, so give them a moment.
    await waitUntil(
      () => app.logs.some((l) => ['warn', 'error', 'fatal'].includes(String(l['level'])) && JSON.stringify(l).includes('127.0.0.1')),
      'the abusive connection is logged at warn with its address',
      5000,
    );
  }, 60_000);

  test('finding 3a: a room-create flood creates at most ROOM_CREATES_PER_IP_PER_HOUR rooms; list pushes stay within ROOM_LIST_BYTES_PER_SEC', async () => {
    const app = await startBatteryApp(env);
    const r = await probeUnderAttack(app, { name: 'room-flood', round: roomFlood, attackers: 10, durationMs: 2000 }, figures);
    expectServerHeld(r);
    const store = await openSqliteStore({ path: app.sqlitePath });
    const created = (await store.listRooms()).filter((room) => room.id !== 'honest-room-flood').length;
    await store.close();
    expect({ created, refusedAsRateLimited: (r.stats.errorsByCode['RATE_LIMITED'] ?? 0) > 0 }).toEqual({
      created: expect.any(Number),
      refusedAsRateLimited: true,
    });
    expect(created).toBeLessThanOrEqual(ROOM_CREATES_PER_IP_PER_HOUR);
    expect(r.honest.roomListBytes).toBeLessThanOrEqual(ROOM_LIST_BYTES_PER_SEC * (Math.ceil(r.honest.elapsedS) + 2));
  }, 60_000);

  test('finding 3b: with 2000 rooms, lists carry <= ROOM_LIST_LIMIT; a prompt reader bursting 30 creates is not dropped; a recreate flood leaves others served', async () => {
    const app = await startBatteryApp(env, seedRooms({ emptyRooms: 2000 }));
    const fresh = await greet(app.url, 'fresh', { headers: { 'X-Forwarded-For': HONEST_ADDRESS } });
    expect((fresh.welcome['rooms'] as Frame[]).length).toBeLessThanOrEqual(ROOM_LIST_LIMIT);

    const burst = (await greet(app.url, 'burst', { headers: { 'X-Forwarded-For': '198.51.100.9' } })).client;
    const from = burst.frames.length;
    for (let i = 0; i < 30; i++) burst.send({ type: 'create_room', name: 'seeded 1' });
    // Every frame and every byte of answer is paid for (issue #10): the burst gets
    // room lists while its bucket lasts and then one quiet RATE_LIMITED, never a
    // close for reading "slowly" what it asked for, and it is served again later.
    const answers = () => burst.frames.slice(from).filter((f) => f['type'] === 'room_list' || f['type'] === 'error');
    await waitUntil(() => answers().length > 0 || burst.isClosed, 'the burst is answered', 15_000);
    await new Promise((res) => setTimeout(res, 1000));
    expect({ closed: burst.isClosed, lists: answers().some((f) => f['type'] === 'room_list') }).toEqual({ closed: false, lists: true });
    for (const f of answers()) {
      if (f['type'] === 'room_list') expect((f['rooms'] as Frame[]).length).toBeLessThanOrEqual(ROOM_LIST_LIMIT);
      else expect(f['code']).toBe('RATE_LIMITED');
    }
    // One ping every 500 ms: slower than both the refill and the strikes' drain.
    const before = burst.frames.length;
    const served = () => burst.frames.slice(before).some((f) => f['type'] === 'pong');
    for (let i = 0; i < 30 && !served() && !burst.isClosed; i++) {
      burst.send({ type: 'ping', ts: i });
      await new Promise((res) => setTimeout(res, 500));
    }
    expect({ closed: burst.isClosed, served: served() }).toEqual({ closed: false, served: true });
    figures.record({ inputs: 31, crashes: 0, lost: 0, pingLatenciesMs: [] });

    const r = await probeUnderAttack(app, { name: 'room-recreate', round: roomRecreate, attackers: 10, durationMs: 2000 }, figures);
    expectServerHeld(r);
    expect(r.honest.roomListBytes).toBeLessThanOrEqual(ROOM_LIST_BYTES_PER_SEC * (Math.ceil(r.honest.elapsedS) + 2));
  }, 90_000);

  test('finding 4: join amplification (20 connections joining two 500-message rooms at 9/s each) is throttled to < 4 MiB/s of answers', async () => {
    const fullRooms = ['full-0', 'full-1'];
    const app = await startBatteryApp(env, seedRooms({ fullRooms }));
    const durationMs = 2000;
    const r = await probeUnderAttack(app, { name: 'join-amplify', round: pacedJoins, attackers: 20, durationMs, fullRooms }, figures);
    expectServerHeld(r);
    // Each join answers ~215 KB; paid in proportion (COST_BYTES_PER_TOKEN) from
    // the connection's and the address's buckets (RATE_LIMIT_PER_IP_*: 40/s,
    // burst 100) that is a few joins a second from one address, ~1 MiB/s; the
    // issue measured 38-46 MiB/s unthrottled.
    const mibPerSec = r.stats.bytesReceived / MiB / (durationMs / 1000);
    expect({ mibPerSec: Math.round(mibPerSec * 10) / 10 }).toEqual({ mibPerSec: expect.any(Number) });
    expect(mibPerSec).toBeLessThan(4);
  }, 60_000);

  test('finding 7: sockets that never say hello are closed with 1008 after HELLO_TIMEOUT_MS', async () => {
    const app = await startBatteryApp(env);
    const r = await probeUnderAttack(app, { name: 'ungreeted', round: ungreeted, attackers: 20, durationMs: 3000 }, figures);
    expectServerHeld(r);
    expect(r.stats.closedByServer).toBeGreaterThanOrEqual(20);
    expect(closeCodesOf(r.stats.closeCodes)).toEqual(['1008']);
  }, 60_000);

  test('finding 1: one address gets at most MAX_CONNECTIONS_PER_IP sockets (then 429); another address still gets in', async () => {
    const app = await startBatteryApp(env);
    const tries = MAX_CONNECTIONS_PER_IP + 10;
    const outcomes = await Promise.all(
      Array.from({ length: tries }, () =>
        openRawWebSocket(app.url, undefined, 5000).then(
          (ws): RawWebSocket | string => ws,
          (e: Error) => e.message,
        ),
      ),
    );
    const accepted = outcomes.filter((o): o is RawWebSocket => typeof o !== 'string');
    const refusals = outcomes.filter((o): o is string => typeof o === 'string');
    const { client } = await greet(app.url, 'elsewhere', { headers: { 'X-Forwarded-For': HONEST_ADDRESS } });
    client.send({ type: 'ping', ts: 'in' });
    await client.waitFor((f) => f['type'] === 'pong' && f['ts'] === 'in');
    for (const ws of accepted) ws.destroy();
    figures.record({ inputs: tries + 1, crashes: app.alive() && (await app.health()) === 200 ? 0 : 1, lost: 0, pingLatenciesMs: [] });
    expect({ accepted: accepted.length <= MAX_CONNECTIONS_PER_IP, refusals: refusals.every((m) => / 429 /.test(m)) }).toEqual({ accepted: true, refusals: true });
    expect(accepted.length + refusals.length).toBe(tries);
  }, 60_000);
}
