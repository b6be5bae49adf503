import { defineConfig } from 'vitest/config';

/** Files that replace a module (vi.mock) for their own tests: they get a fresh module graph of their own. */
const ISOLATED = ['eslint-plugin/tests/robustness.test.ts'];

const shared = {
  // Generous: a whole-program tsc or a spawned CLI takes a few seconds idle and a minute or more on a loaded 2-core
  // machine; a limit is for a hang, never a measure of speed (that is `npm run bench`).
  testTimeout: 300_000,
  hookTimeout: 300_000,
  // Per test file: test/helpers.ts's temp copies and CLI worker are released when the file's tests are done.
  setupFiles: ['test/setup.ts'],
};

export default defineConfig({
  test: {
    // The empty PGlite cluster every test database starts from, made in the background (test/global-setup.ts).
    globalSetup: ['test/global-setup.ts'],
    // Two cores on CI: keep parallelism modest, CLI tests spawn processes of their own.
    maxWorkers: 2,
    projects: [
      {
        test: {
          ...shared,
          name: 'suite',
          include: ['test/**/*.test.ts', 'eslint-plugin/**/*.test.ts', 'src/**/*.test.ts'],
          exclude: ISOLATED,
          // Test files in a worker share loaded modules (TypeScript, ts-morph, ESLint load once per worker, not once
          // per file: a second of CPU each). A file that needs a module of its own goes in ISOLATED.
          isolate: false,
        },
      },
      { test: { ...shared, name: 'isolated', include: ISOLATED, isolate: true } },
    ],
  },
});
