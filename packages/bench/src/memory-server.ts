#!/usr/bin/env node
import { createChatServer, type Limits, type Transport, type TransportOptions } from '@rgchat/chat-core';
import { createRandomIds, createSystemClock } from '@rgchat/runtime-node';
import { createMemoryStore } from '@rgchat/testkit';
import { createUwsTransport } from '@rgchat/transport-uws';
import { createWsTransport } from '@rgchat/transport-ws';

const HELP = `rgchat without persistence, for rgchat bench: the real chat-core and transport
with the test kit's in-memory store instead of SQLite or Postgres. Between the bare
baseline and rgchat + SQLite it splits rgchat's overhead into storage and the rest.
Not a deployment option: every message lives in this process's memory until it exits.

Usage: [CHAT_TRANSPORT=uws|ws] [PORT=8080] [HOST=127.0.0.1] node packages/bench/dist/memory-server.js
RATE_LIMIT_PER_SEC, RATE_LIMIT_BURST and MAX_PENDING_REQUESTS are read like the app
reads them (run-suite sets them for every server under test).
`;

const LIMIT_ENV: Partial<Record<keyof Limits, string>> = {
  rateLimitPerSec: 'RATE_LIMIT_PER_SEC',
  rateLimitBurst: 'RATE_LIMIT_BURST',
  maxPendingRequests: 'MAX_PENDING_REQUESTS',
};

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  const env = process.env;
  const limits: Partial<Record<keyof Limits, number>> = {};
  for (const [key, name] of Object.entries(LIMIT_ENV)) {
    const raw = env[name];
    if (raw !== undefined) limits[key as keyof Limits] = Number(raw);
  }
  const kind = env['CHAT_TRANSPORT'] ?? 'uws';
  const options: TransportOptions = { host: env['HOST'] ?? '127.0.0.1', port: Number(env['PORT'] ?? 8080) };
  let transport: Transport;
  if (kind === 'uws') transport = createUwsTransport(options);
  else if (kind === 'ws') transport = createWsTransport(options);
  else throw new Error(`CHAT_TRANSPORT must be uws or ws, got ${kind}`);

  const store = createMemoryStore();
  // createLimits (inside) validates the numbers and names a bad one.
  const fanout = transport.fanout;
  const chat = createChatServer({ store, clock: createSystemClock(), ids: createRandomIds(), ...(fanout ? { fanout } : {}) }, { limits });
  await chat.start();
  const running = await transport.start(chat);
  process.stdout.write(`rgchat (memory store, ${kind}) listening on ws://${options.host}:${running.port}/ (pid ${process.pid})\n`);
  const stop = () => {
    chat.close();
    void running.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`memory server failed: ${(e as Error).message}\n`);
  process.exit(1);
});
