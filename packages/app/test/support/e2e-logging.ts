import { join } from 'node:path';
import { startAppProcess, type ListeningApp } from './app-process';
import { createRoom, greet, isMessage, joinRoom } from './chat-client';
import type { EndToEndContext } from './end-to-end-context';

const ORIGIN = 'https://chat.logs.example';

/** What operators read: JSON lines with connect/disconnect context, and no chat text at info. */
export function describeLoggingEndToEnd({ env, run, dir }: EndToEndContext): void {
  describe('structured logs', () => {
    let app: ListeningApp;

    beforeAll(async () => {
      app = await startAppProcess({ SQLITE_PATH: join(dir(), 'logs', 'chat.db'), ...env, LOG_LEVEL: 'info' }, dir());
    }, 30_000);

    test('connect and disconnect carry id, address, origin, duration and close code; message text never appears', async () => {
      const secret = `zebra-sentinel-${run}-text`;
      const roomId = `${run}-logs`;
      const { client, clientId } = await greet(app.url, 'logger', { origin: ORIGIN });
      await createRoom(client, roomId, roomId);
      await joinRoom(client, roomId);
      client.send({ type: 'send_message', roomId, message: { type: 'message', text: secret } });
      await client.waitFor(isMessage(roomId, secret));
      // An invalid request echoes nothing of its content into the logs either.
      client.send({ type: 'send_message', roomId: `${roomId}-nowhere`, message: { type: 'message', text: `${secret}-rejected` } });
      await client.next('error');
      client.close(4000, 'bye');

      const connect = await app.waitForLog((l) => l['msg'] === 'connect' && l['connId'] === clientId);
      expect(connect).toMatchObject({ level: expect.anything(), remoteAddress: '127.0.0.1', origin: ORIGIN });
      const disconnect = await app.waitForLog((l) => l['msg'] === 'disconnect' && l['connId'] === clientId);
      expect(disconnect).toMatchObject({ remoteAddress: '127.0.0.1', origin: ORIGIN, code: 4000, durationMs: expect.any(Number) });
      expect(disconnect['durationMs']).toBeGreaterThanOrEqual(0);

      // Every stdout line is one JSON object with a level and a time.
      expect(app.logs.length).toBeGreaterThan(0);
      for (const line of app.logs) {
        expect(line['raw']).toBeUndefined();
        expect(line['level']).toBeDefined();
        expect(line['time']).toBeDefined();
      }
      expect(app.stdout()).not.toContain(secret);
      expect(app.stderr()).not.toContain(secret);
    });
  });
}
