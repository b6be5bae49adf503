/**
 * Several app processes on one embedded store (`.recon/db`), as a Next.js app with several workers runs: every row
 * a tracker called `ok` is stored, once; `reconcile`'s opening of the store waits for the lock and refuses naming the
 * process that holds it, and the directory still opens afterwards. Spawns node processes running the built tracker
 * (dist/, which `npm test` builds first).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spoolRow } from '../../src/tracking/embedded.js';
import { createTracker, openEmbeddedStore, pgliteStore, StoreBusyError } from '../../src/tracking/index.js';
import { emptyPGliteDir } from '../helpers.js';
import { PGLITE_NODE_FLAGS } from '../pglite-cluster.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const built = join(root, 'dist', 'src', 'tracking', 'index.js');
const child = join(root, 'test', 'tracking', 'processes', 'track-child.mjs');

let workDir: string;
let dataDir: string;
beforeAll(async () => {
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first (npm test does)`);
  workDir = mkdtempSync(join(tmpdir(), 'recon-processes-'));
  dataDir = join(workDir, '.recon', 'db');
  // The directory holds an empty database (initdb on first use is tested in stores.test.ts); the store creates its table.
  await emptyPGliteDir(dataDir);
  const store = pgliteStore({ dataDir });
  await store.db();
  await store.close();
});
afterAll(() => workDir && rmSync(workDir, { recursive: true, force: true }));

interface ChildResult {
  pid: number;
  ok: number;
  failed: number;
  errors: string[];
}

function track(tag: string, rows: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...PGLITE_NODE_FLAGS, child], {
      env: { ...process.env, TRACKING: pathToFileURL(built).href, DATA_DIR: dataDir, ROWS: String(rows), TAG: tag },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('error', reject);
    proc.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out) as ChildResult) : reject(new Error(`child exited ${code}: ${err}`)),
    );
  });
}

async function storedRows(tag: string): Promise<{ total: number; distinct: number }> {
  const handle = await openEmbeddedStore({ dir: dataDir, role: 'test', waitMs: 60_000 });
  try {
    const { rows } = await handle.db.query<{ total: number; distinct: number }>(
      'SELECT count(*)::int AS total, count(DISTINCT openai_request_id)::int AS distinct FROM token_usage WHERE action_type = $1',
      [tag],
    );
    return rows[0]!;
  } finally {
    await handle.close();
  }
}

describe('several processes on one embedded store', () => {
  it('stores every row a tracker called ok, once (3 processes × 40 rows)', async () => {
    const results = await Promise.all([track('mp3', 40), track('mp3', 40), track('mp3', 40)]);
    const ok = results.reduce((sum, r) => sum + r.ok, 0);
    expect(results.map((r) => r.errors)).toEqual([[], [], []]);
    expect(ok).toBe(120);
    expect(await storedRows('mp3')).toEqual({ total: 120, distinct: 120 });
    // Everything spooled has been moved into the table, and the files removed.
    const spool = `${dataDir}.spool`;
    expect(existsSync(spool) ? readdirSync(spool).filter((name) => name.endsWith('.json')) : []).toEqual([]);
  });

  it('makes reconcile wait for the lock, then refuse naming the holder; the store opens once it is given up', async () => {
    const holder = spawn(process.execPath, [...PGLITE_NODE_FLAGS, child], {
      env: { ...process.env, TRACKING: pathToFileURL(built).href, DATA_DIR: dataDir, HOLD: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((done) => holder.on('close', done));
    try {
      const line = await new Promise<string>((done, fail) => {
        let out = '';
        holder.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) done(out);
        });
        holder.on('close', () => fail(new Error(`the holder exited early: ${out}`)));
      });
      const { pid } = JSON.parse(line) as { pid: number };
      const refused = await openEmbeddedStore({ dir: dataDir, role: 'reconcile', waitMs: 300 }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(StoreBusyError);
      expect((refused as Error).message).toMatch(
        new RegExp(`in use by process ${pid} \\(tracker, since .*\\); waited 0 s.*--db postgres`),
      );
    } finally {
      holder.stdin.end();
    }
    expect(await exited).toBe(0);
    // Given up: reconcile opens it (through its own opening code), holding the lock until it closes.
    const { nodeReconcileIo } = await import('../../src/reconcile/command.js');
    const db = await (await nodeReconcileIo()).openDb!(undefined, workDir);
    try {
      expect(JSON.parse(readFileSync(`${dataDir}.lock`, 'utf8'))).toMatchObject({
        pid: process.pid,
        role: 'reconcile',
      });
      const { rows } = await db.query('SELECT count(*)::int AS n FROM token_usage WHERE action_type = $1', ['mp3']);
      expect(rows).toEqual([{ n: 120 }]);
    } finally {
      await db.close();
    }
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });

  it('stores the spooled rows after one the table refuses (a value of the wrong type): that one goes to rejected.jsonl', async () => {
    const spool = `${dataDir}.spool`;
    const row = { action_type: 'poison', model_used: 'm', success: true, reconciliation_status: 'not_applicable' };
    // Spooled in this order (file names sort by time): the refused row first.
    await spoolRow(spool, {
      table: 'token_usage',
      row: { ...row, tokens_used: 'lots', idempotency_key: randomUUID() },
    });
    await new Promise((done) => setTimeout(done, 5));
    await spoolRow(spool, { table: 'token_usage', row: { ...row, tokens_used: 7, idempotency_key: randomUUID() } });
    const handle = await openEmbeddedStore({ dir: dataDir, role: 'test', waitMs: 60_000 });
    try {
      expect(handle.ingested).toEqual({ stored: 1, rejected: 1 });
      const { rows } = await handle.db.query('SELECT tokens_used FROM token_usage WHERE action_type = $1', ['poison']);
      expect(rows).toEqual([{ tokens_used: 7 }]);
    } finally {
      await handle.close();
    }
    expect(readdirSync(spool).filter((name) => name.endsWith('.json'))).toEqual([]);
    const rejected = readFileSync(join(workDir, '.recon', 'rejected.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { usage: { row: { tokens_used: unknown } } });
    expect(rejected.map((r) => r.usage.row.tokens_used)).toEqual(['lots']);
  });

  it("spools a row for another table of the directory checked against that table's columns, not the owner's", async () => {
    const setup = await openEmbeddedStore({ dir: dataDir, role: 'test', waitMs: 60_000 });
    await setup.db.exec(
      'CREATE TABLE IF NOT EXISTS other_usage (LIKE token_usage INCLUDING ALL); ALTER TABLE other_usage ADD COLUMN IF NOT EXISTS audio_seconds NUMERIC;',
    );
    await setup.close();
    const owner = pgliteStore({ dataDir });
    await owner.db(); // owns the directory; its columns file describes token_usage
    const tracker = createTracker({
      store: pgliteStore({ dataDir, table: 'other_usage' }),
      logger: { error: () => {} },
      deadLetterFile: null,
      rejectedFile: null,
    });
    try {
      const result = await tracker.trackTokenUsage({
        action_type: 'other',
        model_used: 'whisper-1',
        tokens_used: 0,
        audio_seconds: 75.5,
      });
      expect(result).toEqual({ ok: true });
    } finally {
      await tracker.close();
      await owner.close(); // stores what was spooled before giving the directory up
    }
    const handle = await openEmbeddedStore({ dir: dataDir, role: 'test', waitMs: 60_000 });
    try {
      const { rows } = await handle.db.query(
        'SELECT audio_seconds::float AS s FROM other_usage WHERE action_type = $1',
        ['other'],
      );
      expect(rows).toEqual([{ s: 75.5 }]);
    } finally {
      await handle.close();
    }
  });

  it('stores the spooled rows after one for a table that does not exist yet, which stays spooled for it', async () => {
    const spool = `${dataDir}.spool`;
    const row = {
      action_type: 'after-missing',
      model_used: 'm',
      tokens_used: 1,
      success: true,
      reconciliation_status: 'not_applicable',
    };
    await spoolRow(spool, { table: 'missing_usage', row: { ...row, idempotency_key: randomUUID() } });
    await new Promise((done) => setTimeout(done, 5));
    await spoolRow(spool, { table: 'token_usage', row: { ...row, idempotency_key: randomUUID() } });
    const handle = await openEmbeddedStore({ dir: dataDir, role: 'test', waitMs: 60_000 });
    try {
      expect(handle.ingested).toEqual({ stored: 1, rejected: 0 });
      const { rows } = await handle.db.query('SELECT count(*)::int AS n FROM token_usage WHERE action_type = $1', [
        'after-missing',
      ]);
      expect(rows).toEqual([{ n: 1 }]);
    } finally {
      await handle.close();
    }
    const left = readdirSync(spool).filter((name) => name.endsWith('.json'));
    expect(
      left.map((name) => (JSON.parse(readFileSync(join(spool, name), 'utf8')) as { table: string }).table),
    ).toEqual(['missing_usage']);
    for (const name of left) rmSync(join(spool, name));
  });

  it('refuses a directory that does not open, with the error, and leaves no lock behind', async () => {
    const broken = join(workDir, 'broken', 'db');
    mkdirSync(join(broken, 'base'), { recursive: true });
    writeFileSync(join(broken, 'PG_VERSION'), 'not a version\n');
    await expect(openEmbeddedStore({ dir: broken, role: 'reconcile', waitMs: 0 })).rejects.toThrow(
      /embedded store .*broken\/db cannot be opened \(.*\); nothing in it was changed/,
    );
    expect(existsSync(`${broken}.lock`)).toBe(false);
    // The tracker says the same, keeps the row for replay, and leaves no lock either.
    const deadLetterFile = join(workDir, 'broken', 'dead.jsonl');
    const tracker = createTracker({
      store: pgliteStore({ dataDir: broken }),
      logger: { error: () => {} },
      deadLetterFile,
    });
    const result = await tracker.trackTokenUsage({ action_type: 'a', model_used: 'm', tokens_used: 1 });
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/broken\/db cannot be opened/) });
    expect(readFileSync(deadLetterFile, 'utf8').trim().split('\n')).toHaveLength(1);
    await tracker.close();
    expect(existsSync(`${broken}.lock`)).toBe(false);
  });
});
