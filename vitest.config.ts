import { relative, resolve, sep } from 'node:path';
import { defineConfig, type Plugin } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { PGLITE_NODE_FLAGS } from './test/pglite-cluster.mjs';
import { TYPE_CHECK_FILES } from './test/type-check-files.js';

const REPO = import.meta.dirname;

/** A file's path from the repository's root, with `/`: how the lists below name files. */
const repoPath = (file: string) => relative(REPO, file).split(sep).join('/');

/**
 * Tests import the product's modules (src/, codemods/, eslint-plugin/) as its users run them: the build in dist/
 * (test/global-setup.ts makes it up to date), loaded by Node itself. Through vitest's transform every reference to
 * another module's export is a getter call (ts.isCallExpression, twice through getters, in the engine's every step),
 * which made the agreement test a third slower than on the build. One instance of each module, too: runCli's
 * `main` (dist) and a test's own import share the engine's caches.
 */
const runBuiltModules: Plugin = {
  name: 'recon-codemod:run-built-modules',
  enforce: 'pre',
  async resolveId(source, importer, options) {
    if (!importer || !source.startsWith('.')) return null;
    const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
    if (!resolved) return null;
    const path = repoPath(resolved.id);
    const product = /^(src|codemods|eslint-plugin)\/.*(?<!\.d)\.ts$/.test(path) && !/\.test\.ts$|\/tests\//.test(path);
    return product ? { id: resolve(REPO, 'dist', path.replace(/\.ts$/, '.js')), external: true } : null;
  },
};

/** Files that replace a module (vi.mock) for their own tests: they get a fresh module graph of their own. */
const ISOLATED = ['eslint-plugin/tests/robustness.test.ts'];

/** The tests of the tracker, the SQL and reconcile: embedded Postgres (PGlite) and the machine's PostgreSQL. */
const DATABASE = ['test/tracking/**/*.test.ts', 'test/reconcile/**/*.test.ts', 'test/schema/**/*.test.ts'];

/** Test files in a worker share loaded modules: TypeScript, ts-morph, ESLint load once per worker, not once per file. */
const sharedModules = {
  // A file that needs a module of its own goes in ISOLATED.
  isolate: false,
  // dist/ runs natively (runBuiltModules), not through vitest's transform.
  server: { deps: { external: [/\/dist\//] } },
};

/** The whole-program type checks: one file that imports them all (test/type-check-files.ts). */
const TYPE_CHECKS = 'test/type-checks.test.ts';

/**
 * Small files that are slow: on a first run (a fresh clone) vitest has no timings and runs the larger files first, so
 * these ran last, one of them alone on a core at the end (own-code: 12 s with its caches cold; the demo: 8 s).
 */
const SLOW_SMALL_FILES = ['test/own-code.test.ts', 'test/demo.test.ts'];

/**
 * The type checks first: their one file takes one worker for most of the run (41-44 CPU s; in two workers, each
 * parsing the SDKs' declarations, 57), while the other files go through the other core, then both. Then each project's
 * files in vitest's order (by name; the longest first), SLOW_SMALL_FILES first in theirs.
 */
class RunOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const project = (f: TestSpecification) => (f.project.name === 'type-checks' ? 0 : 1);
    const slowSmall = (f: TestSpecification) => (SLOW_SMALL_FILES.includes(repoPath(f.moduleId)) ? 0 : 1);
    // vitest's order keeps each project's files together: their index orders files of different projects.
    const order = new Map(sorted.map((f, i) => [f, i]));
    return sorted.sort(
      (a, b) =>
        project(a) - project(b) ||
        (a.project.name === b.project.name ? slowSmall(a) - slowSmall(b) : 0) ||
        order.get(a)! - order.get(b)!,
    );
  }
}

const shared = {
  // Generous: a whole-program tsc or a spawned CLI takes a few seconds idle and a minute or more on a loaded 2-core
  // machine; a limit is for a hang, never a measure of speed (that is `npm run bench`).
  testTimeout: 300_000,
  hookTimeout: 300_000,
  // Per test file: test/helpers.ts's temp copies are removed when the file's tests are done.
  setupFiles: ['test/setup.ts'],
};

export default defineConfig({
  test: {
    // The build the tests run, and the empty PGlite cluster every test database starts from (test/global-setup.ts).
    globalSetup: ['test/global-setup.ts'],
    // Two cores on CI: keep parallelism modest, CLI tests spawn processes of their own.
    maxWorkers: 2,
    sequence: { sequencer: RunOrder },
    // Each project's files run in workers of their own, so that a worker's heap holds only its own files' leftovers:
    // the garbage collector marks all of it, again and again. The type checks keep several hundred MB of parsed SDK
    // declarations; in the workers that held them, a PGlite start (large buffers, so full collections) took 2-5 CPU s
    // instead of 0.5, and the ESLint and codemod tests were slower too. Two workers run at a time: the type checks'
    // from the start, beside the others' (RunOrder), which then run one project after the other (by name).
    projects: [
      {
        plugins: [runBuiltModules],
        test: {
          ...shared,
          ...sharedModules,
          name: 'suite',
          include: ['test/**/*.test.ts', 'eslint-plugin/**/*.test.ts', 'src/**/*.test.ts'],
          exclude: [...ISOLATED, ...DATABASE, TYPE_CHECKS, ...TYPE_CHECK_FILES],
        },
      },
      {
        plugins: [runBuiltModules],
        // PGlite starts for a lower CPU cost (test/pglite-cluster.mjs).
        test: { ...shared, ...sharedModules, name: 'database', include: DATABASE, execArgv: PGLITE_NODE_FLAGS },
      },
      {
        plugins: [runBuiltModules],
        test: { ...shared, ...sharedModules, name: 'type-checks', include: [TYPE_CHECKS] },
      },
      // vi.mock replaces a module of the transformed graph: these files import the sources.
      { test: { ...shared, name: 'isolated', include: ISOLATED, isolate: true } },
    ],
  },
});
