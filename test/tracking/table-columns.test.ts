/**
 * The tracker on the app's own table (shaped like the seed's: its own cost and audio columns, a NOT NULL user id),
 * on the machine's PostgreSQL 15 and on PGlite: the row's columns are stored, a column the table lacks and a NOT NULL
 * column without a value are rejected naming them, and a row inserted late after a timeout is not stored twice by
 * the dead-letter replay.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationSql } from '../../src/schema/sql.js';
import {
  createTracker,
  pgliteStore,
  postgresStore,
  type DeadLetter,
  type TokenUsageStore,
} from '../../src/tracking/index.js';
import { PG15_MISSING, startCluster, type Cluster, type Session } from '../schema/pg15.js';
import { emptyPGliteDir } from '../helpers.js';

// The app's table before recon-codemod: its own cost column (dollars, 4 places), cents and audio columns.
const APP_TABLE = `
CREATE TABLE token_usage (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID NOT NULL,
  action_type TEXT NOT NULL,
  model_used TEXT NOT NULL,
  tokens_used INTEGER NOT NULL DEFAULT 0,
  input_tokens INTEGER DEFAULT 0,
  output_tokens INTEGER DEFAULT 0,
  cost_estimate NUMERIC(10,4) DEFAULT 0,
  calculated_cost_cents INTEGER DEFAULT 0,
  audio_seconds NUMERIC(10,2) DEFAULT 0,
  success BOOLEAN DEFAULT true,
  error_message TEXT,
  metadata JSONB,
  created_at TIMESTAMPTZ DEFAULT now()
);
${migrationSql({ costColumn: 'cost_estimate' })}`;

const USER = '6f1c2a4e-9b7d-4c1e-8a55-0d3f2b1c9e77';
const transcription = {
  user_id: USER,
  action_type: 'transcribe',
  model_used: 'whisper-1',
  tokens_used: 0,
  cost_estimate: 0.0125,
  calculated_cost_cents: 2,
  audio_seconds: 75.5,
  openai_request_id: 'req_audio1',
};
const chat = {
  user_id: USER,
  action_type: 'category_summary',
  model_used: 'gpt-4o',
  tokens_used: 150,
  estimated_cost_cents: 0.35,
  openai_request_id: 'chatcmpl-late1',
  openai_created: 1731763938,
};

const readLetters = (file: string): DeadLetter[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as DeadLetter)
    : [];

let workDir: string;
beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'recon-table-columns-'));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

interface Backend {
  store(): TokenUsageStore;
  rows(sql: string, values?: unknown[]): Promise<Array<Record<string, unknown>>>;
  /** Holds an ACCESS EXCLUSIVE lock on the table until the returned function is called. */
  lockTable(): Promise<() => Promise<void>>;
}

/** The same cases on each database. */
function cases(name: string, setup: () => Promise<Backend>, teardown: () => Promise<void>, skip?: string) {
  describe.skipIf(skip !== undefined)(`${name}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    let backend: Backend;
    let store: TokenUsageStore;
    const files = () => ({
      deadLetterFile: join(workDir, name, 'dead.jsonl'),
      rejectedFile: join(workDir, name, 'rejected.jsonl'),
    });
    beforeAll(async () => {
      backend = await setup();
      store = backend.store();
    });
    afterAll(async () => {
      await store?.close();
      await teardown();
    });

    it("stores the app's own columns, and the estimate in the table's cost column", async () => {
      const tracker = createTracker({ store, logger: { error: () => {} }, ...files(), timeoutMs: 120_000 });
      expect(await tracker.trackTokenUsage(transcription)).toMatchObject({ ok: true });
      expect(await tracker.trackTokenUsage({ ...chat, openai_request_id: 'chatcmpl-cost1' })).toMatchObject({
        ok: true,
      });
      const rows = await backend.rows(
        `SELECT openai_request_id, cost_estimate::text, calculated_cost_cents, audio_seconds::text, reconciliation_status,
                idempotency_key IS NOT NULL AS keyed
           FROM token_usage ORDER BY created_at, openai_request_id`,
      );
      expect(rows).toEqual([
        {
          openai_request_id: 'req_audio1',
          cost_estimate: '0.0125',
          calculated_cost_cents: 2,
          audio_seconds: '75.50',
          reconciliation_status: 'pending',
          keyed: true,
        },
        {
          openai_request_id: 'chatcmpl-cost1',
          cost_estimate: '0.3500',
          calculated_cost_cents: 0,
          audio_seconds: '0.00',
          reconciliation_status: 'pending',
          keyed: true,
        },
      ]);
    });

    it('rejects a row with a column the table lacks or no value for a NOT NULL column, naming them; replay leaves it', async () => {
      const logged: string[] = [];
      const { deadLetterFile, rejectedFile } = files();
      const tracker = createTracker({
        store,
        logger: { error: (m) => logged.push(m) },
        deadLetterFile,
        rejectedFile,
        timeoutMs: 120_000,
      });
      const before = readLetters(rejectedFile).length;
      const lacking = await tracker.trackTokenUsage({
        ...transcription,
        openai_request_id: 'req_lacks',
        audio_minutes: 1.2,
        voice: 'alloy',
      });
      expect(lacking).toMatchObject({
        ok: false,
        error: expect.stringMatching(/the table token_usage has no column audio_minutes, voice/),
      });
      const { user_id: _, ...withoutUser } = transcription;
      const noUser = await tracker.trackTokenUsage({ ...withoutUser, openai_request_id: 'req_nouser' });
      expect(noUser).toMatchObject({
        ok: false,
        error: expect.stringMatching(/no value for user_id: NOT NULL in token_usage/),
      });
      expect(logged).toEqual([
        expect.stringMatching(/rejected \(not retried\).*req_lacks/),
        expect.stringMatching(/rejected \(not retried\).*req_nouser/),
      ]);
      expect(
        readLetters(rejectedFile)
          .slice(before)
          .map((l) => [l.request_id, l.stage, l.attempts]),
      ).toEqual([
        ['req_lacks', 'validation', 1],
        ['req_nouser', 'validation', 1],
      ]);
      // Nothing queued for replay, and nothing stored.
      expect(readLetters(deadLetterFile)).toEqual([]);
      expect(await tracker.replayDeadLetters()).toEqual({ stored: 0, failed: 0 });
      expect(
        await backend.rows(`SELECT 1 FROM token_usage WHERE openai_request_id IN ('req_lacks', 'req_nouser')`),
      ).toEqual([]);
    });

    it('stores a row once when it lands after the timeout and is then replayed from the dead letters', async () => {
      const { deadLetterFile, rejectedFile } = files();
      const tracker = createTracker({
        store,
        logger: { error: () => {} },
        deadLetterFile,
        rejectedFile,
        timeoutMs: 300,
      });
      const unlock = await backend.lockTable();
      const late = await tracker.trackTokenUsage(chat);
      expect(late).toMatchObject({ ok: false, error: 'the store did not answer within 300 ms' });
      expect(readLetters(deadLetterFile).map((l) => l.request_id)).toEqual(['chatcmpl-late1']);
      await unlock();
      // The insert that timed out now lands; the replay of its dead letter must not add a second row.
      await expect
        .poll(() => backend.rows(`SELECT 1 FROM token_usage WHERE openai_request_id = 'chatcmpl-late1'`), {
          timeout: 240_000,
        })
        .toHaveLength(1);
      const replayer = createTracker({
        store,
        logger: { error: () => {} },
        deadLetterFile,
        rejectedFile,
        timeoutMs: 60_000,
      });
      expect(await replayer.replayDeadLetters()).toEqual({ stored: 1, failed: 0 });
      expect(
        await backend.rows(`SELECT count(*)::int AS n FROM token_usage WHERE openai_request_id = 'chatcmpl-late1'`),
      ).toEqual([{ n: 1 }]);
    });
  });
}

let cluster: Cluster | undefined;
let session: Session | undefined;
cases(
  'PostgreSQL 15',
  async () => {
    cluster = startCluster();
    session = await cluster.connect();
    await session.exec(APP_TABLE);
    const host = (session.client as unknown as { host: string }).host;
    const connectionString = `postgres://postgres@${encodeURIComponent(host)}/postgres`;
    return {
      store: () => postgresStore({ connectionString, costColumn: 'cost_estimate' }),
      rows: (sql, values) => session!.rows(sql, values),
      async lockTable() {
        const locker = await cluster!.connect();
        await locker.exec('BEGIN; LOCK TABLE token_usage IN ACCESS EXCLUSIVE MODE;');
        return async () => {
          await locker.exec('COMMIT');
        };
      },
    };
  },
  async () => {
    await cluster?.stop();
  },
  PG15_MISSING,
);

let pgliteDir: string;
cases(
  'PGlite (the embedded default)',
  async () => {
    pgliteDir = join(workDir, 'pglite', 'db');
    await emptyPGliteDir(pgliteDir);
    const setupDb = await PGlite.create(pgliteDir);
    await setupDb.exec(APP_TABLE);
    await setupDb.close();
    const store = pgliteStore({ dataDir: pgliteDir, costColumn: 'cost_estimate' });
    return {
      store: () => store,
      rows: async (sql, values) => (await (await store.db()).query<Record<string, unknown>>(sql, values)).rows,
      async lockTable() {
        // One connection: a transaction that holds the lock keeps every other statement waiting behind it.
        const db = await store.db();
        let release!: () => void;
        const released = new Promise<void>((done) => (release = done));
        let locked!: () => void;
        const isLocked = new Promise<void>((done) => (locked = done));
        const holding = db.transaction(async (tx) => {
          await tx.query('LOCK TABLE token_usage IN ACCESS EXCLUSIVE MODE');
          locked();
          await released;
        });
        await isLocked;
        return async () => {
          release();
          await holding;
        };
      },
    };
  },
  async () => {},
);
