import { httpGet, waitUntil, type Frame, type TestClient } from '@rgchat/testkit';
import type { ListeningApp } from './app-process';
import { greet, isMessage, joinRoom } from './chat-client';
import { describeNats, NATS_TEST_URL } from '../../../bus-nats/test/nats-test-env';
import { describePostgres } from './postgres-env';

/** A bus the multi-instance suites run on; the store is Postgres either way. */
export interface BusUnderTest {
  readonly kind: 'postgres' | 'nats';
  /**
   * The app's environment for this bus, shared by every instance of one
   * suite run (`run`, unique per run, keeps other runs' events apart);
   * `natsUrl` points NATS at another address (a proxy the test cuts).
   */
  env(run: string, natsUrl?: string): Record<string, string>;
}

const POSTGRES_BUS: BusUnderTest = { kind: 'postgres', env: () => ({ BUS: 'postgres' }) };
const NATS_BUS: BusUnderTest = {
  kind: 'nats',
  env: (run, natsUrl = NATS_TEST_URL) => ({ BUS: 'nats', NATS_URL: natsUrl, NATS_SUBJECT: `${run}.bus` }),
};

/**
 * Runs a multi-instance suite once per bus (issue #15): Postgres NOTIFY and
 * NATS, each with Postgres as the store. Each run skips, or with CI=true
 * fails, when a server it needs is unreachable (describePostgres, describeNats).
 */
export function describeEachBus(name: string, fn: (bus: BusUnderTest) => void): void {
  describePostgres(`${name}, BUS=postgres`, () => fn(POSTGRES_BUS));
  describePostgres(`${name}, BUS=nats`, () => describeNats('on NATS', () => fn(NATS_BUS)));
}

/** The chat messages of `roomId` a client has received so far, in arrival order. */
export const receivedIn = (client: TestClient, roomId: string): Frame[] =>
  client.frames.filter(isMessage(roomId)).map((f) => f['message'] as Frame);

export const idsOf = (messages: readonly Frame[]): string[] => messages.map((m) => String(m['id']));

/** Resolves once `client` has received at least `count` messages of `roomId`. */
export function receiveCount(client: TestClient, roomId: string, count: number, timeoutMs = 30_000): Promise<void> {
  return waitUntil(() => receivedIn(client, roomId).length >= count, `${count} messages of ${roomId} arrived`, timeoutMs);
}

/** What a client joining `roomId` on `app` right now gets as history. */
export async function historyOn(app: ListeningApp, roomId: string, name = 'joiner'): Promise<Frame[]> {
  const { client } = await greet(app.url, name);
  const joined = await joinRoom(client, roomId);
  client.close();
  return joined['messages'] as Frame[];
}

/** Resolves once the client holds a room_list frame (welcome or push) that lists `roomId`. */
export function roomListed(client: TestClient, roomId: string, timeoutMs = 10_000): Promise<Frame> {
  return client.waitFor(
    (f) => (f['type'] === 'room_list' || f['type'] === 'welcome') && (f['rooms'] as Frame[]).some((r) => r['id'] === roomId),
    timeoutMs,
  );
}

/** The rooms whose id starts with `prefix`, sorted by id (other tests' rooms share the schema). */
export const roomsOfRun = (rooms: readonly Frame[], prefix: string): Frame[] =>
  rooms.filter((r) => String(r['id']).startsWith(prefix)).sort((x, y) => String(x['id']).localeCompare(String(y['id'])));

/** `/api/rooms` of `app` for the rooms whose id or name contains `prefix`, as the server sends them. */
async function apiRoomsRaw(app: ListeningApp, prefix: string): Promise<Frame[]> {
  // Pages hold at most 200 rooms and the schema is shared with other runs: ask for this run's only.
  const reply = await httpGet(`${app.httpUrl}/api/rooms?limit=200&q=${encodeURIComponent(prefix)}`);
  if (reply.status !== 200) throw new Error(`/api/rooms answered ${reply.status}`);
  return (JSON.parse(reply.body) as { rooms: Frame[] }).rooms;
}

/**
 * The rooms `/api/rooms` of `app` lists whose id starts with `prefix`,
 * sorted by id, as rg-chat-v1 room lists show them: without presence's
 * `online`, which follows connections rather than the store (see `apiOnline`).
 */
export async function apiRooms(app: ListeningApp, prefix: string): Promise<Frame[]> {
  return roomsOfRun(await apiRoomsRaw(app, prefix), prefix).map(({ online: _online, ...room }) => room);
}

/** `online` of `roomId` in `/api/rooms` of `app` (connections in it on every instance); undefined when not listed. */
export async function apiOnline(app: ListeningApp, roomId: string): Promise<number | undefined> {
  const room = (await apiRoomsRaw(app, roomId)).find((r) => r['id'] === roomId);
  return room === undefined ? undefined : (room['online'] as number);
}

export const healthOf = async (app: ListeningApp): Promise<number> => (await httpGet(`${app.httpUrl}/healthz`)).status;

/** Polls an async condition every 50 ms; rejects naming `what` after `timeoutMs`. */
export async function eventually(what: string, condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** How many log lines of `app` have `msg`. */
export const logCount = (app: ListeningApp, msg: string): number => app.logs.filter((l) => l['msg'] === msg).length;

export interface SendOutcome {
  /** This sender's own messages as broadcast back to it. */
  readonly echoed: Frame[];
  /** Error frames answering its send_message requests. */
  readonly errors: Frame[];
}

/**
 * Sends `texts` to `roomId` while the store may fail: each request is
 * answered by the sender's own broadcast or by an error frame, and at most
 * `window` go unanswered at once (so core never says RATE_LIMITED for too
 * many waiting requests). Pauses `pauseMs` between sends, so the traffic
 * lasts long enough to be hit by an outage. Ends with a ping: core answers
 * a connection's requests in order, so the pong means every send is answered.
 */
export async function sendThroughOutage(
  client: TestClient,
  selfId: string,
  roomId: string,
  texts: readonly string[],
  { window = 4, pauseMs = 5, timeoutMs = 60_000 } = {},
): Promise<SendOutcome> {
  const start = client.frames.length;
  const mine = new Set(texts);
  const isEcho = (f: Frame) => isMessage(roomId)(f) && f['message']['authorId'] === selfId && mine.has(f['message']['text']);
  const isError = (f: Frame) => f['type'] === 'error' && f['requestType'] === 'send_message';
  const answered = () => client.frames.slice(start).filter((f) => isEcho(f) || isError(f)).length;
  for (let sent = 0; sent < texts.length; sent++) {
    await waitUntil(() => sent - answered() < window, 'a send slot is free', timeoutMs);
    client.send({ type: 'send_message', roomId, message: { type: 'message', text: texts[sent] } });
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
  }
  // Every send is answered: its echo (which may wait in the room feed for an
  // earlier message from the other instance) or an error. A lost one times out here.
  await waitUntil(() => answered() >= texts.length, 'every send is echoed or refused', timeoutMs);
  const frames = client.frames.slice(start);
  return { echoed: frames.filter(isEcho).map((f) => f['message'] as Frame), errors: frames.filter(isError) };
}
