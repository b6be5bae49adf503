// Runs once, in vitest's main process, before the test workers start (vitest.config.ts globalSetup).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { EMPTY_CLUSTER_FILE, PGLITE_NODE_FLAGS } from './pglite-cluster.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));

/**
 * Starts making the empty PGlite cluster (test/pglite-cluster.mjs) in a process of its own, without waiting for it:
 * the first tests need no database, so it is usually ready before a test asks for it. A test that asks sooner waits
 * for this process (the cluster's lock file), and one that finds no cluster and no maker makes it itself.
 *
 * Then brings dist/ up to date (`npm run build`: incremental, under a second when nothing changed), whatever started
 * vitest: the tests run the built modules (vitest.config.ts) and the built CLI. A type error anywhere stops the run
 * here, with tsc's own output.
 */
export default function setup(): (() => Promise<void>) | void {
  let ended: Promise<void> | undefined;
  if (!existsSync(EMPTY_CLUSTER_FILE)) {
    const maker = spawn(
      process.execPath,
      [...PGLITE_NODE_FLAGS, fileURLToPath(new URL('./pglite-cluster.mjs', import.meta.url))],
      {
        stdio: 'ignore',
      },
    );
    ended = new Promise<void>((done) => maker.on('close', () => done()));
  }
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const build = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.json', '--incremental'], {
    cwd: REPO,
    encoding: 'utf8',
  });
  if (build.status !== 0) {
    throw new Error(`the build failed (tsc -b tsconfig.json):\n${build.stdout}${build.stderr}${build.error ?? ''}`);
  }
  if (ended) return () => ended;
}
