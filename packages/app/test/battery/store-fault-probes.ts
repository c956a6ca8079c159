import { randomBytes } from 'node:crypto';
import type { TestClient } from '@rgchat/testkit';
import { stopAllApps } from '../support/app-process';
import { buildApp } from '../support/build-app';
import { createRoom, dropClients, greet, joinRoom, within } from '../support/chat-client';
import { sendThroughOutage } from '../support/multi-instance';
import { HONEST_ADDRESS, removeBatteryDirs, startBatteryApp, type BatteryApp } from './battery-app';
import { createFigures } from './figures';
import { judgeOutcomes, outcomesOf } from './send-outcomes';
import type { StoreFixture } from './store-fixtures';

/** These probes are about the store, not rate limits: lifted (per connection and, once they exist, per address). */
const LIFTED = { RATE_LIMIT_PER_SEC: '100000', RATE_LIMIT_BURST: '100000', RATE_LIMIT_PER_IP_PER_SEC: '100000', RATE_LIMIT_PER_IP_BURST: '100000' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sender(app: BatteryApp, name: string, roomId: string, create: boolean): Promise<{ client: TestClient; selfId: string }> {
  const { client, clientId } = await greet(app.url, name, { headers: { 'X-Forwarded-For': HONEST_ADDRESS } });
  if (create) await createRoom(client, roomId, roomId);
  await joinRoom(client, roomId);
  return { client, selfId: clientId };
}

/**
 * Sends as fast as answers come back (at most 16 unanswered) until the
 * server closes the socket; resolves the texts written before the close.
 */
async function sendUntilClosed(client: TestClient, selfId: string, roomId: string, tag: string): Promise<string[]> {
  const sent: string[] = [];
  while (!client.isClosed) {
    const o = outcomesOf(client, selfId, roomId, sent);
    if (sent.length - o.echoed.size - o.errorCodes.length < 16) {
      const text = `${tag}-${sent.length}`;
      sent.push(text);
      client.send({ type: 'send_message', roomId, message: { type: 'message', text } });
    } else {
      await sleep(1);
    }
    if (sent.length % 8 === 0) await sleep(0);
  }
  return sent;
}

/** Issue #10's store faults (findings 5 and 6, /healthz on failing writes) against one store, through the real app process. */
export function describeStoreFaults(fixture: StoreFixture): void {
  describe(`store-fault battery: ${fixture.label}`, () => {
    const figures = createFigures(`${fixture.label} store faults`);
    const run = `b${randomBytes(3).toString('hex')}`;
    beforeAll(async () => {
      await buildApp();
      await fixture.setUp();
    }, 180_000);
    afterEach(async () => {
      dropClients();
      await stopAllApps();
      removeBatteryDirs();
    });
    afterAll(async () => {
      await fixture.tearDown();
      figures.print();
    });

    test(`finding 5: sends during a store fault of ${fixture.faultMs} ms are answered once each; "not stored" only when nothing was stored; nothing acknowledged lost`, async () => {
      const app = await startBatteryApp({ ...fixture.env(), ...LIFTED });
      const roomId = `${run}-stall`;
      const { client, selfId } = await sender(app, 'stalled', roomId, true);
      const { ended } = await fixture.fault(app);
      const texts = Array.from({ length: 12 }, (_, i) => `stall-${i}`);
      await sendThroughOutage(client, selfId, roomId, texts, { window: 4, pauseMs: Math.round(fixture.faultMs / 10), timeoutMs: 60_000 });
      await ended;
      // Late commits reach the feed (and, wrongly, their sender) once later messages flow.
      client.send({ type: 'send_message', roomId, message: { type: 'message', text: 'after-the-fault' } });
      await client.waitFor((f) => f['type'] === 'message' && f['message']?.text === 'after-the-fault', 15_000);
      await sleep(1000);
      const outcomes = outcomesOf(client, selfId, roomId, texts);
      const stored = await fixture.texts(app, roomId);
      const verdict = judgeOutcomes(outcomes, stored);
      figures.record({ inputs: texts.length + 1, crashes: app.alive() && (await app.health()) === 200 ? 0 : 1, lost: verdict.lost, pingLatenciesMs: [] });
      expect({ faultBit: outcomes.errorCodes.length > 0, ...verdict }).toEqual({ faultBit: true, lost: 0, storedUnacknowledged: 0, answeredTwice: 0 });
      expect(app.alive()).toBe(true);
    }, 120_000);

    test('finding 6: SIGTERM under load: every stored send was acknowledged (or answered "outcome unknown"), every ack stored, clients closed 1001/1012, exit 0', async () => {
      const app = await startBatteryApp({ ...fixture.env(), ...LIFTED });
      const roomId = `${run}-drain`;
      const senders = [await sender(app, 's0', roomId, true), ...(await Promise.all([1, 2, 3].map((i) => sender(app, `s${i}`, roomId, false))))];
      const loads = senders.map((s, i) => sendUntilClosed(s.client, s.selfId, roomId, `load${i}`));
      await sleep(1000);
      app.signal('SIGTERM');
      const sent = await within(Promise.all(loads), 15_000, 'every sender to be closed');
      const closes = await Promise.all(senders.map((s) => s.client.closed));
      const exit = await within(app.exited, 15_000, 'the app to exit');
      const stored = await fixture.texts(app, roomId);
      const verdicts = senders.map((s, i) => judgeOutcomes(outcomesOf(s.client, s.selfId, roomId, sent[i] ?? []), stored));
      const sum = (k: 'lost' | 'storedUnacknowledged' | 'answeredTwice') => verdicts.reduce((a, v) => a + v[k], 0);
      figures.record({ inputs: sent.reduce((a, s) => a + s.length, 0), crashes: exit.code === 0 ? 0 : 1, lost: sum('lost'), pingLatenciesMs: [] });
      expect(stored.size).toBeGreaterThan(0);
      expect({ lost: sum('lost'), storedUnacknowledged: sum('storedUnacknowledged'), answeredTwice: sum('answeredTwice') }).toEqual({ lost: 0, storedUnacknowledged: 0, answeredTwice: 0 });
      for (const c of closes) expect([1001, 1012]).toContain(c.code);
      expect(exit).toEqual({ code: 0, signal: null });
    }, 60_000);
  });
}
