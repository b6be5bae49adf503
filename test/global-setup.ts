// Runs once, in vitest's main process, before the test workers start (vitest.config.ts globalSetup).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
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
  // package.json's `build` script, run with Node directly (npm's own start-up is most of an up-to-date build's time).
  const script = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: { build: string } })
    .scripts.build;
  const [command, ...args] = script.split(' ');
  if (command !== 'tsc') throw new Error(`package.json's build script is not a tsc command: ${script}`);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const build = spawnSync(process.execPath, [tsc, ...args], { cwd: REPO, encoding: 'utf8' });
  if (build.status !== 0) {
    throw new Error(`the build failed (${script}):\n${build.stdout}${build.stderr}${build.error ?? ''}`);
  }
  if (ended) return () => ended;
}
