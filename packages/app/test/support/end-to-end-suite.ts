import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopAllApps } from './app-process';
import { buildApp } from './build-app';
import { dropClients } from './chat-client';
import { describeAbuseEndToEnd } from './e2e-abuse';
import { describeAcksDeleteReactionsRoomsEndToEnd } from './e2e-acks-delete-reactions-rooms';
import { describeDurabilityEndToEnd } from './e2e-durability';
import { describeExtensionsEndToEnd } from './e2e-extensions';
import { describeHeartbeatEndToEnd } from './e2e-heartbeat';
import { describeLoggingEndToEnd } from './e2e-logging';
import { describePipeliningEndToEnd } from './e2e-pipelining';
import { describePresenceEndToEnd } from './e2e-presence';
import { describeProtocolEndToEnd } from './e2e-protocol';
import { describeRoomListsEndToEnd } from './e2e-room-lists';
import type { EndToEndContext } from './end-to-end-context';

/**
 * The rg-chat-v1 contract end to end, against the built app process
 * (`node packages/app/dist/main.js`) over real sockets. `env` selects the
 * adapters under test and is laid over the suite's own settings, e.g.
 * `{}` (ws + SQLite), `{ CHAT_TRANSPORT: 'uws' }` or
 * `{ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' }`. Room names
 * carry a per-run id, so a store shared with earlier runs is fine. The
 * flood test expects the default rate limits, so leave RATE_LIMIT_* unset.
 */
export function describeEndToEnd(label: string, env: Readonly<Record<string, string>> = {}): void {
  describe(`end to end: ${label}`, () => {
    let dir = '';
    const ctx: EndToEndContext = {
      env,
      run: `e2e${randomBytes(4).toString('hex')}`,
      dir: () => {
        if (!dir) throw new Error('the temp dir exists only inside tests and hooks');
        return dir;
      },
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'rgchat-e2e-'));
      await buildApp();
    }, 180_000);

    afterEach(() => dropClients());

    afterAll(async () => {
      dropClients();
      await stopAllApps();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    describeProtocolEndToEnd(ctx);
    describeHeartbeatEndToEnd(ctx);
    describeLoggingEndToEnd(ctx);
    describeDurabilityEndToEnd(ctx);
    describePipeliningEndToEnd(ctx);
    describeAbuseEndToEnd(ctx);
    describeRoomListsEndToEnd(ctx);
    describeExtensionsEndToEnd(ctx);
    describeAcksDeleteReactionsRoomsEndToEnd(ctx);
    describePresenceEndToEnd(ctx);
  });
}
