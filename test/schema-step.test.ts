import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyFixture, REPO, runCli, snapshotTree, tscErrors as tscErrorsOf } from './helpers.js';

/**
 * Type-check a copied app against the real openai/ai types (its node_modules is the repo's). The --write runs here
 * pass --no-verify: this whole-program check after the write is the judge (stricter: a bad edit stays and fails it,
 * where the CLI's own check would take the call back); --write's type-check itself is tested in verify.test.ts and on
 * the seed-shaped app in tracker-declarations.test.ts.
 */
const tscErrors = (dir: string) => tscErrorsOf(join(dir, 'tsconfig.json'));

function copyApp(name: string): string {
  const dir = copyFixture(name);
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

describe('the codemod finishes the schema step on an app that has not done it', () => {
  it('adds the fields to TokenUsage and the insert row, updates every call, and leaves no type error', async () => {
    const dir = copyApp('pre-schema-app');
    expect(tscErrors(dir)).toEqual([]);
    const { code, stdout } = await runCli(
      ['--write', '--no-verify', '--report', 'migration.md', '--json', 'migration.json'],
      dir,
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/13 tracking calls: 13 updated, 0 already complete, 0 manual/);

    const tracking = readFileSync(join(dir, 'src/lib/tokens/tracking.ts'), 'utf8');
    expect(tracking).toContain(
      '  metadata?: Record<string, unknown>;\n  openai_request_id?: string | null;\n  openai_created?: number | null;\n  system_fingerprint?: string | null;\n}',
    );
    expect(tracking).toContain(
      '    metadata: usage.metadata ?? {},\n    openai_request_id: usage.openai_request_id ?? null,\n    openai_created: usage.openai_created ?? null,\n    system_fingerprint: usage.system_fingerprint ?? null,\n  });',
    );
    // No new type errors: the whole point of doing the schema step first.
    expect(tscErrors(dir)).toEqual([]);

    const md = readFileSync(join(dir, 'migration.md'), 'utf8');
    expect(md.indexOf('## Schema edits')).toBeGreaterThan(0);
    expect(md.indexOf('## Schema edits')).toBeLessThan(md.indexOf('## Calls'));
    expect(md).toContain(
      '`src/lib/tokens/tracking.ts`: `TokenUsage` gains `openai_request_id`, `openai_created`, `system_fingerprint`',
    );
    const report = JSON.parse(readFileSync(join(dir, 'migration.json'), 'utf8'));
    expect(report.files.find((f: { path: string }) => f.path === 'src/lib/tokens/tracking.ts')?.status).toBe('changed');

    const before = snapshotTree(dir);
    const again = await runCli(['--write', '--check'], dir);
    expect(again.code).toBe(0);
    const after = snapshotTree(dir);
    for (const [path, bytes] of before)
      if (!path.endsWith('.md') && !path.endsWith('.json')) expect(after.get(path)?.equals(bytes), path).toBe(true);
  });

  it('a tracker whose row it cannot find is reported with the lines to add, and the type is still extended', async () => {
    const dir = copyApp('pre-schema-app');
    const path = join(dir, 'src/lib/tokens/tracking.ts');
    const text = readFileSync(path, 'utf8').replace(
      /const \{ error \} = await db\.from\('token_usage'\)\.insert\(\{[\s\S]*?\}\);/,
      "const { error } = await db.from('token_usage').insert(toRow(usage));",
    );
    const withHelper = `${text}\nfunction toRow(usage: TokenUsage): Record<string, unknown> {\n  return Object.fromEntries(Object.entries(usage));\n}\n`;
    writeFileSync(path, withHelper);
    const { code } = await runCli(['--write', '--no-verify', '--report', 'migration.md'], dir);
    expect(code).toBe(0);
    const md = readFileSync(join(dir, 'migration.md'), 'utf8');
    expect(md).toContain('**to do by hand:** the tracker `trackTokenUsage` may not store the new fields');
    expect(md).toContain(
      '`openai_request_id: usage.openai_request_id, openai_created: usage.openai_created, system_fingerprint: usage.system_fingerprint`',
    );
    expect(readFileSync(path, 'utf8')).toContain('system_fingerprint?: string | null;');
    expect(tscErrors(dir)).toEqual([]);
  });

  it('--fields adds the optional columns too, to the calls and (by the schema step) to TokenUsage, and it type-checks', async () => {
    const dir = copyApp('demo-app');
    const { code, stdout } = await runCli(
      ['--write', '--no-verify', '--fields', 'openai_model,cached_input_tokens', '--fields', 'service_tier'],
      dir,
    );
    expect(code).toBe(0);
    // The already migrated route lacks the optional columns: it is updated too.
    expect(stdout).toMatch(/13 tracking calls: 13 updated, 0 already complete, 0 manual/);
    const route = readFileSync(join(dir, 'src/app/api/viva/merge-clarity/route.ts'), 'utf8');
    expect(route).toContain(
      '    openai_model: response.model,\n    cached_input_tokens: response.usage?.prompt_tokens_details?.cached_tokens,\n    service_tier: response.service_tier\n',
    );
    const chat = readFileSync(join(dir, 'src/app/api/viva/chat/route.ts'), 'utf8');
    expect(chat).toContain('openai_model: response.modelId,');
    expect(readFileSync(join(dir, 'src/lib/tokens/tracking.ts'), 'utf8')).toContain(
      '  openai_model?: string | null;\n  cached_input_tokens?: number | null;\n  service_tier?: string | null;\n}',
    );
    expect(tscErrors(dir)).toEqual([]);
    // Without --fields the same calls count as complete: the optional columns are never required by default.
    expect((await runCli(['--check', '--quiet'], dir)).code).toBe(0);
  });
});
