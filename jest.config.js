/** One jest run over every package; workspace imports resolve to src, so tests need no build. */
const path = require('node:path');
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages'],
  testMatch: ['**/?(*.)test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: {
    // Type checking is `tsc -b` (pnpm typecheck); jest only transpiles.
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.jest.json') }],
  },
  moduleNameMapper: {
    '^@rgchat/([a-z-]+)$': '<rootDir>/packages/$1/src',
    // The ESM packages (client, cli) import siblings as './x.js', as browsers and
    // Node's ESM loader need; under jest the source is './x.ts'.
    '^(\\.{1,2}/.+)\\.js$': '$1',
  },
  testTimeout: 30000,
};
