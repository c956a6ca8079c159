#!/usr/bin/env node
import { interactive } from './interactive.js';
import { parseArgs, USAGE, UsageError, type CliOptions } from './args.js';
import { sendOnce } from './send-once.js';
import { tail } from './tail.js';

const out = (line: string) => void process.stdout.write(line + '\n');
const err = (line: string) => void process.stderr.write(line + '\n');

let options: CliOptions;
try {
  options = parseArgs(process.argv.slice(2), process.env);
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  err(`rgchat-cli: ${e.message}\n\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  out(USAGE);
  process.exit(0);
}
const run = options.send !== undefined ? sendOnce(options, out, err) : options.tail ? tail(options, out, err) : interactive(options);
run.then(
  (code) => process.exit(code),
  (e: unknown) => {
    err(`rgchat-cli: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
