#!/usr/bin/env node
// Runs jest test paths with the app under test started by other Node.js
// major versions, each fetched from npm as the `node@<major>` package through npx:
//   node packages/app/scripts/run-on-node.js 22,24 packages/app/test/ws-postgres packages/app/test/multi-instance
// Jest itself keeps running on this Node; only the spawned servers change
// (see RGCHAT_SERVER_NODE in packages/app/test/support/app-process.ts). Only
// suites whose server needs no native addon can run there: better-sqlite3 is
// compiled for this Node's ABI and uWS ships Node 20 binaries, so these are
// the Postgres suites with the ws transport.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');

const [majors, ...paths] = process.argv.slice(2);
if (!/^\d+(,\d+)*$/.test(majors ?? '') || paths.length === 0) {
  console.error('usage: run-on-node.js <major>[,<major>...] <jest path>...');
  process.exit(2);
}
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

/** The `node@<major>` binary from npm: its version and path. */
function fetchNode(major) {
  // The last line out is ours: npx may print notices before it.
  const line = execFileSync(npx, ['-y', '-p', `node@${major}`, 'node', '-p', 'process.version + " " + process.execPath'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .pop();
  const [version, bin] = line.split(' ');
  if (!version.startsWith(`v${major}.`)) throw new Error(`asked for Node ${major}, npx gave ${line}`);
  return { version, bin };
}

for (const major of majors.split(',')) {
  const { version, bin } = fetchNode(major);
  console.log(`running ${paths.join(' ')} with the app on Node ${version} (${bin})`);
  const jest = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), ...paths], {
    stdio: 'inherit',
    env: { ...process.env, RGCHAT_SERVER_NODE: bin, RGCHAT_SERVER_NODE_VERSION: version },
  });
  if (jest.status !== 0) process.exit(jest.status ?? 1);
}
