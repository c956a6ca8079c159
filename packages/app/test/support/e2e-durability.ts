import { join } from 'node:path';
import type { Frame } from '@rgchat/testkit';
import { startAppProcess, type ListeningApp } from './app-process';
import { createRoom, greet, isMessage, joinRoom, sendPipelined, within } from './chat-client';
import type { EndToEndContext } from './end-to-end-context';

/** History cap, graceful stop, restart and kill -9, on one store across several app processes (in order). */
export function describeDurabilityEndToEnd({ env, run, dir }: EndToEndContext): void {
  describe('durability across restarts', () => {
    // Generous rate limits: these tests write hundreds of messages from one socket.
    const durableEnv = () => ({
      SQLITE_PATH: join(dir(), 'durable', 'chat.db'),
      ...env,
      RATE_LIMIT_PER_SEC: '100000',
      RATE_LIMIT_BURST: '100000',
      // Every e2e client is 127.0.0.1: lift the per-address bucket with the per-connection one.
      RATE_LIMIT_PER_IP_PER_SEC: '100000',
      RATE_LIMIT_PER_IP_BURST: '100000',
    });
    const historyId = `${run}-history`;
    const crashId = `${run}-crash`;
    let app: ListeningApp | undefined;
    let history: Frame[] = [];

    test('520 messages, then a join returns exactly the newest 500, oldest to newest', async () => {
      app = await startAppProcess(durableEnv(), dir());
      const writer = await greet(app.url, 'writer');
      await createRoom(writer.client, `${run} history`, historyId);
      await joinRoom(writer.client, historyId);
      const texts = Array.from({ length: 520 }, (_, i) => `m-${String(i).padStart(3, '0')}`);
      const sent = await sendPipelined(writer.client, historyId, texts);
      expect(sent).toHaveLength(520);

      const reader = await greet(app.url, 'reader');
      expect(reader.welcome['rooms'].find((r: Frame) => r['id'] === historyId)).toMatchObject({
        messageCount: 520,
        lastMessageTs: sent[519]?.['message'].ts,
      });
      const joined = await joinRoom(reader.client, historyId);
      history = joined['messages'] as Frame[];
      expect(history).toHaveLength(500);
      expect(history.map((m) => m['text'])).toEqual(texts.slice(20));
      expect(history.map((m) => m['id'])).toEqual(sent.slice(20).map((f) => f['message'].id));
      expect(new Set(history.map((m) => m['id'])).size).toBe(500);
    });

    test('SIGTERM closes every client with 1001 (or 1012) and the process exits 0', async () => {
      if (!app) throw new Error('needs the server of the previous test');
      const a = await greet(app.url, 'a');
      const b = await greet(app.url, 'b');
      await joinRoom(b.client, historyId);
      app.signal('SIGTERM');
      const [ca, cb] = await Promise.all([
        within(a.client.closed, 10_000, 'client a to be closed'),
        within(b.client.closed, 10_000, 'client b to be closed'),
      ]);
      expect([1001, 1012]).toContain(ca.code);
      expect([1001, 1012]).toContain(cb.code);
      expect(await within(app.exited, 10_000, 'the app to exit')).toEqual({ code: 0, signal: null });
    });

    test('a restart on the same store keeps rooms and history', async () => {
      app = await startAppProcess(durableEnv(), dir());
      const c = await greet(app.url, 'after-restart');
      expect(c.welcome['rooms'].find((r: Frame) => r['id'] === historyId)).toMatchObject({ messageCount: 520 });
      const joined = await joinRoom(c.client, historyId);
      expect(joined['messages']).toEqual(history);
    });

    test('kill -9 right after broadcasts: every message a client received is in history', async () => {
      if (!app) throw new Error('needs the server of the previous test');
      const victim = app;
      const w = await greet(victim.url, 'witness');
      await createRoom(w.client, `${run} crash`, crashId);
      await joinRoom(w.client, crashId);
      const texts = Array.from({ length: 300 }, (_, i) => `c-${i}`);
      // Kill the moment the 40th broadcast arrives, with more writes in flight.
      void w.client.waitFor(isMessage(crashId, 'c-39'), 20_000).then(
        () => victim.signal('SIGKILL'),
        () => undefined,
      );
      await sendPipelined(w.client, crashId, texts, 32);
      expect((await within(victim.exited, 10_000, 'the killed app to exit')).signal).toBe('SIGKILL');
      await within(w.client.closed, 10_000, 'the witness socket to drop');
      const received = w.client.frames.filter(isMessage(crashId)).map((f) => f['message']);
      expect(received.length).toBeGreaterThanOrEqual(40);

      app = await startAppProcess(durableEnv(), dir());
      const check = await greet(app.url, 'checker');
      const stored = (await joinRoom(check.client, crashId))['messages'] as Frame[];
      const storedIds = new Set(stored.map((m) => m['id']));
      expect(received.filter((m) => !storedIds.has(m['id']))).toEqual([]);
      // Received in the order stored.
      expect(stored.slice(0, received.length).map((m) => m['id'])).toEqual(received.map((m) => m['id']));
    });
  });
}
