/** The embedded store's lock file and spool, on the real file system (no database). */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acquireLock,
  ingestSpool,
  spoolRow,
  StoreBusyError,
  tryLock,
  type SpooledRow,
} from '../../src/tracking/embedded.js';
import { RowRejectedError } from '../../src/tracking/stores.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'recon-lock-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has exited. */
const deadPid = (): number =>
  Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);

describe('the lock', () => {
  it('is exclusive, names its holder, and is released only by its holder', async () => {
    const path = join(dir, 'a.lock');
    const first = tryLock(path, 'tracker');
    expect('busy' in first).toBe(false);
    const second = tryLock(path, 'tracker');
    expect(second).toEqual({ busy: expect.objectContaining({ pid: process.pid, role: 'tracker' }) });
    await expect(acquireLock(path, 'reconcile', 200, 'db')).rejects.toThrow(StoreBusyError);
    if ('busy' in first) throw new Error('unreachable');
    first.release();
    expect(existsSync(path)).toBe(false);
    const third = tryLock(path, 'reconcile');
    expect('busy' in third).toBe(false);
    first.release(); // not its lock any more: a no-op
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ role: 'reconcile' });
    if (!('busy' in third)) third.release();
  });

  it('is taken over when its holder is dead', () => {
    const path = join(dir, 'b.lock');
    const pid = deadPid();
    writeFileSync(path, JSON.stringify({ pid, role: 'tracker', since: '2026-01-01T00:00:00Z', token: 'old' }));
    const got = tryLock(path, 'tracker');
    expect('busy' in got).toBe(false);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid });
    if (!('busy' in got)) got.release();
  });

  it("is taken over when it names this process's pid but is older than this process (a container restarted as pid 1)", () => {
    const path = join(dir, 'c.lock');
    writeFileSync(
      path,
      JSON.stringify({ pid: process.pid, role: 'tracker', since: '2026-01-01T00:00:00Z', token: 'before-restart' }),
    );
    const before = new Date(Date.now() - process.uptime() * 1000 - 60_000);
    utimesSync(path, before, before);
    const got = tryLock(path, 'tracker');
    expect('busy' in got).toBe(false);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid, role: 'tracker' });
    // A lock this process took (another store or thread of it) stays exclusive.
    expect(tryLock(path, 'tracker')).toEqual({ busy: expect.objectContaining({ pid: process.pid }) });
    if (!('busy' in got)) got.release();
  });
});

describe('the spool', () => {
  it('keeps each row in its own file until its insert returned; a row the table refuses goes to reject', async () => {
    const spool = join(dir, 'spool');
    await spoolRow(spool, { table: 'token_usage', row: { n: 1 } });
    await spoolRow(spool, { table: 'token_usage', row: { n: 2 } });
    await spoolRow(spool, { table: 'token_usage', row: { n: 3 } });
    expect(readdirSync(spool).filter((f) => f.endsWith('.json'))).toHaveLength(3);

    // A database that fails part-way: what was not stored stays for the next pass.
    const stored: SpooledRow[] = [];
    const failing = async (entry: SpooledRow) => {
      if (entry.row.n === 2) throw new Error('connection lost');
      stored.push(entry);
    };
    await expect(ingestSpool(spool, failing, async () => {})).rejects.toThrow('connection lost');
    expect(readdirSync(spool).filter((f) => f.endsWith('.json'))).toHaveLength(2);

    const rejected: unknown[] = [];
    const refusing = async (entry: SpooledRow) => {
      if (entry.row.n === 3) throw new RowRejectedError('no column n');
      stored.push(entry);
    };
    expect(await ingestSpool(spool, refusing, async (row) => void rejected.push(row))).toEqual({
      stored: 1,
      rejected: 1,
    });
    expect(stored.map((e) => e.row.n)).toEqual([1, 2]);
    expect(rejected).toEqual([{ table: 'token_usage', row: { n: 3 } }]);
    expect(readdirSync(spool)).toEqual([]);
  });
});
