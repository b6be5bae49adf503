/**
 * The embedded store shared by several processes on one host. PGlite is one process's database: two processes that
 * open the same data directory overwrite each other's writes (rows lost with `ok: true`) or leave a directory that no
 * longer opens. So:
 *
 * - One process at a time owns the directory: it holds `<dir>.lock`, created atomically (`O_EXCL`) with its pid. A
 *   lock whose pid is dead is taken over (under a second, short-lived lock, so two processes never both take it).
 * - The other processes never open the database: each row goes to its own file in `<dir>.spool/` (written to a
 *   temporary name, fsynced, renamed into place, directory fsynced), and only then does the tracker say `ok: true`.
 * - Whoever owns the directory (the tracker while it owns it, `reconcile` when it opens the store) moves the spooled
 *   rows into the table, each insert idempotent (the row's idempotency key), and deletes a file only after its row
 *   is committed.
 * - The owning tracker gives the directory up after a few seconds without tracking, so `reconcile` (which waits a
 *   bounded time for the lock, then refuses naming the holder) can run next to an idle dev server.
 *
 * For development and single-host apps. Several hosts or containers need a database server (`postgresStore`).
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';

export interface LockHolder {
  pid: number;
  role: string;
  since: string;
  token: string;
}

/** The store is owned by another live process (or another store in this one). */
export class StoreBusyError extends Error {
  constructor(
    message: string,
    readonly holder: LockHolder | null,
  ) {
    super(message);
    this.name = 'StoreBusyError';
  }
}

export interface HeldLock {
  readonly path: string;
  readonly token: string;
  /** Removes the lock file if it is still ours. */
  release(): void;
}

// A lock file that exists but is still empty (its creator is between open and write) is only stale after this long.
const HALF_WRITTEN_LOCK_MS = 10_000;

const errnoOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | null)?.code;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return errnoOf(error) === 'EPERM';
  }
}

function readHolder(path: string): LockHolder | null | 'absent' {
  try {
    const text = readFileSync(path, 'utf8');
    const parsed = JSON.parse(text) as LockHolder;
    return typeof parsed.pid === 'number' && typeof parsed.token === 'string' ? parsed : null;
  } catch (error) {
    return errnoOf(error) === 'ENOENT' ? 'absent' : null;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** The lock file was last written before this process started. */
function madeBeforeThisProcess(path: string): boolean {
  try {
    return statSync(path).mtimeMs < Date.now() - process.uptime() * 1000;
  } catch {
    return false;
  }
}

/** Creates `path` only if it does not exist; writes and fsyncs `text` into it. False when it exists. */
function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    if (errnoOf(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Takes over a stale lock, holding `<lock>.takeover` meanwhile so that two processes never both replace it. */
function takeOverStale(path: string, stale: string): void {
  const guard = `${path}.takeover`;
  if (!createExclusive(guard, String(process.pid))) {
    // A takeover that died half-way leaves its guard; it is old and nobody else is using it.
    if (ageMs(guard) > HALF_WRITTEN_LOCK_MS) rmQuiet(guard);
    return;
  }
  try {
    let current: string | undefined;
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      return;
    }
    if (current === stale) rmQuiet(path);
  } finally {
    rmQuiet(guard);
  }
}

function rmQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/** Tries once to take the lock; returns it, or the live holder. */
export function tryLock(path: string, role: string): HeldLock | { busy: LockHolder | null } {
  const holder: LockHolder = { pid: process.pid, role, since: new Date().toISOString(), token: randomUUID() };
  const text = JSON.stringify(holder);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    if (createExclusive(path, text)) {
      const release = () => {
        const current = readHolder(path);
        if (current !== 'absent' && current?.token === holder.token) rmQuiet(path);
        process.removeListener('exit', release);
      };
      // A process that exits without closing its tracker leaves no lock behind (a killed one leaves a stale one).
      process.on('exit', release);
      return { path, token: holder.token, release };
    }
    const current = readHolder(path);
    if (current === 'absent') continue;
    if (current === null) {
      if (ageMs(path) <= HALF_WRITTEN_LOCK_MS) return { busy: null };
    } else if (current.pid === process.pid ? !madeBeforeThisProcess(path) : isAlive(current.pid)) {
      // This process's pid: another store or thread of it holds the lock, unless the lock is older than this process
      // (left by an earlier process that had the same pid: a container restarted as pid 1).
      return { busy: current };
    }
    let staleText: string;
    try {
      staleText = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    takeOverStale(path, staleText);
  }
  return { busy: null };
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Waits up to `waitMs` for the lock; then throws a StoreBusyError naming the holder and what to do. */
export async function acquireLock(path: string, role: string, waitMs: number, what: string): Promise<HeldLock> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const got = tryLock(path, role);
    if (!('busy' in got)) return got;
    if (Date.now() >= deadline) {
      const by = got.busy ? `process ${got.busy.pid} (${got.busy.role}, since ${got.busy.since})` : 'another process';
      throw new StoreBusyError(
        `the embedded store ${what} is in use by ${by}; waited ${Math.round(waitMs / 1000)} s. A tracker gives it up after a few seconds without tracking: stop that process or let it go idle, then run again (or keep the rows in Postgres: --db postgres://…). If no such process runs, remove ${path}.`,
        got.busy,
      );
    }
    await sleep(100);
  }
}

/** The files next to a data directory. */
export function embeddedPaths(dataDir: string): { dir: string; lock: string; spool: string; columns: string } {
  const dir = resolve(dataDir);
  return { dir, lock: `${dir}.lock`, spool: `${dir}.spool`, columns: `${dir}.columns.json` };
}

/** Writes `text` to `path` durably and atomically: a temporary file, fsync, rename, fsync of the directory. */
export async function writeDurably(directory: string, name: string, text: string): Promise<void> {
  // A directory made now is itself an entry of its parent: fsynced there too, or a crash can lose it with its files.
  const created = await mkdir(directory, { recursive: true });
  if (created !== undefined) {
    const parent = await open(dirname(created), 'r');
    try {
      await parent.sync();
    } finally {
      await parent.close();
    }
  }
  const temporary = join(directory, `.${name}.${process.pid}.tmp`);
  const file = await open(temporary, 'w');
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, join(directory, name));
  const dirHandle = await open(directory, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

/** One spooled row and the table it is for. */
export interface SpooledRow {
  table: string;
  row: Record<string, unknown>;
}

let spooled = 0;

/** Spools one row for the owner to store: durable when this resolves. */
export async function spoolRow(spoolDir: string, entry: SpooledRow): Promise<void> {
  // Named to sort in the order this process spooled them, also within one millisecond (ingested in that order).
  spooled += 1;
  const name = `${Date.now()}-${process.pid}-${String(spooled).padStart(12, '0')}-${randomUUID()}.json`;
  await writeDurably(spoolDir, name, JSON.stringify(entry));
}

export interface IngestResult {
  stored: number;
  rejected: number;
}

/**
 * Stores the spooled rows through `insert` (idempotent: a row stored before a crash is not stored twice) and deletes
 * each file after its insert returned. A row the table refuses for good is passed to `reject` (then deleted); a
 * RowDeferredError leaves that file for a later pass and goes on; any other failure stops the pass and leaves the
 * files for the next one.
 */
export async function ingestSpool(
  spoolDir: string,
  insert: (entry: SpooledRow) => Promise<unknown>,
  reject: (row: unknown, error: Error) => Promise<void>,
): Promise<IngestResult> {
  let names: string[];
  try {
    names = (await readdir(spoolDir)).filter((name) => name.endsWith('.json') && !name.startsWith('.')).sort();
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return { stored: 0, rejected: 0 };
    throw error;
  }
  const result: IngestResult = { stored: 0, rejected: 0 };
  for (const name of names) {
    const path = join(spoolDir, name);
    let row: SpooledRow;
    try {
      row = JSON.parse(await readFile(path, 'utf8')) as SpooledRow;
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') continue;
      await reject(null, new Error(`spool file ${path} is not a row: ${(error as Error).message}`));
      await rename(path, `${path}.unreadable`).catch(() => {});
      result.rejected += 1;
      continue;
    }
    try {
      await insert(row);
      result.stored += 1;
    } catch (error) {
      // Not storable yet (its table does not exist yet): left spooled, without holding back the rows after it.
      if ((error as Error | null)?.name === 'RowDeferredError') continue;
      if ((error as Error | null)?.name !== 'RowRejectedError') throw error;
      await reject(row, error as Error);
      result.rejected += 1;
    }
    await unlink(path).catch(() => {});
  }
  return result;
}

export interface OpenEmbeddedStoreOptions {
  /** The data directory (e.g. `.recon/db`), resolved against the working directory. */
  dir: string;
  /** Who holds the lock, for the message another process sees (e.g. `reconcile`). */
  role: string;
  /** How long to wait for a tracker to give the store up (default 15 s). */
  waitMs?: number;
}

export interface EmbeddedStoreHandle {
  db: PGlite;
  /** Spooled rows stored (and refused) when the store was opened. */
  ingested: IngestResult;
  /** Closes the database and gives the lock up. Safe to call twice. */
  close(): Promise<void>;
}
