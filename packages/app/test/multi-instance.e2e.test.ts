import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame, TestClient } from '@rgchat/testkit';
import { startAppProcess, stopAllApps, type ListeningApp } from './support/app-process';
import { buildApp } from './support/build-app';
import { createRoom, dropClients, greet, isMessage, joinRoom, roundTrip, sendPipelined } from './support/chat-client';
import {
  apiRooms,
  describeEachBus,
  eventually,
  healthOf,
  historyOn,
  idsOf,
  logCount,
  receiveCount,
  receivedIn,
  roomListed,
  roomsOfRun,
  sendThroughOutage,
} from './support/multi-instance';
import {
  APP_NAME,
  BASE_URL,
  countBackends,
  dropSchema,
  freshSchema,
  killBackends,
  postgresEnv,
  startTcpProxy,
  withAdmin,
  type TcpProxy,
} from './support/postgres-env';

type Greeted = Awaited<ReturnType<typeof greet>>;

/** `n` texts `${prefix}-0` … */
const textsOf = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/** Positions of `ids` in `history`; -1 for an id history lacks. */
const positionsIn = (history: readonly Frame[], ids: readonly string[]) => {
  const at = new Map(idsOf(history).map((id, i) => [id, i] as const));
  return ids.map((id) => at.get(id) ?? -1);
};

/**
 * Two rgchat processes (A and B) on one Postgres schema, as behind a load
 * balancer without sticky sessions, once per bus. They reach Postgres (and
 * NATS, when that is the bus) through TCP proxies owned by this test, so
 * "the database is gone" or "the bus is gone" can be simulated without
 * stopping the shared servers; their connections carry APP_NAME, so
 * pg_terminate_backend hits theirs only.
 */
describeEachBus('end to end: two instances on one Postgres', (bus) => {
  const schema = freshSchema();
  const run = `mi${randomBytes(4).toString('hex')}`;
  let dir = '';
  let proxy: TcpProxy | undefined;
  /** In front of NATS when it is the bus. */
  let natsProxy: TcpProxy | undefined;
  let a: ListeningApp;
  let b: ListeningApp;
  /** Exits of A or B: any entry is a crash (they are only stopped in afterAll). */
  const exits: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rgchat-multi-'));
    await buildApp();
    const server = new URL(BASE_URL);
    proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
    const viaProxy = new URL(BASE_URL);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    if (bus.kind === 'nats') {
      const nats = new URL(bus.env(run)['NATS_URL']!);
      natsProxy = await startTcpProxy({ host: nats.hostname, port: Number(nats.port || 4222) });
    }
    const env = {
      ...postgresEnv(schema, viaProxy.toString()),
      ...bus.env(run, natsProxy && `nats://127.0.0.1:${natsProxy.port}`),
      // These tests send hundreds of messages per socket.
      RATE_LIMIT_PER_SEC: '100000',
      RATE_LIMIT_BURST: '100000',
      // Every client here is 127.0.0.1: lift the per-address bucket with the per-connection one.
      RATE_LIMIT_PER_IP_PER_SEC: '100000',
      RATE_LIMIT_PER_IP_BURST: '100000',
    };
    // Both at once on an empty schema: the migrations must cope.
    [a, b] = await Promise.all([startAppProcess(env, dir), startAppProcess(env, dir)]);
    void a.exited.then((e) => exits.push(`A exited (${e.code ?? e.signal})`));
    void b.exited.then((e) => exits.push(`B exited (${e.code ?? e.signal})`));
  }, 180_000);

  afterEach(() => dropClients());

  afterAll(async () => {
    dropClients();
    await stopAllApps();
    await proxy?.close();
    await natsProxy?.close();
    await dropSchema(schema);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('starting together on an empty schema migrates it exactly once', async () => {
    const rows = await withAdmin((c) => c.query<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`));
    const versions = rows.rows.map((r) => Number(r.version));
    expect(versions.length).toBeGreaterThan(0);
    expect(new Set(versions).size).toBe(versions.length);
    expect(await healthOf(a)).toBe(200);
    expect(await healthOf(b)).toBe(200);
  });

  test('a room created on A appears in room_list on B without asking; messages reach every client on both exactly once, in history order', async () => {
    const roomId = `${run}-lobby`;
    const clients: Greeted[] = [await greet(a.url, 'a1'), await greet(a.url, 'a2'), await greet(b.url, 'b1'), await greet(b.url, 'b2')];
    const [a1, , b1] = clients as [Greeted, Greeted, Greeted, Greeted];
    await createRoom(a1.client, `${run} lobby`, roomId);
    // B hears of the room from A through the bus.
    const atB = (await roomListed(b1.client, roomId))['rooms'].find((r: Frame) => r['id'] === roomId);
    expect(atB).toMatchObject({ id: roomId, messageCount: 0, lastMessageTs: null });
    for (const c of clients) await joinRoom(c.client, roomId);

    // Everyone talks at once: 4 x 25 messages, two instances writing one room.
    const perClient = 25;
    const sent = await Promise.all(clients.map((c, i) => sendPipelined(c.client, roomId, textsOf(`lobby-${i}`, perClient), 8)));
    expect(sent.map((s) => s.length)).toEqual([perClient, perClient, perClient, perClient]);
    const total = perClient * clients.length;
    for (const c of clients) await receiveCount(c.client, roomId, total);
    for (const c of clients) await roundTrip(c.client, 'settled');

    const live = clients.map((c) => idsOf(receivedIn(c.client, roomId)));
    for (const ids of live) {
      expect(ids).toHaveLength(total);
      expect(new Set(ids).size).toBe(total);
    }
    // One order for everyone, whichever instance they are on.
    for (const ids of live.slice(1)) expect(ids).toEqual(live[0]);

    // A newcomer on either instance gets that same order as history.
    const historyA = await historyOn(a, roomId);
    const historyB = await historyOn(b, roomId);
    expect(idsOf(historyA)).toEqual(live[0]);
    expect(historyB).toEqual(historyA);
    // And the author of each message is who sent it.
    const byText = new Map(historyA.map((m) => [m['text'], m] as const));
    clients.forEach((c, i) => {
      for (const text of textsOf(`lobby-${i}`, perClient)) expect(byText.get(text)).toMatchObject({ authorId: c.clientId });
    });
  });

  test('room_list agrees across instances: new rooms from either side, counts and last activity', async () => {
    const watchA = await greet(a.url, 'watch_a');
    const watchB = await greet(b.url, 'watch_b');
    const onB = `${run}-made-on-b`;
    const onA = `${run}-made-on-a`;
    await createRoom((await greet(b.url, 'maker_b')).client, `${run} made on b`, onB);
    await createRoom((await greet(a.url, 'maker_a')).client, `${run} made on a`, onA);
    await roomListed(watchA.client, onB);
    await roomListed(watchB.client, onA);

    const writer = await greet(b.url, 'writer_b');
    await joinRoom(writer.client, onA);
    const sent = await sendPipelined(writer.client, onA, textsOf('count', 7));
    const lastTs = sent[sent.length - 1]?.['message']['ts'];
    // The count reaches A's clients without anyone on A writing.
    await watchA.client.waitFor(
      (f) => f['type'] === 'room_list' && f['rooms'].some((r: Frame) => r['id'] === onA && r['messageCount'] === 7 && r['lastMessageTs'] === lastTs),
    );

    // Every room of this run, as each instance lists it, is the same.
    await eventually('both instances list the same rooms', async () => {
      const [listA, listB] = await Promise.all([apiRooms(a, run), apiRooms(b, run)]);
      return JSON.stringify(listA) === JSON.stringify(listB) && listA.some((r) => r['id'] === onB);
    });
    const [listA, listB] = await Promise.all([apiRooms(a, run), apiRooms(b, run)]);
    expect(listB).toEqual(listA);
    expect(listA.find((r) => r['id'] === onA)).toMatchObject({ messageCount: 7, lastMessageTs: lastTs });
    // A client arriving now gets the same list in welcome on either instance.
    const welcomeRooms = async (app: ListeningApp) => roomsOfRun((await greet(app.url, 'late')).welcome['rooms'] as Frame[], run);
    expect(await welcomeRooms(a)).toEqual(listA);
    expect(await welcomeRooms(b)).toEqual(listA);
  });

  test('concurrent senders on both instances (2 x 200, interleaved) lose nothing and duplicate nothing', async () => {
    const roomId = `${run}-race`;
    const sa = await greet(a.url, 'sender_a');
    const sb = await greet(b.url, 'sender_b');
    const wa = await greet(a.url, 'watch_a');
    const wb = await greet(b.url, 'watch_b');
    await createRoom(sa.client, `${run} race`, roomId);
    for (const c of [sa, sb, wa, wb]) await joinRoom(c.client, roomId);

    const textsA = textsOf('race-a', 200);
    const textsB = textsOf('race-b', 200);
    await Promise.all([sendPipelined(sa.client, roomId, textsA, 16), sendPipelined(sb.client, roomId, textsB, 16)]);
    for (const c of [sa, sb, wa, wb]) await receiveCount(c.client, roomId, 400);
    for (const c of [sa, sb, wa, wb]) await roundTrip(c.client, 'settled');

    const history = await historyOn(b, roomId);
    expect(history.map((m) => m['text']).sort()).toEqual([...textsA, ...textsB].sort());
    // Each author's messages keep the order that author sent them in.
    expect(history.map((m) => m['text']).filter((t) => t.startsWith('race-a'))).toEqual(textsA);
    expect(history.map((m) => m['text']).filter((t) => t.startsWith('race-b'))).toEqual(textsB);
    for (const c of [sa, sb, wa, wb]) expect(idsOf(receivedIn(c.client, roomId))).toEqual(idsOf(history));
    expect(await historyOn(a, roomId)).toEqual(history);

    await eventually('both instances count 400', async () => {
      const [listA, listB] = await Promise.all([apiRooms(a, roomId), apiRooms(b, roomId)]);
      return listA[0]?.['messageCount'] === 400 && listB[0]?.['messageCount'] === 400;
    });
    expect((await apiRooms(a, roomId))[0]).toEqual((await apiRooms(b, roomId))[0]);
  });

  test('profile names and avatars set on one instance show on the other', async () => {
    const roomId = `${run}-names`;
    const alice = await greet(a.url, 'alice');
    const bob = await greet(b.url, 'bob');
    await createRoom(alice.client, `${run} names`, roomId);
    await joinRoom(alice.client, roomId);
    await joinRoom(bob.client, roomId);

    alice.client.send({ type: 'send_message', roomId, message: { type: 'message', text: 'as alice' } });
    expect((await bob.client.waitFor(isMessage(roomId, 'as alice')))['message']).toMatchObject({ authorId: alice.clientId, name: 'alice', avatarId: 42 });
    alice.client.send({ type: 'set_profile', name: 'alice_renamed', avatarId: 7 });
    await alice.client.next('profile_ack');
    alice.client.send({ type: 'send_message', roomId, message: { type: 'emote', text: 'is renamed' } });
    expect((await bob.client.waitFor(isMessage(roomId, 'is renamed')))['message']).toMatchObject({
      authorId: alice.clientId,
      name: 'alice_renamed',
      avatarId: 7,
      type: 'emote',
    });
    // History keeps each message's name as it was sent, on either instance.
    const history = await historyOn(b, roomId);
    expect(history.map((m) => [m['text'], m['name'], m['avatarId']])).toEqual([
      ['as alice', 'alice', 42],
      ['is renamed', 'alice_renamed', 7],
    ]);
  });

  /** Four clients (a sender and a watcher per instance) in a fresh room. */
  async function roomOnBoth(roomId: string) {
    const sa = await greet(a.url, 'sender_a');
    const sb = await greet(b.url, 'sender_b');
    const wa = await greet(a.url, 'watch_a');
    const wb = await greet(b.url, 'watch_b');
    await createRoom(sa.client, roomId, roomId);
    await roomListed(sb.client, roomId);
    for (const c of [sa, sb, wa, wb]) await joinRoom(c.client, roomId);
    return { sa, sb, wa, wb, all: [sa, sb, wa, wb] };
  }

  /** A message from each side reaches the other side: the bus works both ways. */
  async function crossTalk(roomId: string, sa: Greeted, sb: Greeted, wa: TestClient, wb: TestClient, tag: string): Promise<void> {
    sa.client.send({ type: 'send_message', roomId, message: { type: 'message', text: `${tag}-from-a` } });
    sb.client.send({ type: 'send_message', roomId, message: { type: 'message', text: `${tag}-from-b` } });
    await wb.waitFor(isMessage(roomId, `${tag}-from-a`), 20_000);
    await wa.waitFor(isMessage(roomId, `${tag}-from-b`), 20_000);
  }

  test(
    "killing every backend of both instances mid-traffic: no crash, errors only as STORE_UNAVAILABLE or STORE_TIMEOUT, nothing broadcast that history lacks, recovery without restart",
    async () => {
      const roomId = `${run}-killed`;
      const { sa, sb, wa, wb, all } = await roomOnBoth(roomId);
      // Each instance holds a pooled connection at least, and on BUS=postgres its LISTEN and its NOTIFY ones.
      const held = bus.kind === 'postgres' ? 4 : 2;
      expect(await countBackends(APP_NAME)).toBeGreaterThanOrEqual(held);
      const lostBefore = [logCount(a, 'bus LISTEN connection lost; reconnecting'), logCount(b, 'bus LISTEN connection lost; reconnecting')];
      const backBefore = [logCount(a, 'bus LISTEN re-established'), logCount(b, 'bus LISTEN re-established')];

      const textsA = textsOf('kill-a', 150);
      const textsB = textsOf('kill-b', 150);
      const sending = Promise.all([
        sendThroughOutage(sa.client, sa.clientId, roomId, textsA),
        sendThroughOutage(sb.client, sb.clientId, roomId, textsB),
      ]);
      // Mid-traffic: some messages have gone through, most are still to come.
      await receiveCount(wb.client, roomId, 30);
      let killed = 0;
      for (let round = 0; round < 3; round++) {
        killed += await killBackends(APP_NAME);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(killed).toBeGreaterThanOrEqual(held);
      const [outA, outB] = await sending;

      // Every request was answered: stored (the sender got it back), STORE_UNAVAILABLE
      // (not stored), or STORE_TIMEOUT (its backend died mid-statement: outcome unknown).
      for (const [out, texts] of [[outA, textsA], [outB, textsB]] as const) {
        for (const e of out.errors) {
          expect(e).toMatchObject({ type: 'error', requestType: 'send_message' });
          expect(['STORE_UNAVAILABLE', 'STORE_TIMEOUT']).toContain(e['code']);
        }
        expect(out.echoed.length + out.errors.length).toBeGreaterThanOrEqual(texts.length);
      }
      expect(exits).toEqual([]);

      if (bus.kind === 'postgres') {
        // Both LISTEN connections died with the rest and came back by themselves.
        await eventually('A and B re-LISTEN', async () =>
          logCount(a, 'bus LISTEN re-established') > backBefore[0]! && logCount(b, 'bus LISTEN re-established') > backBefore[1]!,
        );
        expect(logCount(a, 'bus LISTEN connection lost; reconnecting')).toBeGreaterThan(lostBefore[0]!);
        expect(logCount(b, 'bus LISTEN connection lost; reconnecting')).toBeGreaterThan(lostBefore[1]!);
      }
      await eventually('both instances are healthy again', async () => (await healthOf(a)) === 200 && (await healthOf(b)) === 200);
      // Live traffic crosses instances again, both ways, without a restart.
      await crossTalk(roomId, sa, sb, wa.client, wb.client, 'after-kill');
      for (const c of all) await roundTrip(c.client, 'settled');

      // Nothing was broadcast that history lacks, nobody got anything twice,
      // and everyone saw it all in history's order.
      const history = await historyOn(a, roomId);
      expect(await historyOn(b, roomId)).toEqual(history);
      for (const c of all) {
        const ids = idsOf(receivedIn(c.client, roomId));
        expect(new Set(ids).size).toBe(ids.length);
        const at = positionsIn(history, ids);
        expect(at.filter((i) => i < 0)).toEqual([]);
        expect(at).toEqual([...at].sort((x, y) => x - y));
      }
      // Stored means broadcast: every message in history reached every client in
      // the room, except that a sender told STORE_TIMEOUT never gets that message
      // live, should it have been stored after all (it sees it in history).
      for (const c of [wa, wb]) expect(idsOf(receivedIn(c.client, roomId))).toEqual(idsOf(history));
      for (const [s, out, texts] of [[sa, outA, textsA], [sb, outB, textsB]] as const) {
        const got = new Set(idsOf(receivedIn(s.client, roomId)));
        const missed = history.filter((m) => !got.has(m['id']));
        expect(missed.filter((m) => !texts.includes(m['text']))).toEqual([]);
        expect(missed.length).toBeLessThanOrEqual(out.errors.filter((e) => e['code'] === 'STORE_TIMEOUT').length);
      }
      for (const out of [outA, outB]) expect(positionsIn(history, idsOf(out.echoed)).every((i) => i >= 0)).toBe(true);
      expect(exits).toEqual([]);
    },
    120_000,
  );

  test(
    'Postgres unreachable: sends get STORE_UNAVAILABLE and are never broadcast, /healthz is 503; all recovers by itself when it returns',
    async () => {
      if (!proxy) throw new Error('no proxy');
      const roomId = `${run}-down`;
      const { sa, sb, wa, wb, all } = await roomOnBoth(roomId);
      await crossTalk(roomId, sa, sb, wa.client, wb.client, 'before-down');
      const backBefore = [logCount(a, 'bus LISTEN re-established'), logCount(b, 'bus LISTEN re-established')];

      await proxy.down();
      expect(await healthOf(a)).toBe(503);
      expect(await healthOf(b)).toBe(503);
      for (const [s, tag] of [[sa, 'a'], [sb, 'b']] as const) {
        s.client.send({ type: 'send_message', roomId, message: { type: 'message', text: `during-down-${tag}` } });
        // Bounded: the store deadline (5 s) plus slack, never a hang.
        const error = await s.client.waitFor((f) => f['type'] === 'error' && f['requestType'] === 'send_message', 20_000);
        expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      }
      // The sockets live on (ping needs no database) and nobody saw the unstored messages.
      for (const c of all) await roundTrip(c.client, 'during-down');
      for (const c of all) expect(receivedIn(c.client, roomId).filter((m) => String(m['text']).startsWith('during-down'))).toEqual([]);
      expect(exits).toEqual([]);

      await proxy.up();
      await eventually('both instances are healthy again', async () => (await healthOf(a)) === 200 && (await healthOf(b)) === 200);
      if (bus.kind === 'postgres') {
        await eventually('A and B re-LISTEN', async () =>
          logCount(a, 'bus LISTEN re-established') > backBefore[0]! && logCount(b, 'bus LISTEN re-established') > backBefore[1]!,
        );
      }
      await crossTalk(roomId, sa, sb, wa.client, wb.client, 'after-down');
      for (const c of all) await roundTrip(c.client, 'settled');

      const history = await historyOn(b, roomId);
      expect(history.map((m) => m['text']).sort()).toEqual(['after-down-from-a', 'after-down-from-b', 'before-down-from-a', 'before-down-from-b']);
      for (const c of all) expect(idsOf(receivedIn(c.client, roomId))).toEqual(idsOf(history));
      expect(await historyOn(a, roomId)).toEqual(history);
      expect(exits).toEqual([]);
    },
    120_000,
  );

  // The bus alone goes: messages are still stored and answered; the other
  // instance hears them late, from the store, when both resync on NATS's return.
  if (bus.kind === 'nats') {
    test(
    'NATS unreachable mid-traffic: sends are stored and answered, no crash; the resync on its return brings B every message its bus dropped, once, in history order',
    async () => {
      if (!natsProxy) throw new Error('no NATS proxy');
      const roomId = `${run}-bus-down`;
      const { sa, sb, wa, wb, all } = await roomOnBoth(roomId);
      await crossTalk(roomId, sa, sb, wa.client, wb.client, 'before-bus-down');
      const lost = 'bus lost its NATS connection; reconnecting';
      const back = 'bus reconnected to NATS';
      const before = { lostA: logCount(a, lost), lostB: logCount(b, lost), backA: logCount(a, back), backB: logCount(b, back) };

      // Only A sends: B's own traffic would show B the gaps and fill them from the store,
      // so what A's bus drops can reach B only through the resync tested here.
      const textsA = textsOf('bus-a', 60);
      const sending = sendThroughOutage(sa.client, sa.clientId, roomId, textsA, { pauseMs: 10 });
      await receiveCount(wb.client, roomId, 12);
      await natsProxy.down();
      await eventually('A and B notice NATS is gone', async () => logCount(a, lost) > before.lostA && logCount(b, lost) > before.lostB);
      const echoedAtDown = receivedIn(sa.client, roomId).length;
      // Every send is answered while the bus is away: the store is there, so they are stored and echoed,
      // and what A publishes meanwhile is dropped (warned), not buffered.
      const out = await sending;
      expect(out.errors).toEqual([]);
      expect(out.echoed).toHaveLength(textsA.length);
      expect(receivedIn(sa.client, roomId).length).toBeGreaterThanOrEqual(echoedAtDown + 5);
      expect(receivedIn(wb.client, roomId).length).toBeLessThan(receivedIn(sa.client, roomId).length);
      expect(logCount(a, 'bus is disconnected from NATS; dropping events until it is back (others resync then)')).toBeGreaterThan(0);
      expect(await healthOf(a)).toBe(200);
      expect(exits).toEqual([]);

      await natsProxy.up();
      await eventually('A and B are back on NATS', async () => logCount(a, back) > before.backA && logCount(b, back) > before.backB);
      // Nothing is sent now: what the bus dropped can only arrive through the resync.
      // Every stored message reaches every client, once, in history's order.
      const history = await historyOn(a, roomId);
      expect(history).toHaveLength(textsA.length + 2);
      for (const c of all) await receiveCount(c.client, roomId, history.length);
      for (const c of all) await roundTrip(c.client, 'settled');
      expect(await historyOn(b, roomId)).toEqual(history);
      for (const c of all) expect(idsOf(receivedIn(c.client, roomId))).toEqual(idsOf(history));

      // And live traffic crosses again, both ways.
      await crossTalk(roomId, sa, sb, wa.client, wb.client, 'after-bus-down');
      expect(exits).toEqual([]);
    },
    120_000,
  );
  }
});
