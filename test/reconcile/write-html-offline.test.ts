import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { freshPGlite } from '../helpers.js';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/reconcile/compute.js';
import { createTableSql } from '../../src/schema/sql.js';
import {
  ADMIN_KEY,
  createRowsTable,
  DAY,
  demoScenario,
  golden,
  HERE,
  runReconcile,
  startFakeApi,
  statusesOf,
  WEEK_END,
  WEEK_START,
  type FakeApi,
} from './harness.js';

const FIXTURES = join(HERE, '..', '..', 'fixtures', 'reconcile');
const NOW = WEEK_END + 3 * DAY;
const WINDOW = ['--since', '2026-11-02', '--until', '2026-11-09', '--bucket', '1d'];

let db: PGlite;
let api: FakeApi;
const { rows, data } = demoScenario();
beforeAll(async () => {
  db = await freshPGlite();
  api = await startFakeApi(data, { pageSize: 3 });
});
afterAll(async () => {
  await api.close();
  await db.close();
});

describe('--write', () => {
  it('updates exactly the rows of matched and discrepant buckets, in the window, with allocated cents', async () => {
    await createRowsTable(db, 'demo_write', rows);
    const before = await statusesOf(db, 'demo_write');
    const result = await runReconcile([...WINDOW, '--table', 'demo_write', '--write', '--json', 'out.json'], {
      db,
      api,
      now: NOW,
    });
    // Progress only: one batch of whole buckets.
    expect(result.stderr).toMatch(
      /^reconcile --write: batch 1\/1 \(2026-11-02T00:00:00.000Z → 2026-11-09T00:00:00.000Z\): 26 rows written, 0 already up to date; 26\/26 rows \([\d.]+ s\)\n$/,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/on 26 rows of matched and discrepant buckets\. actual_cost_cents is an allocation/);
    const report = JSON.parse(result.files['/work/out.json']) as Report;
    const after = await statusesOf(db, 'demo_write');

    const statusOfBucket = new Map(report.buckets.map((b) => [`${b.start}|${b.model}`, b]));
    const changed = after.filter((row, i) => JSON.stringify(row) !== JSON.stringify(before[i]));
    // 21 chat rows (matched), the multi-step row (discrepancy), 4 Whisper rows (matched).
    expect(changed.map((r) => r.openai_request_id).sort()).toEqual(
      [
        ...rows
          .filter((r) => r.openai_request_id && /^(chatcmpl-d|chatcmpl-laststep|req_whisper)/.test(r.openai_request_id))
          .map((r) => r.openai_request_id),
      ].sort(),
    );
    const byId = new Map(after.map((r) => [r.openai_request_id, r]));
    expect(byId.get('chatcmpl-laststep')).toMatchObject({ reconciliation_status: 'discrepancy' });
    expect(byId.get('chatcmpl-d0k0')).toMatchObject({ reconciliation_status: 'matched' });
    expect(byId.get('req_whisper10')).toMatchObject({ reconciliation_status: 'matched', actual_cost_cents: 1 });
    // Untouched: outside the window, the gateway row, the row without an id.
    expect(byId.get('chatcmpl-outside0')).toMatchObject({
      reconciliation_status: 'pending',
      actual_cost_cents: null,
      reconciled_at: null,
    });
    expect(byId.get('chatcmpl-outside1')).toMatchObject({
      reconciliation_status: 'pending',
      actual_cost_cents: null,
      reconciled_at: null,
    });
    expect(byId.get('gen_01JCX3')).toMatchObject({ reconciliation_status: 'pending', actual_cost_cents: null });
    expect(byId.get(null)).toMatchObject({ reconciliation_status: 'not_applicable', actual_cost_cents: null });
    for (const row of changed) expect(row.reconciled_at?.toISOString()).toBe(new Date(NOW * 1000).toISOString());

    // Each bucket's cents add up to its billed dollars (the allocation loses no cent and invents none).
    const { rows: sums } = await db.query<{ day: string; model: string; cents: number }>(
      `SELECT to_char(to_timestamp(COALESCE(openai_created, extract(epoch FROM created_at)::bigint)) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T00:00:00Z"') AS day,
              COALESCE(openai_model, model_used) AS model, sum(actual_cost_cents)::int AS cents
         FROM demo_write WHERE actual_cost_cents IS NOT NULL GROUP BY 1, 2`,
    );
    expect(sums.length).toBeGreaterThan(0);
    for (const sum of sums) {
      const bucket = statusOfBucket.get(`${sum.day}|${sum.model}`)!;
      expect(sum.cents).toBe(Math.round(bucket.openai.billed_dollars! * 100));
    }
  });

  it('a second run over the same window writes the same values (idempotent)', async () => {
    const first = await statusesOf(db, 'demo_write');
    const result = await runReconcile([...WINDOW, '--table', 'demo_write', '--write'], { db, api, now: NOW });
    expect(result.code).toBe(0);
    // Resumable: the rows already written are skipped, not rewritten.
    expect(result.stderr).toMatch(/: 0 rows written, 26 already up to date/);
    expect(result.stdout).toMatch(
      /on 0 rows of matched and discrepant buckets \(26 more already held these values and were skipped\)/,
    );
    expect(await statusesOf(db, 'demo_write')).toEqual(first);
  });
});

describe('--html', () => {
  it('is one self-contained page whose bars are drawn from the data', async () => {
    await createRowsTable(db, 'demo_html', rows);
    const result = await runReconcile(
      [...WINDOW, '--table', 'demo_html', '--html', 'recon.html', '--json', 'out.json'],
      { db, api, now: NOW },
    );
    expect(result.code).toBe(0);
    const html = result.files['/work/recon.html'];
    const report = JSON.parse(result.files['/work/out.json']) as Report;
    expect(html).not.toMatch(/<script|<link|@import|url\(|src=|href=/i);
    expect(html.match(/https?:\/\/[^"\s<]+/g)).toEqual(['http://www.w3.org/2000/svg', 'http://www.w3.org/2000/svg']);
    // The headline: 26 of OpenAI's 36 requests (21 chat + 1 of the 3 multi-step + 4 Whisper; 8 untracked gpt-4o).
    expect(report.capture.requests).toEqual({ app: 26, openai: 36, rate: 0.7222 });
    expect(html).toContain('Capture rate: 72.2% of OpenAI&#39;s 36 requests');

    const svgs = [...html.matchAll(/<svg[^>]*data-max="([^"]+)" data-plot-height="([^"]+)">([\s\S]*?)<\/svg>/g)];
    expect(svgs).toHaveLength(2);
    const bars = (svg: string) =>
      [
        ...svg.matchAll(
          /<rect class="bar" data-series="([^"]+)" data-label="([^"]+)" data-value="([^"]+)" x="[^"]+" y="([^"]+)" width="[^"]+" height="([^"]+)"/g,
        ),
      ].map(([, series, label, value, y, height]) => ({
        series,
        label,
        value: Number(value),
        y: Number(y),
        height: Number(height),
      }));
    // Chart 1: dollars per day, the app's estimate and the bill, straight from the report.
    const dollars = bars(svgs[0][3]);
    expect(dollars.filter((b) => b.series === 'OpenAI billed').map((b) => [b.label, b.value])).toEqual(
      report.daily.map((d) => [d.day, d.billed_dollars]),
    );
    expect(dollars.filter((b) => b.series === 'app estimated').map((b) => b.value)).toEqual(
      report.daily.map((d) => d.app_estimated_dollars),
    );
    // Heights proportional to the values: the largest bar is the full plot height, each bar value/max of it.
    for (const [, maxText, plotText, body] of svgs) {
      const max = Number(maxText);
      const plot = Number(plotText);
      const all = bars(body);
      expect(Math.max(...all.map((b) => b.value))).toBe(max);
      for (const bar of all) {
        expect(bar.height).toBeCloseTo((bar.value / max) * plot, 2);
        expect(bar.y + bar.height).toBeCloseTo(30 + plot, 2); // bars stand on the axis
      }
    }
    // Chart 2: tokens per bucket, both sides.
    const tokens = bars(svgs[1][3]);
    const day3 = report.buckets.filter((b) => b.start === '2026-11-05T00:00:00Z');
    expect(tokens.find((b) => b.series === 'OpenAI usage' && b.label === '2026-11-05')!.value).toBe(
      day3.reduce((s, b) => s + b.openai.input_tokens + b.openai.output_tokens, 0),
    );
    // The table lists discrepancies first.
    const statuses = [...html.matchAll(/<tr class="(\w+)">/g)].map((m) => m[1]);
    expect(statuses[0]).toBe('discrepancy');
    expect(statuses.indexOf('matched')).toBeGreaterThan(statuses.lastIndexOf('unattributed'));
  });
});

describe('offline, from saved API responses', () => {
  it('the saved fixtures are what the API serves, and reconciling them offline gives the online report', async () => {
    // Save the responses as a user would: the real client, every page of each endpoint, in one JSON array.
    const client = new OpenAI({ adminAPIKey: ADMIN_KEY, apiKey: null, baseURL: `${api.url}/v1`, maxRetries: 0 });
    const query = { start_time: WEEK_START, end_time: WEEK_END, bucket_width: '1d' as const, limit: 7 };
    const all = async <P extends { has_more: boolean; next_page: string | null }>(
      get: (page?: string) => Promise<P>,
    ): Promise<P[]> => {
      const pages = [await get()];
      while (pages.at(-1)!.has_more) pages.push(await get(pages.at(-1)!.next_page!));
      return pages;
    };
    const usage = [
      ...(await all((page) =>
        client.admin.organization.usage.completions({ ...query, group_by: ['model', 'batch', 'service_tier'], page }),
      )),
      ...(await all((page) =>
        client.admin.organization.usage.audioTranscriptions({ ...query, group_by: ['model'], page }),
      )),
    ];
    const costs = await all((page) =>
      client.admin.organization.usage.costs({ ...query, group_by: ['line_item'], page }),
    );
    expect(usage.length).toBeGreaterThan(2); // paginated
    const u = golden('usage', usage, join(FIXTURES, 'usage.json'));
    expect(u.actual).toEqual(u.expected);
    const c = golden('costs', costs, join(FIXTURES, 'costs.json'));
    expect(c.actual).toEqual(c.expected);

    // The sample rows for trying it offline: the CREATE TABLE of `recon-codemod sql --create` and the demo rows.
    const seedDb = await freshPGlite();
    try {
      await createRowsTable(seedDb, 'token_usage', rows);
      const dump = await seedDb.query<{ line: string }>(
        `SELECT format('INSERT INTO token_usage (created_at, action_type, model_used, tokens_used, input_tokens, output_tokens, estimated_cost_cents, openai_request_id, openai_created, openai_model, cached_input_tokens, service_tier, reconciliation_status, metadata) VALUES (%L, %L, %L, %s, %s, %s, %s, %L, %s, %L, %s, %L, %L, %L);',
           created_at AT TIME ZONE 'UTC', action_type, model_used, tokens_used, input_tokens, output_tokens, COALESCE(estimated_cost_cents::text, 'NULL'),
           openai_request_id, COALESCE(openai_created::text, 'NULL'), openai_model, COALESCE(cached_input_tokens::text, 'NULL'), service_tier, reconciliation_status, metadata) AS line
           FROM token_usage ORDER BY id`,
      );
      const sql = `SET TIME ZONE 'UTC';\n${createTableSql()}\n${dump.rows.map((r) => r.line).join('\n')}\n`;
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(join(FIXTURES, 'rows.sql'), sql);
      expect(readFileSync(join(FIXTURES, 'rows.sql'), 'utf8')).toBe(sql);
    } finally {
      await seedDb.close();
    }

    await createRowsTable(db, 'demo_offline', rows);
    const online = await runReconcile([...WINDOW, '--table', 'demo_offline', '--json', 'out.json'], {
      db,
      api,
      now: NOW,
    });
    expect(online.stderr).toBe('');
    expect(online.code).toBe(0);
    const offline = await runReconcile(
      [
        '--usage',
        join(FIXTURES, 'usage.json'),
        '--costs',
        join(FIXTURES, 'costs.json'),
        '--table',
        'demo_offline',
        '--json',
        'out.json',
      ],
      { db, now: NOW, env: {} },
    );
    expect(offline.stderr).toBe('');
    expect(offline.code).toBe(0);
    expect(JSON.parse(offline.files['/work/out.json'])).toEqual(JSON.parse(online.files['/work/out.json']));
    const { actual, expected } = golden('demo-week', JSON.parse(offline.files['/work/out.json']));
    expect(actual).toEqual(expected);
    expect(offline.stdout).toMatch(/^recon-codemod reconcile 2026-11-02T00:00:00Z → 2026-11-09T00:00:00Z, 1d buckets/);
  });
});
