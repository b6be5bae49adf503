import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO } from './helpers.js';
import { PGLITE_NODE_FLAGS } from './pglite-cluster.mjs';

it('npm run demo migrates the demo app, applies the SQL on PGlite and prints rows with their status', () => {
  // Its PGlite starts cold (initdb), as on a first run; the flags only make that cheaper (test/pglite-cluster.mjs).
  const run = spawnSync(process.execPath, [...PGLITE_NODE_FLAGS, join(REPO, 'scripts/demo.mjs')], {
    cwd: REPO,
    encoding: 'utf8',
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/13 tracking calls: 12 updated, 1 already complete, 0 manual/);
  expect(run.stdout).toContain('columns added: openai_request_id, openai_created, system_fingerprint');
  expect(run.stdout).toContain('stored: 4/4');
  // The rows' statuses come from the database (the tracker and the migration's backfill), not from the script.
  expect(run.stdout).toMatch(/'chatcmpl-demo123'\s*│\s*1764115200\s*│\s*'fp_demo'\s*│\s*'pending'/);
  expect(run.stdout).toMatch(/'anthropic_summary'\s*│\s*null\s*│\s*null\s*│\s*null\s*│\s*'not_applicable'/);
  expect(run.stdout.match(/'not_applicable'/g)).toHaveLength(2);
});
