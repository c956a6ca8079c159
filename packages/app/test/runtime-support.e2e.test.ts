import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { greet, roundTrip } from './support/chat-client';
import { runAppToExit, serverNodeVersion, startAppProcess, stopAllApps } from './support/app-process';
import { buildApp } from './support/build-app';
import { describePostgres, dropSchema, freshSchema, postgresEnv } from './support/postgres-env';

// What each supported Node.js can run (docs/deployment.md, "Supported Node.js"). Under plain jest the
// app runs on this Node (20); run-on-node.js runs this file with the app on Node 22 and 24, where the
// uWS build (Node 20 binaries only) must refuse to start with advice, and ws + Postgres must serve.
describePostgres(`the app on Node ${serverNodeVersion()}`, () => {
  const schema = freshSchema();
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rgchat-runtime-'));
    await buildApp();
  }, 180_000);
  afterAll(async () => {
    await stopAllApps();
    await dropSchema(schema);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('ws + Postgres starts, serves a round trip and stops cleanly', async () => {
    const app = await startAppProcess({ ...postgresEnv(schema), CHAT_TRANSPORT: 'ws' }, dir);
    expect(await app.waitForLog((l) => l['msg'] === 'starting rgchat')).toMatchObject({ node: serverNodeVersion() });
    const { client } = await greet(app.url, 'runtime');
    await roundTrip(client, `on-${serverNodeVersion()}`);
    app.signal('SIGTERM');
    expect(await app.exited).toEqual({ code: 0, signal: null });
  });

  const nativeUws = serverNodeVersion().startsWith('v20.');
  (nativeUws ? test.skip : test)('uWS refuses to start on a Node it has no binary for, naming the runtime and suggesting ws', async () => {
    const result = await runAppToExit({ ...postgresEnv(schema), CHAT_TRANSPORT: 'uws' }, dir);
    expect(result.code).toBe(1);
    const fatal = result.logs.find((l) => l['level'] === 'fatal');
    expect(fatal?.['msg']).toContain(`no native binary for Node ${serverNodeVersion()}`);
    expect(fatal?.['msg']).toMatch(/CHAT_TRANSPORT=ws/);
  });
});
