import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { freshPGlite } from '../helpers.js';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReconcileCommand } from '../../src/reconcile/command.js';
import type { Report } from '../../src/reconcile/compute.js';
import {
  addCompletions,
  addCostsForUsage,
  ADMIN_KEY,
  completionsResult,
  createRowsTable,
  DAY,
  golden,
  runReconcile,
  startFakeApi,
  statusesOf,
  usageFromRows,
  WEEK_END,
  WEEK_START,
  weekOfRows,
  type ApiData,
  type RowSpec,
} from './harness.js';

// One PGlite for the file (starting it takes a second); each scenario has its own table.
let db: PGlite;
beforeAll(async () => {
  db = await freshPGlite();
});
afterAll(() => db.close());

const NOW = WEEK_END + 3 * DAY;
const WINDOW = ['--since', '2026-11-02', '--until', '2026-11-09', '--bucket', '1d'];

async function scenario(
  table: string,
  rows: RowSpec[],
  data: ApiData,
  extra: string[] = [],
  opts: { now?: number; files?: Record<string, string> } = {},
) {
  await createRowsTable(db, table, rows);
  const api = await startFakeApi(data, { pageSize: 3 });
  try {
    const result = await runReconcile([...WINDOW, '--table', table, '--json', 'out.json', ...extra], {
      db,
      api,
      now: opts.now ?? NOW,
      files: opts.files,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return { ...result, report: JSON.parse(result.files['/work/out.json']) as Report, api };
  } finally {
    await api.close();
  }
}

const byStatus = (report: Report) => Object.fromEntries(Object.entries(report.status_counts).filter(([, n]) => n > 0));

describe('golden reports', () => {
  it('a perfect week: every bucket matched, capture rate 100%', async () => {
    const rows = weekOfRows();
    const data = usageFromRows(rows);
    addCostsForUsage(data);
    const { report, api, stdout } = await scenario('perfect_week', rows, data);
    const { actual, expected } = golden('perfect-week', report);
    expect(actual).toEqual(expected);
    expect(byStatus(report)).toEqual({ matched: 7 });
    expect(report.capture.requests.rate).toBe(1);
    expect(report.capture.dollars.rate).toBeCloseTo(1, 3);
    expect(stdout).toMatch(/Capture rate: 100\.0% of OpenAI's 21 requests/);
    // The real client asked with the admin key, followed next_page, and grouped as the reconciliation needs.
    const completions = api.requests.filter((r) => r.path === '/v1/organization/usage/completions');
    expect(completions.length).toBe(3); // 7 daily buckets, 3 per page
    expect(completions.map((r) => r.query.get('page'))).toEqual([null, 'page_3', 'page_6']);
    expect(completions[0].query.getAll('group_by[]')).toEqual(['model', 'batch', 'service_tier']);
    expect(completions[0].query.get('bucket_width')).toBe('1d');
    expect(api.requests.every((r) => r.authorization === `Bearer ${ADMIN_KEY}`)).toBe(true);
    expect(api.requests.filter((r) => r.path === '/v1/organization/costs')[0].query.getAll('group_by[]')).toEqual([
      'line_item',
    ]);
  });

  it('an untracked route: unattributed buckets, gateway rows unverifiable, capture rate below 100%', async () => {
    const rows: RowSpec[] = [
      ...weekOfRows(),
      // A route through a gateway: ids OpenAI never issued, billed by the gateway.
      {
        at: WEEK_START + 2 * DAY + 5000,
        model_used: 'openai/gpt-4o-mini',
        openai_request_id: 'gen_01JCX3',
        input_tokens: 1000,
        output_tokens: 100,
      },
      // A tracked call without any id.
      {
        at: WEEK_START + 4 * DAY + 5000,
        model_used: 'gpt-4o-mini',
        openai_model: 'gpt-4o-mini-2024-07-18',
        openai_request_id: null,
        input_tokens: 10,
        output_tokens: 5,
      },
    ];
    const data = usageFromRows(rows);
    // The route nobody tracks: gpt-4o summaries every other day.
    for (const d of [1, 3, 5]) {
      addCompletions(
        data,
        WEEK_START + d * DAY,
        completionsResult({
          model: 'gpt-4o-2024-08-06',
          input_tokens: 50_000,
          output_tokens: 8_000,
          num_model_requests: 4,
        }),
      );
    }
    addCostsForUsage(data);
    const { report } = await scenario('untracked_route', rows, data);
    const { actual, expected } = golden('untracked-route', report);
    expect(actual).toEqual(expected);
    expect(byStatus(report)).toEqual({ matched: 7, unattributed: 3, unverifiable: 1 });
    expect(report.capture.requests).toEqual({ app: 21, openai: 33, rate: 0.6364 });
    expect(report.capture.dollars.rate).toBeLessThan(0.5);
    const day4 = report.buckets.find(
      (b) => b.start === '2026-11-06T00:00:00Z' && b.model === 'gpt-4o-mini-2024-07-18',
    )!;
    expect(day4).toMatchObject({ status: 'matched', notes: ['unverifiable-rows'], app: { unverifiable_rows: 1 } });
  });

  it('a price change mid-week: each row is priced at its own time', async () => {
    const rows = weekOfRows();
    const data = usageFromRows(rows);
    const cut = Date.UTC(2026, 10, 5) / 1000;
    const newRates = { input: 0.1, cached: 0.05, output: 0.4 };
    addCostsForUsage(data, (_family, day) => (day >= cut ? newRates : { input: 0.15, cached: 0.075, output: 0.6 }));
    const prices = {
      id: 'openai',
      name: 'OpenAI (test prices)',
      api_pattern: '.*',
      models: [
        {
          id: 'gpt-4o-mini',
          match: { or: [{ equals: 'gpt-4o-mini' }, { starts_with: 'gpt-4o-mini-' }] },
          prices: [
            { prices: { input_mtok: 0.15, cache_read_mtok: 0.075, output_mtok: 0.6 } },
            {
              constraint: { type: 'start_date', start_date: '2026-11-05' },
              prices: { input_mtok: 0.1, cache_read_mtok: 0.05, output_mtok: 0.4 },
            },
          ],
        },
      ],
    };
    const { report } = await scenario('price_change', rows, data, ['--prices', 'prices.json'], {
      files: { '/work/prices.json': JSON.stringify(prices) },
    });
    const { actual, expected } = golden('price-change', report);
    expect(actual).toEqual(expected);
    expect(byStatus(report)).toEqual({ matched: 7 });
    // The app's own hand-written estimate kept the old price: visible, but not what the status is based on.
    const after = report.buckets.find((b) => b.start === '2026-11-06T00:00:00Z')!;
    expect(after.app.own_estimate_dollars! / after.app.estimated_dollars).toBeCloseTo(1.5, 2);
    const before = report.daily[0].billed_dollars / report.daily[0].app_estimated_dollars;
    expect(before).toBeCloseTo(1, 3);
  });

  it('cached tokens: counted once inside input; rows that do not record them are flagged', async () => {
    const rows = weekOfRows(5).map((row, i) => {
      const day = Math.floor((row.at - WEEK_START) / DAY);
      const cached = 160_000;
      return {
        ...row,
        input_tokens: 200_000,
        cached_input_tokens: day < 3 ? cached : null,
        openai_request_id: `chatcmpl-c${i}`,
      };
    });
    // OpenAI saw the cache hits on every day, whatever the rows recorded.
    const data = usageFromRows(rows.map((r) => ({ ...r, cached_input_tokens: 160_000 })));
    addCostsForUsage(data);
    const { report } = await scenario('cached_tokens', rows, data);
    const { actual, expected } = golden('cached-tokens', report);
    expect(actual).toEqual(expected);
    expect(byStatus(report)).toEqual({ matched: 3, discrepancy: 4 });
    const recorded = report.buckets[0];
    // 5 rows × (40,000 uncached × $0.15 + 160,000 cached × $0.075 + output × $0.60) per million: never input + cached.
    const output = rows.slice(0, 5).reduce((sum, r) => sum + r.output_tokens, 0);
    expect(recorded.app.estimated_dollars).toBeCloseTo((5 * (40_000 * 0.15 + 160_000 * 0.075) + output * 0.6) / 1e6, 6);
    expect(recorded.app.estimated_dollars).toBeCloseTo(recorded.openai.billed_dollars!, 6);
    const unrecorded = report.buckets[3];
    expect(unrecorded.notes).toContain('cached-tokens-not-recorded');
    expect(unrecorded.app.cached_tokens).toBeNull();
  });

  it('a multi-step AI SDK call: one row, three billed requests', async () => {
    const rows = weekOfRows();
    const step = { input: 3_000, output: 400 };
    const multi: RowSpec = {
      at: WEEK_START + 3 * DAY + 7200,
      model_used: 'gpt-4o',
      openai_model: 'gpt-4o-2024-08-06',
      openai_request_id: 'chatcmpl-laststep',
      // The AI SDK's totalUsage: all three steps.
      input_tokens: 3 * step.input,
      output_tokens: 3 * step.output,
      cached_input_tokens: 0,
    };
    const data = usageFromRows(rows);
    addCompletions(
      data,
      WEEK_START + 3 * DAY,
      completionsResult({
        model: 'gpt-4o-2024-08-06',
        input_tokens: 3 * step.input,
        output_tokens: 3 * step.output,
        num_model_requests: 3,
      }),
    );
    addCostsForUsage(data);
    const { report } = await scenario('multi_step', [...rows, multi], data);
    const { actual, expected } = golden('multi-step', report);
    expect(actual).toEqual(expected);
    const bucket = report.buckets.find((b) => b.model === 'gpt-4o-2024-08-06')!;
    expect(bucket).toMatchObject({
      status: 'discrepancy',
      app: { requests: 1 },
      openai: { requests: 3 },
      diff: { requests: -2, input_tokens: 0, output_tokens: 0 },
    });
    expect(bucket.notes).toContain('more-requests-than-rows');
    expect(report.known_differences.join('\n')).toMatch(/multi-step calls/);
  });

  it('late-arriving usage: the last day is incomplete and has no costs yet', async () => {
    const rows = weekOfRows();
    const complete = usageFromRows(rows.filter((r) => r.at < WEEK_START + 6 * DAY));
    addCostsForUsage(complete);
    // Only one of the last day's three requests has reached the Usage API; no costs for it yet.
    const lastDay = rows.filter((r) => r.at >= WEEK_START + 6 * DAY);
    addCompletions(
      complete,
      WEEK_START + 6 * DAY,
      completionsResult({
        model: 'gpt-4o-mini-2024-07-18',
        input_tokens: lastDay[0].input_tokens,
        output_tokens: lastDay[0].output_tokens,
        num_model_requests: 1,
      }),
    );
    const { report } = await scenario('late_usage', rows, complete, [], { now: WEEK_END + 3600 });
    const { actual, expected } = golden('late-usage', report);
    expect(actual).toEqual(expected);
    expect(byStatus(report)).toEqual({ matched: 6, discrepancy: 1 });
    expect(report.buckets.at(-1)).toMatchObject({
      status: 'discrepancy',
      notes: ['no-costs-reported', 'recent-bucket'],
      openai: { billed_dollars: null },
    });
  });
});

describe('hourly buckets', () => {
  it("shares each day's billed dollars over its hours in proportion to usage, and says it is an allocation", async () => {
    const rows = weekOfRows();
    const data = usageFromRows(rows, 3600);
    addCostsForUsage(data);
    await createRowsTable(db, 'hourly', rows);
    const api = await startFakeApi(data);
    try {
      const result = await runReconcile(
        ['--since', '2026-11-02', '--until', '2026-11-03', '--bucket', '1h', '--table', 'hourly', '--json', 'out.json'],
        { db, api, now: NOW },
      );
      expect(result.code).toBe(0);
      const report = JSON.parse(result.files['/work/out.json']) as Report;
      expect(byStatus(report)).toEqual({ matched: 3 });
      expect(report.buckets.map((b) => b.start)).toEqual([
        '2026-11-02T09:00:00Z',
        '2026-11-02T11:00:00Z',
        '2026-11-02T13:00:00Z',
      ]);
      for (const b of report.buckets) {
        expect(b.openai.billed_is_allocation).toBe(true);
        expect(b.openai.billed_dollars).toBeCloseTo(b.app.estimated_dollars, 6);
      }
      expect(result.stdout).toMatch(/\* a share of a day's billed dollars/);
      expect(api.requests.find((r) => r.path.endsWith('/completions'))!.query.get('limit')).toBe('168');
    } finally {
      await api.close();
    }
  });
});

describe('failures write nothing', () => {
  const before = async (table: string) => {
    const rows = weekOfRows();
    const data = usageFromRows(rows);
    addCostsForUsage(data);
    await createRowsTable(db, table, rows);
    return { data, snapshot: await statusesOf(db, table) };
  };

  it('a bad admin key: exit 2, a clear message, nothing written', async () => {
    const { data, snapshot } = await before('bad_key');
    const api = await startFakeApi(data, { pageSize: 3 });
    try {
      const result = await runReconcile(
        [...WINDOW, '--table', 'bad_key', '--write', '--json', 'out.json', '--html', 'out.html'],
        {
          db,
          api,
          now: NOW,
          env: { OPENAI_ADMIN_KEY: 'sk-proj-not-an-admin-key' },
        },
      );
      const { actual, expected } = golden('bad-admin-key', {
        code: result.code,
        stderr: result.stderr,
        stdout: result.stdout,
        files: Object.keys(result.files),
      });
      expect(actual).toEqual(expected);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/refused the admin key.*401/);
      expect(result.files).toEqual({});
      expect(await statusesOf(db, 'bad_key')).toEqual(snapshot);
    } finally {
      await api.close();
    }
  });

  it('an API outage mid-pagination: exit 1, a retry hint, nothing written', async () => {
    const { data, snapshot } = await before('outage');
    const api = await startFakeApi(data, { pageSize: 3, fail: { endpoint: 'completions', page: 2, status: 503 } });
    try {
      const result = await runReconcile([...WINDOW, '--table', 'outage', '--write', '--json', 'out.json'], {
        db,
        api,
        now: NOW,
        maxRetries: 1,
      });
      const { actual, expected } = golden('api-outage', {
        code: result.code,
        stderr: result.stderr,
        stdout: result.stdout,
        files: Object.keys(result.files),
      });
      expect(actual).toEqual(expected);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/page 2.*\n.*Nothing was written.*Retry/);
      // The client retried the failing page once before giving up.
      expect(api.requests.filter((r) => r.query.get('page') === 'page_3').length).toBe(2);
      expect(await statusesOf(db, 'outage')).toEqual(snapshot);
    } finally {
      await api.close();
    }
  });

  it('--usage and --costs swapped: exit 2 naming the mix-up, no row touched', async () => {
    const { data, snapshot } = await before('swapped');
    const api = await startFakeApi(data, { pageSize: 100 });
    try {
      // Save both as a user would, then pass them the wrong way round.
      const client = new OpenAI({ adminAPIKey: ADMIN_KEY, apiKey: null, baseURL: `${api.url}/v1`, maxRetries: 0 });
      const query = { start_time: WEEK_START, end_time: WEEK_END, bucket_width: '1d' as const, limit: 31 };
      const files = {
        '/work/usage.json': JSON.stringify(
          await client.admin.organization.usage.completions({ ...query, group_by: ['model'] }),
        ),
        '/work/costs.json': JSON.stringify(
          await client.admin.organization.usage.costs({ ...query, group_by: ['line_item'] }),
        ),
      };
      const swapped = await runReconcile(
        ['--usage', 'costs.json', '--costs', 'usage.json', '--table', 'swapped', '--write'],
        { db, now: NOW, env: {}, files },
      );
      expect(swapped.code).toBe(2);
      expect(swapped.stderr).toMatch(
        /^recon-codemod reconcile: --usage: expected saved Usage API results \(organization\.usage\.\*\), found organization\.costs\.result: are --usage and --costs swapped\?/,
      );
      expect(await statusesOf(db, 'swapped')).toEqual(snapshot);
      // The right way round, the same files reconcile.
      const right = await runReconcile(['--usage', 'usage.json', '--costs', 'costs.json', '--table', 'swapped'], {
        db,
        now: NOW,
        env: {},
        files,
      });
      expect(right.stderr).toBe('');
      expect(right.code).toBe(0);
    } finally {
      await api.close();
    }
  });

  it('no rows store in the directory: exit 2 with what to do, not "retry"', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'recon-nostore-'));
    try {
      const files = {
        [join(empty, 'usage.json')]: JSON.stringify({ object: 'page', data: [], has_more: false, next_page: null }),
      };
      let stderr = '';
      const code = await runReconcileCommand(['--usage', 'usage.json', ...WINDOW], {
        cwd: empty,
        env: {},
        stdout: () => {},
        stderr: (t) => void (stderr += t),
        readFile: (p) => files[p],
      });
      expect(code).toBe(2);
      expect(stderr).toContain(`no rows store at ${join(empty, '.recon/db')}: run reconcile in the app's directory`);
      expect(existsSync(join(empty, '.recon'))).toBe(false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('no OPENAI_ADMIN_KEY: exit 2 with a message, no request made', async () => {
    const result = await runReconcile(WINDOW, { db, now: NOW, env: {} });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/OPENAI_ADMIN_KEY is not set.*--usage usage\.json --costs costs\.json/s);
  });
});

describe('issue 13: duplicates, tiny dollars, sub-day windows, --base-url', () => {
  it('a request id recorded twice counts once, says so, and its copy gets no cents on --write', async () => {
    const rows = weekOfRows();
    const data = usageFromRows(rows);
    addCostsForUsage(data);
    // A replayed insert: the same response stored again (same id, time and tokens).
    const copy = { ...rows[4] };
    await createRowsTable(db, 'dupes', [...rows, copy]);
    const api = await startFakeApi(data);
    try {
      const result = await runReconcile([...WINDOW, '--table', 'dupes', '--json', 'out.json', '--write'], {
        db,
        api,
        now: NOW,
      });
      expect(result.code).toBe(0);
      const report = JSON.parse(result.files['/work/out.json']) as Report;
      expect(byStatus(report)).toEqual({ matched: 7 });
      expect(report.rows).toEqual({ in_window: 22, verifiable: 22, unverifiable: 0, duplicates: 1 });
      const day = report.buckets.find((b) => b.start === '2026-11-03T00:00:00Z')!;
      expect(day.app).toMatchObject({
        rows: 4,
        requests: 3,
        input_tokens: day.openai.input_tokens,
        output_tokens: day.openai.output_tokens,
      });
      expect(day.notes).toContain('duplicate-rows');
      expect(result.stdout).toMatch(
        /Duplicate rows: 1 rows repeat a request id already counted in their bucket; each request is counted once\./,
      );
      const written = (await statusesOf(db, 'dupes')).filter((r) => r.openai_request_id === copy.openai_request_id);
      expect(written.map((r) => r.actual_cost_cents).sort()).toEqual([0, expect.any(Number)].sort());
      expect(written.every((r) => r.reconciliation_status === 'matched')).toBe(true);
    } finally {
      await api.close();
    }
  });

  it('the database sums the rows as the in-memory reference does (readGroups = aggregateRows)', async () => {
    const { aggregateRows } = await import('../../src/reconcile/compute.js');
    const { readGroups, pgliteDb } = await import('../../src/reconcile/rows.js');
    const rows = [
      ...weekOfRows(),
      { ...weekOfRows()[2] },
      {
        at: WEEK_START + 3600,
        model_used: 'gpt-4o',
        openai_request_id: 'chatcmpl-noinput',
        input_tokens: 50,
        output_tokens: 7,
        cached_input_tokens: null,
        service_tier: null,
      },
      {
        at: WEEK_START + 7200,
        model_used: 'whisper-1',
        openai_request_id: 'req_w1',
        input_tokens: 0,
        output_tokens: 0,
        metadata: { audio_seconds: 12.5 },
      },
      {
        at: WEEK_START + 7300,
        model_used: 'gpt-4o-mini',
        openai_request_id: 'aitxt-123',
        input_tokens: 10,
        output_tokens: 2,
      },
    ];
    await createRowsTable(db, 'parity', rows);
    for (const bucket of ['1d', '1h'] as const) {
      const window = { since: WEEK_START, until: WEEK_END, bucket };
      const fromDb = await readGroups(
        pgliteDb(db as never, { closeOnClose: false }),
        { table: 'parity', costColumn: 'estimated_cost_cents' },
        window,
      );
      // The same rows as the database reads them: time = openai_created, else created_at (a second later).
      const { rows: raw } = await db.query<Record<string, unknown>>(
        `SELECT id::text, extract(epoch FROM COALESCE(to_timestamp(openai_created), created_at))::float8 AS at, model_used, openai_model,
                openai_request_id, input_tokens, output_tokens, tokens_used, cached_input_tokens, service_tier,
                estimated_cost_cents::float8 AS estimated_cost_cents, (metadata->>'audio_seconds')::float8 AS audio_seconds FROM parity`,
      );
      const inMemory = aggregateRows(raw as never, window);
      const sortKey = (g: {
        start: number;
        day: number;
        model_used: string;
        openai_model: string | null;
        service_tier: string | null;
        verifiable: boolean;
      }) => JSON.stringify([g.start, g.day, g.model_used, g.openai_model, g.service_tier, g.verifiable]);
      const norm = (gs: typeof fromDb) =>
        gs
          .map((g) => ({ ...g, own_cents: g.own_cents === null ? null : Number(g.own_cents.toFixed(6)) }))
          .sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
      expect(norm(fromDb)).toEqual(norm(inMemory));
      expect(fromDb.reduce((s, g) => s + g.rows - g.requests, 0)).toBe(1);
    }
  });

  it('$0.0055 estimated against $0.0010 billed is a discrepancy; the dollar floor is an option', async () => {
    // 10 tokens' worth: tiny buckets, where only the floor could match them.
    const rows: RowSpec[] = [
      {
        at: WEEK_START + 3600,
        model_used: 'gpt-4o-mini',
        openai_model: 'gpt-4o-mini-2024-07-18',
        openai_request_id: 'chatcmpl-tiny',
        input_tokens: 10_000,
        output_tokens: 6_667,
        cached_input_tokens: 0,
        service_tier: 'default',
      },
    ];
    const data = usageFromRows(rows);
    data.costs.set(WEEK_START, [
      {
        object: 'organization.costs.result',
        amount: { value: 0.001, currency: 'usd' },
        line_item: 'gpt-4o-mini-2024-07-18, input',
        project_id: null,
      },
    ]);
    const oneDay = ['--since', '2026-11-02', '--until', '2026-11-03'];
    await createRowsTable(db, 'tiny', rows);
    const api = await startFakeApi(data);
    try {
      const first = await runReconcile([...oneDay, '--table', 'tiny', '--json', 'out.json'], { db, api, now: NOW });
      const report = JSON.parse(first.files['/work/out.json']) as Report;
      expect(report.buckets[0].app.estimated_dollars).toBeCloseTo(0.0055, 4);
      expect(report.buckets[0].status).toBe('discrepancy');
      // No floor however large makes a 5x difference match.
      const wide = await runReconcile([...oneDay, '--table', 'tiny', '--json', 'out.json', '--dollar-floor', '1'], {
        db,
        api,
        now: NOW,
      });
      expect((JSON.parse(wide.files['/work/out.json']) as Report).buckets[0].status).toBe('discrepancy');
      const bad = await runReconcile([...oneDay, '--table', 'tiny', '--dollar-floor', 'lots'], { db, api, now: NOW });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--dollar-floor: expected dollars \(0\.005\), got lots/);
    } finally {
      await api.close();
    }
    const { dollarsAgree } = await import('../../src/reconcile/compute.js');
    expect(dollarsAgree(0.0055, 0.001, 0.01, 0.005)).toBe(false);
    expect(dollarsAgree(0.004, 0.005, 0.01, 0.005)).toBe(true); // rounding-sized, within 1.5x
    expect(dollarsAgree(0.004, 0.005, 0.01, 0)).toBe(false);
  });

  it('a sub-day window compares no dollars: the day is billed whole, so its dollars go to no hourly bucket', async () => {
    const rows = weekOfRows();
    const data = usageFromRows(rows, 3600);
    addCostsForUsage(data);
    // Asked from 08:00, the Costs API answers with a bucket starting at 08:00 that holds the day's dollars.
    const since = WEEK_START + 8 * 3600;
    data.costs.set(since, data.costs.get(WEEK_START)!);
    await createRowsTable(db, 'subday', rows);
    const api = await startFakeApi(data);
    try {
      const result = await runReconcile(
        [
          '--since',
          '2026-11-02T08:00:00Z',
          '--until',
          '2026-11-02T12:00:00Z',
          '--bucket',
          '1h',
          '--table',
          'subday',
          '--json',
          'out.json',
        ],
        { db, api, now: NOW },
      );
      expect(result.code).toBe(0);
      const report = JSON.parse(result.files['/work/out.json']) as Report;
      expect(report.buckets.map((b) => [b.start, b.status, b.openai.billed_dollars])).toEqual([
        ['2026-11-02T09:00:00Z', 'matched', null],
        ['2026-11-02T11:00:00Z', 'matched', null],
      ]);
      expect(report.costs.partial_days).toEqual([{ day: '2026-11-02T00:00:00Z', dollars: expect.any(Number) }]);
      expect(report.costs.partial_days[0].dollars).toBeGreaterThan(0);
      expect(report.capture.dollars.billed).toBe(0);
      expect(result.stdout).toMatch(
        /The Costs API reports whole UTC days: 2026-11-02 \(\$[\d.]+\) only partly in the window/,
      );
    } finally {
      await api.close();
    }
  });

  it('--base-url points the real client at another server (a proxy, a test server)', async () => {
    const rows = weekOfRows();
    const data = usageFromRows(rows);
    addCostsForUsage(data);
    await createRowsTable(db, 'base_url', rows);
    const api = await startFakeApi(data);
    try {
      let stdout = '';
      let stderr = '';
      // No createClient: nodeReconcileIo's own, as the CLI makes it.
      const code = await runReconcileCommand([...WINDOW, '--table', 'base_url', '--base-url', `${api.url}/v1`], {
        cwd: '/nonexistent',
        env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
        stdout: (t) => void (stdout += t),
        stderr: (t) => void (stderr += t),
        now: new Date(NOW * 1000),
        openDb: async () =>
          (await import('../../src/reconcile/rows.js')).pgliteDb(db as never, { closeOnClose: false }),
      });
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(/Buckets: 7 matched/);
      expect(api.requests.length).toBeGreaterThanOrEqual(4);
      const bad = await runReconcile([...WINDOW, '--table', 'base_url', '--base-url', 'not a url'], {
        db,
        api,
        now: NOW,
      });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--base-url: expected an http\(s\) URL, got not a url/);
    } finally {
      await api.close();
    }
  });
});
