import { join } from 'node:path';
import type { Frame } from '@rgchat/testkit';
import { startAppProcess } from './app-process';
import { createRoom, greet, isMessage, joinRoom, roundTrip, within } from './chat-client';
import type { EndToEndContext } from './end-to-end-context';

/** Sends pipelined in one burst: more than the old 32-request queue cap refused. */
const BURST = 50;

/** What the rate limit admits is served, in order: never refused for the length of the connection's queue. */
export function describePipeliningEndToEnd({ env, run, dir }: EndToEndContext): void {
  describe('pipelining', () => {
    test(`${BURST} sends written at once under a generous rate limit: ${BURST} messages in order, no error`, async () => {
      const app = await startAppProcess(
        {
          SQLITE_PATH: join(dir(), 'pipelining', 'chat.db'),
          ...env,
          RATE_LIMIT_PER_SEC: '100000',
          RATE_LIMIT_BURST: '100000',
          // Every e2e client is 127.0.0.1: lift the per-address bucket with the per-connection one.
          RATE_LIMIT_PER_IP_PER_SEC: '100000',
          RATE_LIMIT_PER_IP_BURST: '100000',
        },
        dir(),
      );
      const roomId = `${run}-pipelined`;
      const { client } = await greet(app.url, 'piper');
      await createRoom(client, `${run} pipelined`, roomId);
      await joinRoom(client, roomId);

      const texts = Array.from({ length: BURST }, (_, i) => `p-${String(i).padStart(2, '0')}`);
      // No await in between: the frames leave in one burst of writes, and the server reads them together.
      for (const text of texts) client.send({ type: 'send_message', roomId, message: { type: 'message', text } });
      const received: Frame[] = [];
      for (const text of texts) received.push(await client.waitFor(isMessage(roomId, text)));
      // A round trip after the last message: any late error frame would have arrived by now.
      await roundTrip(client, 'after-burst');

      expect(received.map((f) => f['message'].text)).toEqual(texts);
      expect(client.frames.filter((f) => f['type'] === 'message').map((f) => f['message'].text)).toEqual(texts);
      expect(client.frames.filter((f) => f['type'] === 'error')).toEqual([]);
      app.signal('SIGTERM');
      expect((await within(app.exited, 10_000, 'the app to exit')).code).toBe(0);
    });
  });
}
