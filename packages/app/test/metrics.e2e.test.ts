import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAppProcess, stopAllApps, type ListeningApp } from './support/app-process';
import { buildProjects } from './support/build-app';
import { createRoom, dropClients, greet, isMessage, joinRoom, openClient } from './support/chat-client';
import { describeEachBus, eventually } from './support/multi-instance';
import { dropSchema, freshSchema, postgresEnv } from './support/postgres-env';

/** One scrape: the samples by series (`name{labels}` as exposed), the raw text and the content type. */
interface Scrape {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  readonly samples: ReadonlyMap<string, number>;
}

/**
 * Parses the Prometheus text format 0.0.4 strictly enough to fail on a
 * malformed exposition: every line is a HELP, a TYPE or a sample of a
 * metric whose TYPE came first, with a float value.
 */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const typed = new Set<string>();
  const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+-]+|[Nn]a[Nn]|\+Inf|-Inf)( -?[0-9]+)?$/;
  // prom-client writes NaN as `Nan` (an event-loop histogram before its first sample); Prometheus parses floats case-insensitively.
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (comment) {
      if (comment[1] === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(comment[3]);
        typed.add(comment[2] as string);
      }
      continue;
    }
    const m = sample.exec(line);
    if (!m) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const name = m[1] as string;
    const family = name.replace(/_(bucket|sum|count|total|created)$/, '');
    if (!typed.has(name) && !typed.has(family)) throw new Error(`sample before its TYPE: ${line}`);
    samples.set(`${name}${m[2] ?? ''}`, Number(m[3]));
  }
  return samples;
}

async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(url);
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  return { status: res.status, contentType, text, samples: res.status === 200 ? parseExposition(text) : new Map() };
}

/** A series' value (0 when absent, as Prometheus reads a missing counter). */
const value = (s: Scrape, series: string): number => s.samples.get(series) ?? 0;
const delta = (before: Scrape, after: Scrape, series: string): number => value(after, series) - value(before, series);

/** A port free right now on 127.0.0.1 (the app must bind it itself: METRICS_PORT is 1..65535). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/**
 * Issue #14, metrics: the real app over real sockets, scraped over real
 * HTTP before and after; the counters must move by exactly what the
 * clients did.
 */
describe('end to end: Prometheus metrics', () => {
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rgchat-metrics-'));
    await buildProjects('packages/app');
  }, 180_000);

  afterEach(() => dropClients());

  afterAll(async () => {
    await stopAllApps();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe.each(['ws', 'uws'])('on the public port (the default), CHAT_TRANSPORT=%s', (transport) => {
    let app: ListeningApp;
    const connections = `rgchat_connections{transport="${transport}"}`;
    const metricsUrl = () => `${app.httpUrl}/metrics`;

    beforeAll(async () => {
      // A small per-connection burst so one client can be refused; the address limits stay generous.
      app = await startAppProcess(
        { CHAT_TRANSPORT: transport, SQLITE_PATH: join(dir, `public-${transport}.sqlite`), RATE_LIMIT_BURST: '20', RATE_LIMIT_PER_SEC: '1', ABUSE_STRIKES: '1000' },
        dir,
      );
    }, 60_000);

    test('the exposition parses, has the text content type, and carries rgchat and process metrics', async () => {
      const s = await scrape(metricsUrl());
      expect(s.status).toBe(200);
      expect(s.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(s.samples.get(connections)).toBe(0);
      expect(s.samples.has('rgchat_rooms')).toBe(true);
      // Every known label value exists from the start, and only those.
      expect(s.samples.get('rgchat_requests_total{type="send_message"}')).toBe(0);
      expect(s.samples.get('rgchat_error_frames_total{code="RATE_LIMITED"}')).toBe(0);
      expect(s.samples.has('process_cpu_user_seconds_total')).toBe(true);
      expect(s.samples.has('nodejs_eventloop_lag_seconds')).toBe(true);
      expect(s.text).toContain('# TYPE rgchat_store_call_duration_seconds histogram');
      const post = await fetch(metricsUrl(), { method: 'POST' });
      expect(post.status).toBe(405);
    });

    test('messages, requests, errors, connections and rooms move by exactly what the clients did', async () => {
      const before = await scrape(metricsUrl());
      const ann = await greet(app.url, 'ann');
      const bob = await greet(app.url, 'bob');
      await createRoom(ann.client, 'metrics room', 'metrics-room');
      await joinRoom(ann.client, 'metrics-room');
      await joinRoom(bob.client, 'metrics-room');
      // An error: sending to a room one has not joined.
      ann.client.send({ type: 'send_message', roomId: 'elsewhere', message: { text: 'lost' } });
      await ann.client.waitFor((f) => f['type'] === 'error' && f['code'] === 'NOT_IN_ROOM');
      // Another, refused by the decoder: an unknown request type is never a label.
      ann.client.send({ type: 'x'.repeat(40) });
      await ann.client.waitFor((f) => f['type'] === 'error' && f['code'] === 'UNKNOWN_TYPE');
      for (const text of ['one', 'two', 'three']) ann.client.send({ type: 'send_message', roomId: 'metrics-room', message: { text } });
      for (const text of ['one', 'two', 'three']) {
        await bob.client.waitFor(isMessage('metrics-room', text));
        await ann.client.waitFor(isMessage('metrics-room', text));
      }
      const during = await scrape(metricsUrl());
      expect(delta(before, during, connections)).toBe(2);
      expect(delta(before, during, 'rgchat_rooms')).toBe(1);
      expect(delta(before, during, 'rgchat_messages_stored_total')).toBe(3);
      // Each message to both members: bob through the room's broadcast, ann her own copy.
      expect(delta(before, during, 'rgchat_messages_delivered_total')).toBe(6);
      expect(delta(before, during, 'rgchat_requests_total{type="hello"}')).toBe(2);
      expect(delta(before, during, 'rgchat_requests_total{type="create_room"}')).toBe(1);
      expect(delta(before, during, 'rgchat_requests_total{type="join_room"}')).toBe(2);
      expect(delta(before, during, 'rgchat_requests_total{type="send_message"}')).toBe(4);
      expect(delta(before, during, 'rgchat_error_frames_total{code="NOT_IN_ROOM"}')).toBe(1);
      expect(delta(before, during, 'rgchat_error_frames_total{code="UNKNOWN_TYPE"}')).toBe(1);
      expect([...during.samples.keys()].filter((k) => k.includes('x'.repeat(40)))).toEqual([]);
      // The store was timed around its port: one append per message (no resend, no batching across clients here).
      expect(delta(before, during, 'rgchat_store_call_duration_seconds_count{op="appendMessage"}')).toBe(3);
      expect(delta(before, during, 'rgchat_store_call_duration_seconds_count{op="createRoom"}')).toBe(1);

      bob.client.close();
      await bob.client.closed;
      await eventually('the connection gauge drops', async () => value(await scrape(metricsUrl()), connections) === value(before, connections) + 1);
    });

    test('every frame refused by the rate limit is counted, though only one RATE_LIMITED is sent', async () => {
      const before = await scrape(metricsUrl());
      const flooder = await openClient(app.url);
      const sent = 60;
      for (let i = 0; i < sent; i++) flooder.send({ type: 'ping', ts: `flood-${i}` });
      const pongs = () => flooder.frames.filter((f) => f['type'] === 'pong').length;
      // Each frame is either answered with a pong or refused: the two add up to what was sent.
      let after = before;
      await eventually('every flood frame is answered or counted as refused', async () => {
        after = await scrape(metricsUrl());
        return delta(before, after, 'rgchat_rate_limited_frames_total') + pongs() === sent;
      });
      const refused = delta(before, after, 'rgchat_rate_limited_frames_total');
      expect(refused).toBeGreaterThanOrEqual(sent - 25);
      const notices = flooder.frames.filter((f) => f['type'] === 'error' && f['code'] === 'RATE_LIMITED').length;
      expect(notices).toBeGreaterThanOrEqual(1);
      expect(delta(before, after, 'rgchat_error_frames_total{code="RATE_LIMITED"}')).toBe(notices);
      expect(delta(before, after, 'rgchat_requests_total{type="ping"}')).toBe(pongs());
      expect(delta(before, after, 'rgchat_abuse_closes_total')).toBe(0);
    });
  });

  describe('on METRICS_PORT', () => {
    let app: ListeningApp;
    let metricsPort = 0;

    beforeAll(async () => {
      metricsPort = await freePort();
      app = await startAppProcess({ SQLITE_PATH: join(dir, 'separate.sqlite'), METRICS_PORT: String(metricsPort) }, dir);
    }, 60_000);

    test('an abusive client is closed 1008 once and counted once (default ABUSE_STRIKES)', async () => {
      const url = `http://127.0.0.1:${metricsPort}/metrics`;
      const before = await scrape(url);
      const abuser = await openClient(app.url);
      for (let i = 0; i < 40; i++) abuser.sendRaw('{not json');
      expect((await abuser.closed).code).toBe(1008);
      let after = before;
      await eventually('the abuse close is counted', async () => {
        after = await scrape(url);
        return delta(before, after, 'rgchat_abuse_closes_total') === 1;
      });
      const badJson = abuser.frames.filter((f) => f['type'] === 'error' && f['code'] === 'BAD_JSON').length;
      expect(delta(before, after, 'rgchat_error_frames_total{code="BAD_JSON"}')).toBe(badJson);
      await eventually('its connection is gone from the gauge', async () => value(await scrape(url), 'rgchat_connections{transport="ws"}') === 0);
    });

    test('served there, with its own listener; 404 on the public port; the listener closes with the app', async () => {
      const listening = await app.waitForLog((l) => l['msg'] === 'metrics listening');
      expect(listening['port']).toBe(metricsPort);
      expect(listening['host']).toBe('127.0.0.1');
      const publicScrape = await fetch(`${app.httpUrl}/metrics`);
      expect(publicScrape.status).toBe(404);
      const s = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(s.status).toBe(200);
      expect(s.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(s.samples.get('rgchat_connections{transport="ws"}')).toBe(0);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/api/rooms`)).status).toBe(404);

      // A connection on the public port shows on the other.
      await greet(app.url, 'cat');
      expect(value(await scrape(`http://127.0.0.1:${metricsPort}/metrics`), 'rgchat_connections{transport="ws"}')).toBe(1);

      app.signal('SIGTERM');
      expect((await app.exited).code).toBe(0);
      await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
    });
  });

  describeEachBus('two instances on Postgres: bus traffic', (bus) => {
    const schema = freshSchema();
    afterAll(() => dropSchema(schema));

    test("a message sent on one instance is out on its bus and in on the other's, with its age; stored once, delivered on both", async () => {
      const shared = { ...postgresEnv(schema), ...bus.env(schema) };
      const env = { ...shared, METRICS_PORT: String(await freePort()) };
      const a = await startAppProcess(env, dir);
      const bEnv = { ...shared, METRICS_PORT: String(await freePort()) };
      const b = await startAppProcess(bEnv, dir);
      try {
        await busTraffic(a, b, env, bEnv);
      } finally {
        // Before the schema is dropped under them.
        for (const app of [a, b]) app.signal('SIGTERM');
        await Promise.all([a.exited, b.exited]);
      }
    }, 60_000);

    async function busTraffic(a: ListeningApp, b: ListeningApp, env: Record<string, string>, bEnv: Record<string, string>): Promise<void> {
      const metricsOf = (e: Record<string, string>) => `http://127.0.0.1:${e['METRICS_PORT']}/metrics`;
      const ann = await greet(a.url, 'ann');
      const bob = await greet(b.url, 'bob');
      await createRoom(ann.client, 'bus room', 'bus-room');
      await joinRoom(ann.client, 'bus-room');
      await eventually('the room reaches the other instance', async () => {
        bob.client.send({ type: 'join_room', roomId: 'bus-room' });
        const answer = await bob.client.waitFor((f) => (f['type'] === 'joined_room' && f['room']?.id === 'bus-room') || f['type'] === 'error');
        return answer['type'] === 'joined_room';
      });
      const [aBefore, bBefore] = [await scrape(metricsOf(env)), await scrape(metricsOf(bEnv))];
      ann.client.send({ type: 'send_message', roomId: 'bus-room', message: { text: 'across' } });
      await bob.client.waitFor(isMessage('bus-room', 'across'));
      await ann.client.waitFor(isMessage('bus-room', 'across'));
      let aAfter = aBefore;
      let bAfter = bBefore;
      await eventually('the bus counters move', async () => {
        [aAfter, bAfter] = [await scrape(metricsOf(env)), await scrape(metricsOf(bEnv))];
        return delta(bBefore, bAfter, 'rgchat_bus_message_age_seconds_count') === 1;
      });
      expect(delta(aBefore, aAfter, 'rgchat_messages_stored_total')).toBe(1);
      expect(delta(bBefore, bAfter, 'rgchat_messages_stored_total')).toBe(0);
      expect(delta(aBefore, aAfter, 'rgchat_messages_delivered_total')).toBe(1);
      expect(delta(bBefore, bAfter, 'rgchat_messages_delivered_total')).toBe(1);
      expect(delta(aBefore, aAfter, 'rgchat_bus_events_total{direction="out"}')).toBeGreaterThanOrEqual(1);
      expect(delta(bBefore, bAfter, 'rgchat_bus_events_total{direction="in"}')).toBeGreaterThanOrEqual(1);
      // Its own message never comes back to A as "in" (other events, presence beats, may).
      expect(delta(aBefore, aAfter, 'rgchat_bus_message_age_seconds_count')).toBe(0);
      const age = delta(bBefore, bAfter, 'rgchat_bus_message_age_seconds_sum');
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThan(30);
    }
  });

  test('METRICS=false: no /metrics anywhere', async () => {
    const app = await startAppProcess({ SQLITE_PATH: join(dir, 'off.sqlite'), METRICS: 'false' }, dir);
    expect((await fetch(`${app.httpUrl}/metrics`)).status).toBe(404);
    expect(app.logs.some((l) => l['msg'] === 'metrics listening')).toBe(false);
  });
});
