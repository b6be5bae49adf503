// The empty PGlite cluster the tests start their databases from (initdb's output, as a tarball), made once per
// PGlite version and kept in node_modules/.cache: initdb is 5-6 CPU seconds, and each test worker used to run it.
// test/global-setup.ts starts this file as a process at the start of `npm test`, so the cluster is usually ready
// before the first test that needs it; a worker that finds another process making it waits for that one.
// Run directly (`node test/pglite-cluster.mjs`), it makes the file if it is missing.
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const REPO = fileURLToPath(new URL('..', import.meta.url));
/** PGlite's dist/ directory (its wasm, initdb and file-system bundle). */
export const PGLITE_DIST = dirname(require.resolve('@electric-sql/pglite'));
const version = JSON.parse(readFileSync(join(PGLITE_DIST, '..', 'package.json'), 'utf8')).version;

/** Where the cluster of this PGlite version is kept. */
export const EMPTY_CLUSTER_FILE = join(
  REPO,
  'node_modules',
  '.cache',
  'recon-codemod-tests',
  `pglite-${version}-empty.tar`,
);

/**
 * Node flags for the processes that start PGlite in the tests (the database project's workers, the processes they
 * spawn, `npm run demo`, the cluster's maker): WebAssembly compiled by V8's baseline compiler only. V8 otherwise
 * recompiles PGlite's hot functions with its optimizing compiler, on more CPU than a test's few queries ever win
 * back: a cold start (initdb) took 6.7 CPU s, and 4.3 with this flag; a database test file about a fifth less. It
 * changes how the WebAssembly is compiled, not what it does.
 */
export const PGLITE_NODE_FLAGS = ['--liftoff-only'];

/** A maker that has held the lock this long without finishing is taken to have died. */
const STALE_LOCK_MS = 180_000;

/** The cluster's bytes: read from the cache, made by this process, or waited for while another process makes it. */
export async function emptyClusterBytes() {
  for (;;) {
    if (existsSync(EMPTY_CLUSTER_FILE)) return readFileSync(EMPTY_CLUSTER_FILE);
    const lock = `${EMPTY_CLUSTER_FILE}.lock`;
    let fd;
    try {
      mkdirSync(dirname(lock), { recursive: true });
      fd = openSync(lock, 'wx');
    } catch (error) {
      // A cache that cannot be written (a read-only node_modules): made here, and not kept.
      if (error.code !== 'EEXIST') return makeEmptyCluster();
      // Another process is making it: wait for it, unless it is gone (killed mid-way) or has held the lock too long;
      // then take the lock over.
      if (makerIsGone(lock)) rmSync(lock, { force: true });
      else await new Promise((done) => setTimeout(done, 100));
      continue;
    }
    try {
      writeFileSync(fd, String(process.pid));
      const bytes = await makeEmptyCluster();
      // Written beside, then renamed: a reader never sees half a file.
      const partial = `${EMPTY_CLUSTER_FILE}.${process.pid}.tmp`;
      try {
        writeFileSync(partial, bytes);
        renameSync(partial, EMPTY_CLUSTER_FILE);
      } catch {
        // Not kept (a full disk, say): this run has it, the next makes it again.
        rmSync(partial, { force: true });
      }
      return bytes;
    } finally {
      closeSync(fd);
      rmSync(lock, { force: true });
    }
  }
}

function makerIsGone(lock) {
  try {
    if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) return true;
    const pid = Number(readFileSync(lock, 'utf8'));
    // Just created, its pid not written yet: not gone.
    if (!pid) return false;
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // No such process (ESRCH): gone. No lock any more (ENOENT): the loop looks again. Another user's (EPERM): alive.
    return error.code === 'ESRCH';
  }
}

async function makeEmptyCluster() {
  const { PGlite } = await import('@electric-sql/pglite');
  const template = await PGlite.create();
  try {
    return Buffer.from(await (await template.dumpDataDir('none')).arrayBuffer());
  } finally {
    await template.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await emptyClusterBytes();
