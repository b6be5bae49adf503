import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationSql } from '../../src/schema/sql.js';
import { PG15_MISSING, startCluster, type Cluster, type Session } from './pg15.js';
import {
  EARLIER_RECON_OBJECTS,
  ISSUE_SHAPED_TABLE,
  SEED_HAND_MIGRATION,
  SUPABASE_DATABASE,
  SUPABASE_ROLES,
  USER_A,
  USER_B,
} from './supabase-fixtures.js';

// The migration on the machine's PostgreSQL 15, on Supabase-shaped databases, tested as the roles that use them.
// One cluster for the file; one database per starting point; each migration applied twice (the second run must
// change nothing).

/** What the migration leaves on a table: checks, indexes, triggers, the status default, the view and its grants. */
async function snapshot(s: Session, table = 'token_usage', view = 'token_usage_reconciliation') {
  // One query at a time: one client.
  const checks = await s.rows(
    `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'c' ORDER BY conname`,
    [table],
  );
  const indexes = await s.rows(`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1 ORDER BY indexname`, [
    table,
  ]);
  const triggers = await s.rows(
    `SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal ORDER BY tgname`,
    [table],
  );
  const statusDefault = await s.rows(
    `SELECT column_default FROM information_schema.columns WHERE table_name = $1 AND column_name = 'reconciliation_status'`,
    [table],
  );
  const viewDef = await s.rows(
    `SELECT pg_get_viewdef($1::regclass) AS def, (SELECT reloptions FROM pg_class WHERE oid = $1::regclass) AS options`,
    [view],
  );
  const grants = await s.rows(
    `SELECT grantee, string_agg(privilege_type, ',' ORDER BY privilege_type) AS privileges FROM information_schema.role_table_grants WHERE table_name = $1 GROUP BY grantee ORDER BY grantee`,
    [view],
  );
  // xmin changes whenever a row is written, even to the same values: equal xmins mean no row was touched.
  const rows = await s.rows(`SELECT id::text, reconciliation_status, xmin::text FROM ${table} ORDER BY id`);
  return { checks, indexes, triggers, statusDefault, viewDef, grants, rows };
}

/** Runs `work` as `role` with the JWT claims `sub` (none for anon), in a transaction rolled back afterwards. */
async function as<T>(
  s: Session,
  role: 'anon' | 'authenticated',
  sub: string | undefined,
  work: () => Promise<T>,
): Promise<T> {
  await s.exec('BEGIN');
  try {
    await s.client.query(`SELECT set_config('request.jwt.claims', $1, true)`, [
      sub ? JSON.stringify({ sub, role }) : '',
    ]);
    await s.exec(`SET LOCAL ROLE ${role}`);
    return await work();
  } finally {
    await s.client.query('ROLLBACK');
  }
}

/** The error a query fails with, or 'ok'. Each in its own savepoint, so one transaction can try many. */
async function attempt(s: Session, sql: string): Promise<string> {
  await s.client.query('SAVEPOINT attempt');
  try {
    await s.client.query(sql);
    await s.client.query('RELEASE SAVEPOINT attempt');
    return 'ok';
  } catch (error) {
    await s.client.query('ROLLBACK TO SAVEPOINT attempt');
    return (error as Error).message;
  }
}

const describePg = PG15_MISSING ? describe.skip : describe;
if (PG15_MISSING) console.warn(`test/schema/sql-pg15.test.ts skipped: ${PG15_MISSING}`);

describePg(`migrationSql on PostgreSQL 15${PG15_MISSING ? ` (skipped: ${PG15_MISSING})` : ''}`, () => {
  let cluster: Cluster;
  const db: Record<'issue' | 'hand' | 'handEarlier', Session> = {} as never;
  const first: Record<string, string[]> = {};
  const second: Record<string, string[]> = {};
  const before: Record<string, Awaited<ReturnType<typeof snapshot>>> = {};
  const after: Record<string, Awaited<ReturnType<typeof snapshot>>> = {};

  beforeAll(async () => {
    cluster = startCluster();
    const admin = await cluster.connect();
    await admin.exec(SUPABASE_ROLES);
    const setups = {
      issue: ISSUE_SHAPED_TABLE,
      hand: ISSUE_SHAPED_TABLE + SEED_HAND_MIGRATION,
      handEarlier: ISSUE_SHAPED_TABLE + SEED_HAND_MIGRATION + EARLIER_RECON_OBJECTS,
    };
    for (const [name, setup] of Object.entries(setups) as [keyof typeof setups, string][]) {
      await admin.exec(`CREATE DATABASE ${name.toLowerCase()}`);
      const s = await cluster.connect(name.toLowerCase());
      await s.exec(SUPABASE_DATABASE + setup);
      db[name] = s;
      // Twice: what the second run changes (nothing) and says.
      s.notices.length = 0;
      await s.exec(migrationSql());
      first[name] = [...s.notices];
      before[name] = await snapshot(s);
      s.notices.length = 0;
      await s.exec(migrationSql());
      second[name] = [...s.notices];
      after[name] = await snapshot(s);
    }
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  describe('on the issue-shaped table (cost_estimate NUMERIC(10,4), calculated_cost_cents, RLS, default privileges)', () => {
    it('applies by default and says which cost column it took', async () => {
      expect(first.issue).toContain(
        'NOTICE: recon-codemod: the view token_usage_reconciliation compares actual_cost_cents with token_usage.calculated_cost_cents, taken to be the estimated cost in cents (else give --cost-column)',
      );
      const rows = await db.issue.rows<{
        action_type: string;
        estimated_cost_cents: string;
        reconciliation_status: string;
      }>(
        'SELECT action_type, estimated_cost_cents, reconciliation_status FROM token_usage_reconciliation ORDER BY action_type',
      );
      expect(rows).toEqual([
        { action_type: 'category_summary', estimated_cost_cents: 2, reconciliation_status: 'not_applicable' },
        { action_type: 'chat', estimated_cost_cents: 0, reconciliation_status: 'not_applicable' },
        { action_type: 'transcribe', estimated_cost_cents: 1, reconciliation_status: 'not_applicable' },
      ]);
    });

    it('is idempotent: the second run changes nothing', () => {
      expect(after.issue).toEqual(before.issue);
      expect(before.issue.triggers).toEqual([{ tgname: 'token_usage_reconciliation_status_default' }]);
      expect(before.issue.indexes.map((i) => i.indexname)).toEqual([
        'idx_token_usage_gateway_generation_id',
        'idx_token_usage_idempotency_key',
        'idx_token_usage_openai_request_id',
        'idx_token_usage_reconciliation_discrepancy',
        'idx_token_usage_reconciliation_pending',
        'idx_token_usage_request_id_created_at',
        'token_usage_pkey',
      ]);
    });

    it('keeps the existing view and the function that inserts rows itself working; their rows get a status', async () => {
      const { rows } = await db.issue.client.query<{ id: string }>(
        `SELECT record_token_usage($1, 'blueprint', 'gpt-4o', 10) AS id`,
        [USER_B],
      );
      await db.issue.exec(
        `INSERT INTO token_usage (user_id, action_type, model_used, tokens_used, openai_request_id) VALUES ('${USER_B}', 'chat', 'gpt-4o', 5, 'chatcmpl-new')`,
      );
      const statuses = await db.issue.rows(
        `SELECT action_type, reconciliation_status FROM token_usage WHERE id = $1 OR openai_request_id = 'chatcmpl-new' ORDER BY action_type`,
        [rows[0]!.id],
      );
      expect(statuses).toEqual([
        { action_type: 'blueprint', reconciliation_status: 'not_applicable' },
        { action_type: 'chat', reconciliation_status: 'pending' },
      ]);
      // The pending index sees the new row: the reconciliation job's query uses it.
      await db.issue.exec('SET enable_seqscan = off');
      const plan = await db.issue.rows<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT created_at FROM token_usage WHERE reconciliation_status = 'pending' ORDER BY created_at`,
      );
      await db.issue.exec('RESET enable_seqscan');
      expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/idx_token_usage_reconciliation_pending/);
      expect(await db.issue.rows(`SELECT count(*)::int AS n FROM token_usage_with_costs`)).toEqual([{ n: 5 }]);
    });

    it('creates the view with security_invoker and leaves anon and authenticated nothing on it', () => {
      expect(before.issue.viewDef[0]!.options).toEqual(['security_invoker=true']);
      expect(before.issue.grants.map((g) => g.grantee)).toEqual(['postgres', 'service_role']);
      expect(first.issue).toContain(
        'NOTICE: recon-codemod: revoked what anon, authenticated held on token_usage_reconciliation (default privileges): it is for the reconciliation job and the back office; GRANT SELECT ON token_usage_reconciliation TO authenticated shows signed-in users the rows the RLS policies of token_usage let them see',
      );
      // The team's own view over the table bypasses RLS and anon may read it: said, not changed (it is theirs).
      expect(first.issue).toContain(
        "WARNING: recon-codemod: the view token_usage_with_costs reads token_usage with its owner's rights, past row-level security, and anon, authenticated may select from it: every user's rows. ALTER VIEW token_usage_with_costs SET (security_invoker = true), or revoke it from them",
      );
      // Second run: nothing left to revoke, so nothing said about it.
      expect(second.issue.some((n) => n.includes('revoked'))).toBe(false);
    });

    it('anon can neither read nor write through the view', async () => {
      const results = await as(db.issue, 'anon', undefined, async () => [
        await attempt(db.issue, 'SELECT * FROM token_usage_reconciliation'),
        await attempt(db.issue, `UPDATE token_usage_reconciliation SET reconciliation_status = 'matched'`),
        await attempt(db.issue, 'DELETE FROM token_usage_reconciliation'),
        await attempt(db.issue, `SELECT ${'public'}.token_usage_reconciliation_status_default()`),
      ]);
      expect(results.slice(0, 3)).toEqual(Array(3).fill('permission denied for view token_usage_reconciliation'));
      expect(results[3]).toMatch(/permission denied for function token_usage_reconciliation_status_default/);
    });

    it('authenticated can neither read nor write through the view, and still inserts its own rows with a status', async () => {
      const results = await as(db.issue, 'authenticated', USER_A, async () => [
        await attempt(db.issue, 'SELECT * FROM token_usage_reconciliation'),
        await attempt(db.issue, `UPDATE token_usage_reconciliation SET reconciliation_status = 'matched'`),
        await attempt(db.issue, 'DELETE FROM token_usage_reconciliation'),
        await attempt(
          db.issue,
          `INSERT INTO token_usage (user_id, action_type, model_used, tokens_used, openai_request_id) VALUES ('${USER_A}', 'chat', 'gpt-4o', 1, 'chatcmpl-a')`,
        ),
        JSON.stringify(
          await db.issue.rows(`SELECT reconciliation_status FROM token_usage WHERE openai_request_id = 'chatcmpl-a'`),
        ),
      ]);
      expect(results).toEqual([
        ...Array(3).fill('permission denied for view token_usage_reconciliation'),
        'ok',
        '[{"reconciliation_status":"pending"}]',
      ]);
    });

    it('with SELECT granted to authenticated (the documented opt-in), RLS applies: each user sees only their rows', async () => {
      const seen = async (sub: string) => {
        await db.issue.exec('BEGIN; GRANT SELECT ON token_usage_reconciliation TO authenticated;');
        await db.issue.client.query(`SELECT set_config('request.jwt.claims', $1, true)`, [JSON.stringify({ sub })]);
        await db.issue.exec('SET LOCAL ROLE authenticated');
        const rows = await db.issue.rows<{ user_id: string }>(
          'SELECT DISTINCT user_id FROM token_usage_reconciliation',
        );
        const write = await attempt(
          db.issue,
          `UPDATE token_usage_reconciliation SET reconciliation_status = 'matched'`,
        );
        await db.issue.exec('ROLLBACK');
        return { users: rows.map((r) => r.user_id), write };
      };
      expect(await seen(USER_A)).toEqual({
        users: [USER_A],
        write: 'permission denied for view token_usage_reconciliation',
      });
      expect(await seen(USER_B)).toEqual({
        users: [USER_B],
        write: 'permission denied for view token_usage_reconciliation',
      });
    });

    it('keeps a grant the team made on the view after an earlier run (the documented opt-in)', async () => {
      await db.issue.exec('GRANT SELECT ON token_usage_reconciliation TO authenticated');
      await db.issue.exec(migrationSql());
      const grants = await db.issue.rows(
        `SELECT grantee, privilege_type FROM information_schema.role_table_grants WHERE table_name = 'token_usage_reconciliation' AND grantee IN ('anon', 'authenticated')`,
      );
      await db.issue.exec('REVOKE SELECT ON token_usage_reconciliation FROM authenticated');
      expect(grants).toEqual([{ grantee: 'authenticated', privilege_type: 'SELECT' }]);
    });

    it('service_role (the back office, reconcile) still reads every row through the view', async () => {
      await db.issue.exec('BEGIN; SET LOCAL ROLE service_role;');
      const rows = await db.issue.rows<{ n: number }>(
        'SELECT count(DISTINCT user_id)::int AS n FROM token_usage_reconciliation',
      );
      await db.issue.exec('ROLLBACK');
      expect(rows).toEqual([{ n: 2 }]);
    });

    it('warns when the table has RLS disabled and anon can reach it', async () => {
      await db.issue.exec(
        `CREATE TABLE public.open_usage (id bigint GENERATED ALWAYS AS IDENTITY, created_at timestamptz DEFAULT now(), user_id uuid)`,
      );
      db.issue.notices.length = 0;
      await db.issue.exec(migrationSql({ table: 'open_usage', view: 'open_usage_reconciliation' }));
      expect(db.issue.notices).toContain(
        "WARNING: recon-codemod: row-level security is disabled on open_usage, and anon, authenticated may read or write it directly: every user's rows, with their request ids. Enable it (ALTER TABLE open_usage ENABLE ROW LEVEL SECURITY) and add policies",
      );
      expect(db.issue.notices).toContain(
        'NOTICE: recon-codemod: open_usage has none of the estimated-cost columns in cents looked for (estimated_cost_cents, calculated_cost_cents); the view open_usage_reconciliation shows estimated_cost_cents and cost_difference_cents as NULL. Name yours with --cost-column',
      );
      expect(db.issue.notices).toContain(
        'NOTICE: recon-codemod: open_usage has no action_type, model_used; the view open_usage_reconciliation goes without',
      );
    });
  });

  describe('on the table the seed hand-migrated (status DEFAULT pending, its checks, four indexes)', () => {
    const handChecks = [
      { conname: 'token_usage_actual_cost_nonnegative', def: 'CHECK ((actual_cost_cents >= 0))' },
      {
        conname: 'token_usage_reconciliation_cost_consistent',
        def: 'CHECK (((reconciled_at IS NULL) = (actual_cost_cents IS NULL)))',
      },
      {
        conname: 'token_usage_reconciliation_status_check',
        def: "CHECK ((reconciliation_status = ANY (ARRAY['pending'::text, 'matched'::text, 'discrepancy'::text, 'not_applicable'::text])))",
      },
    ];
    const handIndexes = [
      'idx_token_usage_discrepancies',
      'idx_token_usage_gateway_generation_id',
      'idx_token_usage_idempotency_key',
      'idx_token_usage_openai_created',
      'idx_token_usage_reconciliation_status',
      'idx_token_usage_request_id',
      'idx_token_usage_request_id_created_at',
      'token_usage_pkey',
    ];

    it.each([
      ['hand', 'the hand migration alone'],
      ['handEarlier', 'the hand migration plus an earlier recon-codemod run beside it'],
    ] as const)('converges on %s (%s): one check per rule, one index per query, no status default', (name, _what) => {
      expect(before[name].checks).toEqual(handChecks);
      expect(before[name].indexes.map((i) => i.indexname)).toEqual(handIndexes);
      expect(before[name].statusDefault).toEqual([{ column_default: null }]);
      expect(after[name]).toEqual(before[name]);
      // The earlier run's view (no security_invoker, ALL to anon and authenticated) is replaced and revoked too.
      expect(before[name].viewDef[0]!.options).toEqual(['security_invoker=true']);
      expect(before[name].grants.map((g) => g.grantee)).toEqual(['postgres', 'service_role']);
    });

    it('says in NOTICEs what it found and kept', () => {
      expect(first.hand).toEqual(
        expect.arrayContaining([
          "NOTICE: recon-codemod: dropped the default of token_usage.reconciliation_status ('pending'::text): the trigger token_usage_reconciliation_status_default sets pending with a request id, not_applicable without",
          'NOTICE: recon-codemod: found check token_usage_reconciliation_status_check on token_usage, the same rule as token_usage_reconciliation_status_valid: kept it, added none',
          'NOTICE: recon-codemod: found index idx_token_usage_request_id on token_usage, which serves the queries of idx_token_usage_openai_request_id: kept it, added none',
          'NOTICE: recon-codemod: found index idx_token_usage_reconciliation_status on token_usage, which serves the queries of idx_token_usage_reconciliation_pending: kept it, added none',
          'NOTICE: recon-codemod: found index idx_token_usage_discrepancies on token_usage, which serves the queries of idx_token_usage_reconciliation_discrepancy: kept it, added none',
        ]),
      );
      expect(first.handEarlier).toEqual(
        expect.arrayContaining([
          'NOTICE: recon-codemod: found check token_usage_reconciliation_status_check on token_usage, the same rule as token_usage_reconciliation_status_valid: kept it, dropped token_usage_reconciliation_status_valid (added beside it by an earlier run)',
          'NOTICE: recon-codemod: found index idx_token_usage_request_id on token_usage, which serves the queries of idx_token_usage_openai_request_id: kept it, dropped idx_token_usage_openai_request_id (added beside it by an earlier run)',
        ]),
      );
      // The second run finds the same and changes nothing (no default left to drop).
      expect(second.hand.some((n) => n.includes('dropped'))).toBe(false);
    });

    it('fixes the statuses the DEFAULT gave rows without a request id, and new rows get the right one', async () => {
      await db.hand.exec(
        `INSERT INTO token_usage (user_id, action_type, model_used, tokens_used) VALUES ('${USER_A}', 'after', 'gpt-4o', 1)`,
      );
      expect(
        await db.hand.rows(`SELECT action_type, reconciliation_status FROM token_usage ORDER BY action_type`),
      ).toEqual([
        { action_type: 'after', reconciliation_status: 'not_applicable' },
        { action_type: 'category_summary', reconciliation_status: 'pending' },
        { action_type: 'chat', reconciliation_status: 'not_applicable' },
        { action_type: 'transcribe', reconciliation_status: 'not_applicable' },
      ]);
    });
  });
});
