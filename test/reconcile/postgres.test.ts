import type { PGlite } from '@electric-sql/pglite';
import { freshPGlite } from '../helpers.js';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runReconcileCommand } from '../../src/reconcile/command.js';
import {
  addCostsForUsage,
  ADMIN_KEY,
  createRowsTable,
  DAY,
  startFakeApi,
  statusesOf,
  usageFromRows,
  WEEK_END,
  weekOfRows,
  type FakeApi,
} from './harness.js';

// `--db postgres://…`: the real node-postgres path (nodeReconcileIo's openDb), over the Postgres wire protocol.
let db: PGlite;
let server: PGLiteSocketServer;
let api: FakeApi;
const rows = weekOfRows();
beforeAll(async () => {
  db = await freshPGlite();
  await createRowsTable(db, 'token_usage', rows);
  server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
  await server.start();
  const data = usageFromRows(rows);
  addCostsForUsage(data);
  api = await startFakeApi(data);
});
afterAll(async () => {
  await api.close();
  await server.stop();
  await db.close();
});

it('reads and writes the rows through node-postgres in one transaction', async () => {
  let stdout = '';
  let stderr = '';
  const code = await runReconcileCommand(
    [
      '--since',
      '2026-11-02',
      '--until',
      '2026-11-09',
      '--db',
      `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable`,
      '--write',
      '--project',
      'proj_abc',
    ],
    {
      cwd: '/nonexistent',
      env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      now: new Date((WEEK_END + 3 * DAY) * 1000),
      createClient: (key) => new OpenAI({ adminAPIKey: key, apiKey: null, baseURL: `${api.url}/v1`, maxRetries: 0 }),
    },
  );
  expect(stderr).toMatch(/^reconcile --write: batch 1\/1 .*: 21 rows written, 0 already up to date; 21\/21 rows/);
  expect(code).toBe(0);
  expect(stdout).toMatch(/Buckets: 7 matched/);
  // --project filters both APIs by project (the fake API serves the same data either way).
  expect(api.requests.map((r) => r.query.getAll('project_ids[]'))).toEqual(api.requests.map(() => ['proj_abc']));
  const after = await statusesOf(db, 'token_usage');
  expect(after.every((r) => r.reconciliation_status === 'matched' && r.actual_cost_cents !== null)).toBe(true);
});
