import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { freshPGlite } from '../helpers.js';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTableSql } from '../../src/schema/sql.js';
import {
  createTracker,
  pgliteStore,
  postgresStore,
  supabaseStore,
  trackTokenUsage,
  type SupabaseClientLike,
} from '../../src/tracking/index.js';

const silent = { error: () => {} };
const completionUsage = {
  user_id: 'user-1',
  action_type: 'category_summary',
  model_used: 'gpt-4o',
  tokens_used: 150,
  input_tokens: 100,
  output_tokens: 50,
  estimated_cost_cents: 0.125,
  metadata: { route: '/api/viva/category-summary' },
  openai_request_id: 'chatcmpl-abc123',
  openai_created: 1731763938,
  system_fingerprint: 'fp_44709d6fcb',
};
const transcriptionUsage = { action_type: 'transcribe', model_used: 'whisper-1', tokens_used: 0 };

let workDir: string;
// The app the default tracker runs in; the PGlite tests below use its default data directory, so the database is
// created (the slow part) once.
let appDir: string;
beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'recon-stores-'));
  appDir = join(workDir, 'app');
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('pgliteStore (the default)', () => {
  it('creates the table on first use and stores rows with their reconciliation status', async () => {
    const store = pgliteStore({ dataDir: join(appDir, '.recon', 'db') });
    // The first call creates the database (initdb), which takes a while on a loaded machine.
    const tracker = createTracker({
      store,
      logger: silent,
      deadLetterFile: join(workDir, 'dead.jsonl'),
      timeoutMs: 120_000,
    });
    try {
      const [first, second] = await Promise.all([
        tracker.trackTokenUsage(completionUsage),
        tracker.trackTokenUsage(transcriptionUsage),
      ]);
      expect(first).toEqual({ ok: true, id: expect.any(String) });
      expect(second).toEqual({ ok: true, id: expect.any(String) });
      const db = await store.db();
      const { rows } = await db.query(
        `SELECT action_type, openai_request_id, openai_created, system_fingerprint, reconciliation_status, metadata,
                estimated_cost_cents, success
         FROM token_usage ORDER BY action_type`,
      );
      expect(rows).toEqual([
        {
          action_type: 'category_summary',
          openai_request_id: 'chatcmpl-abc123',
          openai_created: 1731763938,
          system_fingerprint: 'fp_44709d6fcb',
          reconciliation_status: 'pending',
          metadata: { route: '/api/viva/category-summary' },
          estimated_cost_cents: '0.1250',
          success: true,
        },
        {
          action_type: 'transcribe',
          openai_request_id: null,
          openai_created: null,
          system_fingerprint: null,
          reconciliation_status: 'not_applicable',
          metadata: null,
          estimated_cost_cents: null,
          success: true,
        },
      ]);
      const view = await db.query(
        'SELECT openai_request_id FROM token_usage_reconciliation WHERE reconciliation_status = $1',
        ['pending'],
      );
      expect(view.rows).toEqual([{ openai_request_id: 'chatcmpl-abc123' }]);
    } finally {
      await tracker.close();
    }
  });

  it('keeps its rows across restarts of the data directory', async () => {
    const store = pgliteStore({ dataDir: join(appDir, '.recon', 'db') });
    try {
      const { rows } = await (await store.db()).query('SELECT count(*)::int AS n FROM token_usage');
      expect(rows).toEqual([{ n: 2 }]);
    } finally {
      await store.close();
    }
  });
});

describe('trackTokenUsage, the default tracker', () => {
  it('needs no configuration: it stores into .recon/db of the working directory', async () => {
    const cwd = process.cwd();
    process.chdir(appDir);
    try {
      expect(await trackTokenUsage(completionUsage)).toEqual({ ok: true, id: '3' });
      expect(existsSync(join(appDir, '.recon', 'dead-letter.jsonl'))).toBe(false);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('postgresStore over the Postgres wire protocol (pglite-socket)', () => {
  let db: PGlite;
  let server: PGLiteSocketServer;
  let connectionString: string;

  beforeAll(async () => {
    db = await freshPGlite();
    await db.exec(createTableSql({ table: 'usage_log' }));
    server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
    await server.start();
    connectionString = `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable`;
  });
  afterAll(async () => {
    await server.stop();
    await db.close();
  });

  it('stores rows through node-postgres with parameterized SQL', async () => {
    const tracker = createTracker({
      store: postgresStore({ connectionString, table: 'usage_log' }),
      logger: silent,
      deadLetterFile: null,
    });
    try {
      // A value that would break string-built SQL.
      const result = await tracker.trackTokenUsage({
        ...completionUsage,
        action_type: "it's'); DROP TABLE usage_log; --",
      });
      expect(result).toEqual({ ok: true, id: '1' });
      expect(await tracker.trackTokenUsage(transcriptionUsage)).toEqual({ ok: true, id: '2' });
    } finally {
      await tracker.close();
    }
    const { rows } = await db.query(
      'SELECT action_type, openai_request_id, reconciliation_status, metadata FROM usage_log ORDER BY id',
    );
    expect(rows).toEqual([
      {
        action_type: "it's'); DROP TABLE usage_log; --",
        openai_request_id: 'chatcmpl-abc123',
        reconciliation_status: 'pending',
        metadata: { route: '/api/viva/category-summary' },
      },
      { action_type: 'transcribe', openai_request_id: null, reconciliation_status: 'not_applicable', metadata: null },
    ]);
  });

  it('reports a constraint the database enforces as a failed result', async () => {
    const errors: string[] = [];
    // The wrong table for this store: the insert fails in Postgres, not in the tracker.
    const tracker = createTracker({
      store: postgresStore({ connectionString, table: 'no_such_table' }),
      logger: { error: (m) => errors.push(m) },
      deadLetterFile: null,
    });
    try {
      const result = await tracker.trackTokenUsage(completionUsage);
      expect(result).toEqual({
        ok: false,
        error: expect.stringMatching(/no_such_table/),
        requestId: 'chatcmpl-abc123',
      });
      expect(errors).toEqual([expect.stringContaining('request id chatcmpl-abc123')]);
    } finally {
      await tracker.close();
    }
  });
});

describe('supabaseStore', () => {
  // The only stand-in in these tests: there is no Supabase here. It records what supabase-js would be asked.
  function fakeSupabase(error: { message: string; code?: string } | null) {
    const inserts: Array<{ table: string; row: Record<string, unknown> }> = [];
    const client: SupabaseClientLike = {
      from: (table) => ({
        insert: async (row) => {
          inserts.push({ table, row });
          return { error };
        },
      }),
    };
    return { client, inserts };
  }

  it('inserts the validated row with its status into the table through the client', async () => {
    const { client, inserts } = fakeSupabase(null);
    const tracker = createTracker({
      store: supabaseStore(client, { table: 'token_usage' }),
      logger: silent,
      deadLetterFile: null,
    });
    // The app's own column goes to the table like the others (PostgREST refuses it if the table lacks it).
    expect(await tracker.trackTokenUsage({ ...completionUsage, cost_estimate: 0.0012 })).toEqual({ ok: true });
    expect(inserts).toEqual([
      {
        table: 'token_usage',
        row: {
          ...completionUsage,
          cost_estimate: 0.0012,
          success: true,
          reconciliation_status: 'pending',
          idempotency_key: expect.any(String),
        },
      },
    ]);
  });

  it("writes the estimate to the table's cost column, and takes a duplicate idempotency key as already stored", async () => {
    const { client, inserts } = fakeSupabase({
      message: 'duplicate key value violates unique constraint "idx_token_usage_idempotency_key"',
      code: '23505',
    });
    const tracker = createTracker({
      store: supabaseStore(client, { costColumn: 'cost_estimate' }),
      logger: silent,
      deadLetterFile: null,
    });
    expect(await tracker.trackTokenUsage(completionUsage)).toEqual({ ok: true });
    const { estimated_cost_cents, ...rest } = completionUsage;
    expect(inserts.map((i) => i.row)).toEqual([
      {
        ...rest,
        cost_estimate: estimated_cost_cents,
        success: true,
        reconciliation_status: 'pending',
        idempotency_key: expect.any(String),
      },
    ]);
  });

  it("turns the client's { error } into a failed result", async () => {
    const { client } = fakeSupabase({ message: 'new row violates row-level security policy', code: '42501' });
    const tracker = createTracker({ store: supabaseStore(client), logger: silent, deadLetterFile: null });
    expect(await tracker.trackTokenUsage(transcriptionUsage)).toEqual({
      ok: false,
      error: 'supabase insert into token_usage failed: new row violates row-level security policy (42501)',
      requestId: null,
    });
  });

  it('refuses a table name that is not an identifier', () => {
    expect(() => supabaseStore(fakeSupabase(null).client, { table: 'public.token_usage' })).toThrow(
      /invalid table name/,
    );
  });
});
