/**
 * Projects that set `exactOptionalPropertyTypes` (directly, or through `extends` such as `@tsconfig/strictest`): there
 * `system_fingerprint?: string | null` does not take `completion.system_fingerprint` (a `string | undefined`), so the
 * value is written `?? null`. Without the option the edit stays as it always was. Found by the real-code red team:
 * `--write`'s type check took back every call of such a project, while the dry run and the lint rule offered them.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addReconciliationFields } from '../src/engine/index.js';
import { readExactOptionalPropertyTypes } from '../src/node-host.js';
import { appTsconfig, REPO, runCli, tempDir, tscErrors } from './helpers.js';

const ROUTE = `import OpenAI from 'openai';
import { trackTokenUsage } from './tracking';

const openai = new OpenAI();

export async function POST(): Promise<Response> {
  const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  await trackTokenUsage({ action_type: 'chat', model_used: completion.model, tokens_used: completion.usage?.total_tokens ?? 0 });
  return Response.json({ text: completion.choices[0]?.message.content });
}
`;

const tracking = (fields: string) => `export interface TokenUsage {
  action_type: string;
  model_used: string;
  tokens_used: number;
${fields}}

export async function trackTokenUsage(usage: TokenUsage): Promise<void> {
  console.log(usage);
}
`;

const NULLABLE = `  openai_request_id?: string | null;
  openai_created?: number | null;
  system_fingerprint?: string | null;
`;

function plan(fields: string, exact: boolean) {
  const files = new Map([
    ['/app/route.ts', ROUTE],
    ['/app/tracking.ts', tracking(fields)],
  ]);
  const { files: plans } = addReconciliationFields([{ path: '/app/route.ts', text: ROUTE }], {
    readFile: (p) => files.get(p),
    exactOptionalPropertyTypes: () => exact,
  });
  return plans.find((p) => p.path === '/app/route.ts')!.calls[0];
}

describe('exactOptionalPropertyTypes', () => {
  it('writes `?? null` for a value that may be undefined when `?` alone does not take it', () => {
    const exact = plan(NULLABLE, true);
    expect(exact.status).toBe('updated');
    expect(exact.added).toEqual({
      openai_request_id: 'completion.id',
      openai_created: 'completion.created',
      system_fingerprint: 'completion.system_fingerprint ?? null',
    });
    // Without the option: unchanged, no `?? null` where `?` takes undefined.
    expect(plan(NULLABLE, false).added?.system_fingerprint).toBe('completion.system_fingerprint');
    // A type that names undefined takes it under the option too.
    expect(
      plan(
        NULLABLE.replace('system_fingerprint?: string | null', 'system_fingerprint?: string | null | undefined'),
        true,
      ).added?.system_fingerprint,
    ).toBe('completion.system_fingerprint');
    // Neither null nor an explicit undefined: nothing certain to write.
    const neither = plan(NULLABLE.replace('system_fingerprint?: string | null', 'system_fingerprint?: string'), true);
    expect(neither.status).toBe('manual');
    expect(neither.reasonCode).toBe('no-field-value');
    expect(
      plan(NULLABLE.replace('system_fingerprint?: string | null', 'system_fingerprint?: string'), false).status,
    ).toBe('updated');
    // Fields the schema step adds (`?: T | null`) get the same treatment.
    expect(plan('', true).added?.system_fingerprint).toBe('completion.system_fingerprint ?? null');
  });

  it('is read from the nearest tsconfig.json, through extends (local or a package) and references', () => {
    const root = tempDir('recon-exact-');
    const write = (rel: string, json: object) => {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), JSON.stringify(json));
    };
    write('own/tsconfig.json', { compilerOptions: { strict: true, exactOptionalPropertyTypes: true } });
    write('own/src/x.ts', {});
    write('local/base.json', { compilerOptions: { exactOptionalPropertyTypes: true } });
    write('local/tsconfig.json', { extends: './base.json', compilerOptions: { strict: true } });
    write('pkg/node_modules/@acme/strictest/tsconfig.json', { compilerOptions: { exactOptionalPropertyTypes: true } });
    write('pkg/node_modules/@acme/strictest/package.json', { name: '@acme/strictest', version: '1.0.0' });
    write('pkg/tsconfig.json', { extends: '@acme/strictest/tsconfig.json' });
    write('solution/tsconfig.app.json', { compilerOptions: { exactOptionalPropertyTypes: true } });
    write('solution/tsconfig.json', { files: [], references: [{ path: './tsconfig.app.json' }] });
    write('off/tsconfig.json', { extends: './missing.json', compilerOptions: { strict: true } });
    write('nested/tsconfig.json', { compilerOptions: { exactOptionalPropertyTypes: true } });
    write('nested/pkg/tsconfig.json', { compilerOptions: { exactOptionalPropertyTypes: false } });

    expect(readExactOptionalPropertyTypes(path.join(root, 'own/src'))).toBe(true);
    expect(readExactOptionalPropertyTypes(path.join(root, 'local'))).toBe(true);
    expect(readExactOptionalPropertyTypes(path.join(root, 'pkg'))).toBe(true);
    expect(readExactOptionalPropertyTypes(path.join(root, 'solution'))).toBe(true);
    expect(readExactOptionalPropertyTypes(path.join(root, 'off'))).toBe(false);
    // The nearest tsconfig decides, as tsc does for the files it checks.
    expect(readExactOptionalPropertyTypes(path.join(root, 'nested/pkg'))).toBe(false);
  });

  it('end to end: --write updates the call and the project still type-checks with the option on', async () => {
    const dir = tempDir('recon-exact-app-');
    symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    writeFileSync(path.join(dir, 'route.ts'), ROUTE);
    writeFileSync(path.join(dir, 'tracking.ts'), tracking(NULLABLE));
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      appTsconfig({ lib: ['ES2022', 'DOM'], exactOptionalPropertyTypes: true, types: [] }),
    );
    const tsconfig = path.join(dir, 'tsconfig.json');
    expect(tscErrors(tsconfig)).toEqual([]);
    const { code, stdout, stderr } = await runCli(['.', '--write', '--allow-dirty'], dir);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/1 tracking call: 1 updated, 0 already complete, 0 manual/);
    expect(tscErrors(tsconfig)).toEqual([]);
  });
});
