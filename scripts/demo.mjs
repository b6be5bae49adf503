#!/usr/bin/env node
// `npm run demo`: the whole loop on the demo app, in a temp copy (nothing in the repo changes):
// migrate it with the codemod, apply the SQL migration on embedded Postgres (PGlite), record a few usages from
// SDK-shaped results through the tracker, and print the rows with their reconciliation status.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { migrationSql } from '../dist/src/schema/index.js';
import { createTracker, extractReconciliationFields, pgliteStore } from '../dist/src/tracking/index.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'recon-demo-'));
const step = (text) => console.log(`\n== ${text}`);

try {
  step('1. Migrate the demo app (a temp copy) with the codemod');
  const app = join(work, 'demo-app');
  cpSync(join(repo, 'fixtures', 'demo-app'), app, { recursive: true });
  const run = spawnSync(
    process.execPath,
    [join(repo, 'bin', 'recon-codemod.js'), '.', '--write', '--quiet', '--report', join(work, 'migration.md')],
    {
      cwd: app,
      encoding: 'utf8',
    },
  );
  process.stdout.write(run.stdout + run.stderr);
  if (run.status !== 0) throw new Error(`recon-codemod exited ${run.status}`);
  const chat = readFileSync(join(app, 'src/app/api/viva/chat/route.ts'), 'utf8');
  console.log(
    chat
      .split('\n')
      .filter((l) => /onFinish|openai_|system_fingerprint/.test(l))
      .join('\n'),
  );
  console.log(readFileSync(join(work, 'migration.md'), 'utf8').split('\n').slice(0, 7).join('\n'));

  step("2. Apply the SQL migration to the team's existing token_usage table on PGlite (twice: it is idempotent)");
  const dataDir = join(work, 'db');
  const db = await PGlite.create(dataDir);
  await db.exec(`CREATE TABLE token_usage (
    id BIGSERIAL PRIMARY KEY, created_at TIMESTAMPTZ NOT NULL DEFAULT now(), user_id TEXT, action_type TEXT NOT NULL,
    model_used TEXT NOT NULL, tokens_used INTEGER NOT NULL, input_tokens INTEGER, output_tokens INTEGER,
    estimated_cost_cents NUMERIC, success BOOLEAN NOT NULL DEFAULT true, error_message TEXT, metadata JSONB);
    INSERT INTO token_usage (user_id, action_type, model_used, tokens_used) VALUES ('u_1', 'viva_chat', 'gpt-4o', 812);`);
  await db.exec(migrationSql());
  await db.exec(migrationSql());
  const columns = await db.query(
    `SELECT column_name FROM information_schema.columns WHERE table_name = 'token_usage' AND column_name LIKE ANY (ARRAY['openai_%', 'system_%', 'reconcil%', 'actual_%']) ORDER BY ordinal_position`,
  );
  console.log(`columns added: ${columns.rows.map((r) => r.column_name).join(', ')}`);
  await db.close();

  step('3. Record usages through the tracker, fields from SDK-shaped results');
  const tracker = createTracker({ store: pgliteStore({ dataDir }), deadLetterFile: join(work, 'dead-letter.jsonl') });
  const completion = {
    id: 'chatcmpl-demo123',
    object: 'chat.completion',
    created: 1764115200,
    model: 'gpt-4o-mini-2024-07-18',
    system_fingerprint: 'fp_demo',
    choices: [],
    usage: { prompt_tokens: 120, completion_tokens: 80, total_tokens: 200 },
  };
  const finishEvent = {
    response: { id: 'resp_demo456', timestamp: new Date('2026-11-26T00:01:00Z'), modelId: 'gpt-4o' },
  };
  const transcription = Object.defineProperty({ text: 'hello' }, '_request_id', {
    value: 'req_demo789',
    enumerable: false,
  });
  const results = [
    await tracker.trackTokenUsage({
      user_id: 'u_1',
      action_type: 'viva_category_summary',
      model_used: 'gpt-4o-mini',
      tokens_used: 200,
      ...extractReconciliationFields(completion),
    }),
    await tracker.trackTokenUsage({
      user_id: 'u_1',
      action_type: 'viva_chat',
      model_used: 'gpt-4o',
      tokens_used: 350,
      ...extractReconciliationFields(finishEvent),
    }),
    await tracker.trackTokenUsage({
      user_id: 'u_2',
      action_type: 'transcribe',
      model_used: 'whisper-1',
      tokens_used: 0,
      ...extractReconciliationFields(transcription),
    }),
    await tracker.trackTokenUsage({
      user_id: 'u_2',
      action_type: 'anthropic_summary',
      model_used: 'claude-sonnet',
      tokens_used: 90,
      ...extractReconciliationFields({}),
    }),
  ];
  console.log(`stored: ${results.filter((r) => r.ok).length}/${results.length}`);
  await tracker.close();

  step('4. The rows, with their reconciliation status');
  const check = await PGlite.create(dataDir);
  const table = await check.query(
    `SELECT id, action_type, openai_request_id, openai_created, system_fingerprint, reconciliation_status FROM token_usage ORDER BY id`,
  );
  console.table(table.rows);
  await check.close();
  console.log(
    '\nThe pre-existing row has no request id: not_applicable. Rows with an OpenAI id are pending until `recon-codemod reconcile`.',
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
