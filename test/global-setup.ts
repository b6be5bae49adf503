// Runs once, in vitest's main process, before the test workers start (vitest.config.ts globalSetup).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EMPTY_CLUSTER_FILE } from './pglite-cluster.mjs';

/**
 * Starts making the empty PGlite cluster (test/pglite-cluster.mjs) in a process of its own, without waiting for it:
 * the first tests need no database, so it is usually ready before a test asks for it. A test that asks sooner waits
 * for this process (the cluster's lock file), and one that finds no cluster and no maker makes it itself.
 */
export default function setup(): (() => Promise<void>) | void {
  if (existsSync(EMPTY_CLUSTER_FILE)) return;
  const maker = spawn(process.execPath, [fileURLToPath(new URL('./pglite-cluster.mjs', import.meta.url))], {
    stdio: 'ignore',
  });
  const ended = new Promise<void>((done) => maker.on('close', () => done()));
  return () => ended;
}
