import { stopAllApps } from '../support/app-process';
import { buildApp } from '../support/build-app';
import { createRoom, dropClients, greet, joinRoom } from '../support/chat-client';
import { eventually } from '../support/multi-instance';
import { allowWrites, dropSchema, freshSchema, postgresEnv, refuseWrites } from '../support/postgres-env';
import { HONEST_ADDRESS, removeBatteryDirs, startBatteryApp } from './battery-app';
import { createFigures } from './figures';

/** The tables an append or the health check writes. */
const TABLES = ['rooms', 'messages', 'health'];

/** Issue #10 item 7 on Postgres: /healthz must turn 503 when the database answers reads but refuses writes. */
export function describePostgresRefusedWrites(): void {
  describe('store-fault battery: postgres refusing writes', () => {
    const figures = createFigures('postgres refusing writes');
    const schema = freshSchema();
    beforeAll(() => buildApp(), 180_000);
    afterAll(async () => {
      dropClients();
      await stopAllApps();
      removeBatteryDirs();
      await dropSchema(schema);
      figures.print();
    });

    test('/healthz turns 503 while writes fail and 200 once they work; the server stays up', async () => {
      const app = await startBatteryApp(postgresEnv(schema));
      const { client } = await greet(app.url, 'writer', { headers: { 'X-Forwarded-For': HONEST_ADDRESS } });
      await createRoom(client, 'full', 'full');
      await joinRoom(client, 'full');
      expect(await app.health()).toBe(200);

      await refuseWrites(schema, TABLES);
      expect(await app.health()).toBe(503);
      client.send({ type: 'send_message', roomId: 'full', message: { type: 'message', text: 'refused' } });
      expect(await client.waitFor((f) => f['type'] === 'error' && f['requestType'] === 'send_message', 15_000)).toMatchObject({
        code: 'STORE_UNAVAILABLE',
      });

      await allowWrites(schema, TABLES);
      client.send({ type: 'send_message', roomId: 'full', message: { type: 'message', text: 'writable again' } });
      await client.waitFor((f) => f['type'] === 'message' && f['message']?.text === 'writable again', 15_000);
      await eventually('/healthz answers 200 again', async () => (await app.health()) === 200, 15_000);
      figures.record({ inputs: 2, crashes: app.alive() ? 0 : 1, lost: 0, pingLatenciesMs: [] });
      expect(app.alive()).toBe(true);
    }, 60_000);
  });
}
