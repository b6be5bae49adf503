import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'eslint-plugin/**/*.test.ts', 'src/**/*.test.ts'],
    // Generous: a whole-program tsc or a spawned CLI takes a few seconds idle and a minute or more on a loaded 2-core
    // machine; a limit is for a hang, never a measure of speed (that is `npm run bench`).
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // Two cores on CI: keep parallelism modest, CLI tests spawn processes of their own.
    maxWorkers: 2,
  },
});
