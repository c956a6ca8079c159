// Lint for the whole workspace: `pnpm lint`. Type checking is tsc's job
// (`pnpm typecheck`); these rules catch what the compiler lets through.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Packages that implement a port; app chooses among them.
const ADAPTERS = ['runtime-node', 'transport-ws', 'transport-uws', 'store-sqlite', 'store-postgres'];
const PACKAGES = ['chat-core', 'testkit', 'app', 'bench', ...ADAPTERS];

// Another package is used through its public entry (`@rgchat/<name>`):
// what its index does not export is its own to change.
const PUBLIC_ENTRY_ONLY = [
  { group: ['@rgchat/*/**'], message: 'Import the package entry (@rgchat/<name>), not a file inside it.' },
  {
    regex: `^(\\.\\./)+(packages/)?(${PACKAGES.join('|')})(/src(/.*)?|/?)$`,
    message: 'Import another package by name (@rgchat/<name>), not by a relative path into it.',
  },
];
const NO_DI = { name: 'tsyringe', message: 'DI lives in packages/app only.' };

/** Dependencies point inwards: besides npm packages, a file may import only these workspace packages. */
const onlyPackages = (...allowed) => ({
  group: ['@rgchat/*', ...allowed.map((name) => `!@rgchat/${name}`)],
  message: `Dependencies point inwards: only ${allowed.map((name) => `@rgchat/${name}`).join(', ')} here.`,
});

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // Tests and adapters read loosely typed JSON on purpose.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
    },
  },
  {
    // chat-core is pure: no Node built-ins, no drivers, no DI, no ambient time or randomness.
    files: ['packages/chat-core/src/**/*.ts'],
    ignores: ['packages/chat-core/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'net', 'http', 'crypto', 'ws', 'uWebSockets.js', 'pg', 'better-sqlite3', 'tsyringe', 'pino'], message: 'chat-core is pure: this arrives through a port.' },
            { group: ['@rgchat/*'], message: 'chat-core imports no other package: dependencies point inwards.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval', 'setImmediate', 'Buffer', 'require'],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Time comes from the Clock port.' },
        { object: 'Math', property: 'random', message: 'Randomness comes from the Ids port.' },
      ],
    },
  },
  // Which package may import which (docs/architecture.md, "Packages"). One
  // block per role, because a later block's no-restricted-imports replaces an
  // earlier one's for the same file rather than adding to it.
  {
    // Adapters build on chat-core's public entry alone: one adapter never
    // imports another (app composes them), and DI lives in app.
    files: ADAPTERS.map((name) => `packages/${name}/src/**/*.ts`),
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [NO_DI], patterns: [...PUBLIC_ENTRY_ONLY, onlyPackages('chat-core')] }] },
  },
  {
    // An adapter's tests also use testkit's fakes and contract suites.
    files: ADAPTERS.flatMap((name) => [`packages/${name}/test/**/*.ts`, `packages/${name}/src/**/*.test.ts`]),
    rules: { 'no-restricted-imports': ['error', { paths: [NO_DI], patterns: [...PUBLIC_ENTRY_ONLY, onlyPackages('chat-core', 'testkit')] }] },
  },
  {
    // testkit is handed the adapters it tests; importing one would make a
    // cycle with that adapter's tests. runtime-node gives it real time.
    files: ['packages/testkit/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [NO_DI], patterns: [...PUBLIC_ENTRY_ONLY, onlyPackages('chat-core', 'runtime-node')] }] },
  },
  {
    // chat-core's own tests use testkit's fakes; core's internals by relative path.
    files: ['packages/chat-core/src/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...PUBLIC_ENTRY_ONLY, onlyPackages('testkit')] }] },
  },
  {
    // app composes every package, and bench drives app: any public entry.
    files: ['packages/app/**/*.ts', 'packages/bench/test/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: PUBLIC_ENTRY_ONLY }] },
  },
  {
    // bench's tools start the app as a user would; DI stays inside app.
    files: ['packages/bench/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [NO_DI], patterns: PUBLIC_ENTRY_ONLY }] },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: { globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
  },
  {
    // The web page's own scripts: ES modules in the browser, no Node there.
    files: ['packages/web/public/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        document: 'readonly',
        window: 'readonly',
        location: 'readonly',
        localStorage: 'readonly',
        crypto: 'readonly',
        setInterval: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        require: 'off',
        module: 'off',
        __dirname: 'off',
        process: 'off',
      },
    },
  },
);
