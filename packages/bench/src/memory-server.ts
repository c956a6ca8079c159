#!/usr/bin/env node
import { ConfigError, createLogger, loadConfig, startApp, toCoreLog } from '@rgchat/app';
import { createMemoryStore } from '@rgchat/testkit';

const HELP = `rgchat without persistence, for rgchat bench: the app exactly as
packages/app/dist/main.js wires it (same configuration, transport, core and
logger) but on the test kit's in-memory store instead of SQLite or Postgres.
Between the bare baseline and rgchat + SQLite it splits rgchat's overhead into
storage and the rest. Not a deployment option: every message lives in this
process's memory until it exits, and the storage variables are ignored.

Usage: [CHAT_TRANSPORT=uws|ws] [PORT=8080] [LOG_LEVEL=warn] ... node packages/bench/dist/memory-server.js
Reads the same environment as the app (see .env.example).
`;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  const config = loadConfig(process.env);
  const store = createMemoryStore();
  const app = await startApp(config, {
    log: toCoreLog(createLogger(config.logLevel)),
    storage: { store, close: () => store.close() },
  });
  process.stdout.write(`rgchat (memory store, ${config.transport.kind}) listening on ws://${config.transport.host}:${app.port}/ (pid ${process.pid})\n`);
  const stop = () => void app.close().finally(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  const detail = e instanceof ConfigError ? `\n${e.problems.map((p) => `  ${p}`).join('\n')}` : '';
  process.stderr.write(`memory server failed: ${(e as Error).message}${detail}\n`);
  process.exit(1);
});
