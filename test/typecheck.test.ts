import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO } from './helpers.js';

// The whole project, tests included, type-checks strictly (no unused locals or parameters): the build only covers
// src/, codemods/ and eslint-plugin/, so without this a test's type error would go unnoticed. Incremental (its state in
// dist/, which a clean clone does not have): files unchanged since the last run are not checked again.
it('the project type-checks (npm run typecheck)', () => {
  const result = spawnSync(
    process.execPath,
    [
      join(REPO, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(REPO, 'tsconfig.json'),
      '--noEmit',
      '--incremental',
      '--tsBuildInfoFile',
      join(REPO, 'dist', 'typecheck.tsbuildinfo'),
    ],
    {
      encoding: 'utf8',
    },
  );
  expect(result.stdout + result.stderr).toBe('');
  expect(result.status).toBe(0);
});
