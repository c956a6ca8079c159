#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startBaselineServer } from './baseline';

const HELP = `Bare uWebSockets.js baseline for rgchat bench: native uWS pub/sub speaking the
rg-chat-v1 frames the bench uses, with no persistence and no validation.

Usage: node packages/bench/dist/baseline-server.js [--port 8080] [--host 127.0.0.1]
         [--max-backpressure-bytes 1048576] [--max-payload-bytes 65536]

Pin it for measurements, e.g.: taskset -c 1 node packages/bench/dist/baseline-server.js
Refuses to start if uWebSockets.js's native binary does not load (never its JS fallback).
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'max-backpressure-bytes': { type: 'string' },
      'max-payload-bytes': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const int = (raw: string | undefined, name: string): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
    return n;
  };
  const port = int(values.port, 'port');
  const maxBackpressureBytes = int(values['max-backpressure-bytes'], 'max-backpressure-bytes');
  const maxPayloadBytes = int(values['max-payload-bytes'], 'max-payload-bytes');
  const server = await startBaselineServer({
    ...(port === undefined ? {} : { port }),
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(maxBackpressureBytes === undefined ? {} : { maxBackpressureBytes }),
    ...(maxPayloadBytes === undefined ? {} : { maxPayloadBytes }),
  });
  process.stdout.write(`baseline listening on ws://${server.host}:${server.port}/ (pid ${process.pid}, native ${server.binaryPath})\n`);
  const stop = () => {
    server.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`baseline failed: ${(e as Error).message}\n`);
  process.exit(1);
});
