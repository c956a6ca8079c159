// Lint for the whole workspace: `pnpm lint`. Type checking is tsc's job
// (`pnpm typecheck`); these rules catch what the compiler lets through.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
        { patterns: [{ group: ['node:*', 'fs', 'net', 'http', 'crypto', 'ws', 'uWebSockets.js', 'pg', 'better-sqlite3', 'tsyringe', 'pino'], message: 'chat-core is pure: this arrives through a port.' }] },
      ],
      'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval', 'setImmediate', 'Buffer', 'require'],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Time comes from the Clock port.' },
        { object: 'Math', property: 'random', message: 'Randomness comes from the Ids port.' },
      ],
    },
  },
  {
    // tsyringe lives in app only.
    files: ['packages/*/src/**/*.ts'],
    ignores: ['packages/app/**', 'packages/chat-core/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'tsyringe', message: 'DI lives in packages/app only.' }] }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: { globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
  },
);
