/**
 * Trackers declared the way real apps declare them (issue 11, item 4): utility types on the record parameter, the
 * record not first or followed by a client, the schema step reaching the right type only when a call needs it, and
 * report lines against the text the user has. The fixtures (fixtures/tracker-param-*, tracker-record-second-argument,
 * tracker-trailing-client-argument, schema-step-through-omit) are run by test/fixtures.test.ts; this file checks
 * what a per-file fixture cannot: the seed-shaped app end to end with tsc, and the files the schema step rewrites.
 */
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addReconciliationFields } from '../codemods/add-reconciliation-fields.js';
import { appTsconfig, copyFixture, REPO, runCli, snapshotTree, tempDir, tscErrors } from './helpers.js';

/** The codemod over in-memory files under /app (the first file is the one whose plan is returned first). */
function run(files: Record<string, string>, inputs: string[] = Object.keys(files)) {
  const abs = (rel: string) => `/app/${rel}`;
  const map = new Map(Object.entries(files).map(([k, v]) => [abs(k), v]));
  const { files: plans } = addReconciliationFields(
    inputs.map((rel) => ({ path: abs(rel), text: files[rel] })),
    { readFile: (p) => map.get(p) },
  );
  return (rel: string) => plans.find((p) => p.path === abs(rel));
}

const ROUTE = (call: string) => `import OpenAI from 'openai';
import { trackTokenUsage } from './tracking';

const openai = new OpenAI();

export async function POST(): Promise<Response> {
  const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  await ${call};
  return Response.json({ text: completion.choices[0]?.message.content });
}
`;

const RECORD = `{ user_id: 'u', action_type: 'chat', model_used: completion.model, tokens_used: completion.usage?.total_tokens ?? 0 }`;

const USAGE_WITHOUT_FIELDS = `export interface TokenUsage {
  id: string;
  user_id: string;
  action_type: string;
  model_used: string;
  tokens_used: number;
}
`;

describe('the seed-shaped app: trackTokenUsage(usage: Omit<TokenUsage, …>, supabaseClient?: any)', () => {
  it('is fully migrated by --write with no new tsc error, the tracker untouched, and a second run changes nothing', async () => {
    const dir = copyFixture('seed-shaped-app');
    symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const tsconfig = path.join(dir, 'tsconfig.json');
    const tracker = readFileSync(path.join(dir, 'src/lib/tokens/tracking.ts'));

    const { code, stdout } = await runCli(['--write', '--json', 'migration.json'], dir);
    expect(code).toBe(0);
    expect(stdout).toMatch(/13 tracking calls: 12 updated, 1 already complete, 0 manual/);
    // No error at all after the edits: none added, and none there before (no check of the app as it was is needed).
    expect(tscErrors(tsconfig)).toEqual([]);
    // The type already had the fields: the schema step has nothing to do.
    expect(readFileSync(path.join(dir, 'src/lib/tokens/tracking.ts')).equals(tracker)).toBe(true);

    // A client after the record: the record is still the one edited.
    const blueprint = readFileSync(path.join(dir, 'src/app/api/viva/blueprint/route.ts'), 'utf8');
    expect(blueprint).toContain(
      '      },\n      openai_request_id: completion.id,\n      openai_created: completion.created,\n      system_fingerprint: completion.system_fingerprint\n    },\n    supabase,\n  );',
    );
    const refine = readFileSync(path.join(dir, 'src/app/api/viva/refine-category/route.ts'), 'utf8');
    expect(refine).toContain('    system_fingerprint: completion.system_fingerprint\n  }, tracking.supabaseClient);');

    const report = JSON.parse(readFileSync(path.join(dir, 'migration.json'), 'utf8'));
    expect(report.summary).toMatchObject({ calls: 13, updated: 12, complete: 1, manual: 0, errors: 0 });

    const before = snapshotTree(dir);
    const again = await runCli(['--write', '--check'], dir);
    expect(again.code).toBe(0);
    const after = snapshotTree(dir);
    for (const [rel, bytes] of before) expect(after.get(rel)?.equals(bytes), rel).toBe(true);
  }, 240_000);
});

describe('fixtures that need their own type-check', () => {
  it('tracker-param-imported-alias-via-paths: input and output type-check with the fixture tsconfig (its @/* alias)', () => {
    expect(tscErrors(path.join(REPO, 'fixtures', 'tracker-param-imported-alias-via-paths', 'tsconfig.json'))).toEqual(
      [],
    );
  });

  it('schema-step-through-omit: the fields land in the interface under the Omit and in the row; the output type-checks', () => {
    const fixture = path.join(REPO, 'fixtures', 'schema-step-through-omit');
    const read = (f: string) => readFileSync(path.join(fixture, f), 'utf8');
    const inputPath = path.join(fixture, 'input.ts').split(path.sep).join('/');
    const trackingPath = path.join(fixture, 'tracking.ts').split(path.sep).join('/');
    const { files } = addReconciliationFields([{ path: inputPath, text: read('input.ts') }], {
      readFile: (p) => (p === trackingPath ? read('tracking.ts') : undefined),
    });
    const tracking = files.find((f) => f.path === trackingPath);
    expect(tracking?.schema).toMatchObject({
      typeName: 'TokenUsage',
      added: ['openai_request_id', 'openai_created', 'system_fingerprint'],
    });
    expect(tracking?.schema?.manual).toBeUndefined();
    const output = tracking!.output!;
    expect(output).toContain(
      '  created_at: string;\n  openai_request_id?: string | null;\n  openai_created?: number | null;\n  system_fingerprint?: string | null;\n}',
    );
    expect(output).toContain('    success: usage.success,\n    openai_request_id: usage.openai_request_id ?? null,');
    // The client's interface is not the record's type: untouched.
    expect(output).toContain(
      'export interface UsageDb {\n  from(table: string): { insert(row: object): Promise<{ error: Error | null }> };\n}',
    );
    expect(files.find((f) => f.path === inputPath)?.output).toBe(read('output.ts'));

    const dir = tempDir('recon-through-omit-');
    writeFileSync(path.join(dir, 'tracking.ts'), output);
    writeFileSync(path.join(dir, 'route.ts'), read('output.ts'));
    writeFileSync(path.join(dir, 'tsconfig.json'), appTsconfig({ lib: ['ES2022', 'DOM'], types: [] }));
    symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    expect(tscErrors(path.join(dir, 'tsconfig.json'))).toEqual([]);
  });
});

describe('the schema step edits only the record type, and only when a call uses it', () => {
  it('a client interface before the record parameter is left alone; the record type gains the fields', () => {
    const plan = run({
      'route.ts': ROUTE(`trackTokenUsage(db, ${RECORD})`).replace(
        'const openai = new OpenAI();',
        "const openai = new OpenAI();\ndeclare const db: import('./tracking').Db;",
      ),
      'tracking.ts': `export interface Db {\n  insert(row: object): Promise<void>;\n}\n\n${USAGE_WITHOUT_FIELDS}\nexport async function trackTokenUsage(db: Db, usage: Omit<TokenUsage, 'id'>): Promise<void> {\n  await db.insert(usage);\n}\n`,
    });
    expect(plan('route.ts')?.calls[0]).toMatchObject({ status: 'updated' });
    const tracking = plan('tracking.ts')!.output!;
    expect(tracking).toContain('export interface Db {\n  insert(row: object): Promise<void>;\n}');
    expect(tracking).toContain('  tokens_used: number;\n  openai_request_id?: string | null;');
  });

  it('no call updated (no OpenAI result in scope): the tracker type is not edited', () => {
    const route = `import { trackTokenUsage } from './tracking';\n\nexport async function POST(): Promise<void> {\n  await trackTokenUsage({ user_id: 'u', action_type: 'x', model_used: 'm', tokens_used: 1 });\n}\n`;
    const plan = run({
      'route.ts': route,
      'tracking.ts': `${USAGE_WITHOUT_FIELDS}\nexport async function trackTokenUsage(usage: Omit<TokenUsage, 'id'>): Promise<void> {\n  void usage;\n}\n`,
    });
    expect(plan('route.ts')?.calls[0].status).toBe('manual');
    const tracking = plan('tracking.ts');
    expect(tracking === undefined || (tracking.schema === undefined && tracking.output === undefined)).toBe(true);
  });

  it('a Pick<…> that would drop the new fields: the call is manual naming the Pick, and nothing is edited', () => {
    const plan = run({
      'route.ts': ROUTE(`trackTokenUsage(${RECORD})`),
      'tracking.ts': `${USAGE_WITHOUT_FIELDS}\nexport async function trackTokenUsage(usage: Pick<TokenUsage, 'user_id' | 'action_type' | 'model_used' | 'tokens_used'>): Promise<void> {\n  void usage;\n}\n`,
    });
    const call = plan('route.ts')!.calls[0];
    expect(call).toMatchObject({ status: 'manual', reasonCode: 'untyped-tracker' });
    expect(call.reason).toContain("`Pick<TokenUsage, 'user_id' | 'action_type' | 'model_used' | 'tokens_used'>`");
    expect(plan('route.ts')!.output).toBeUndefined();
    expect(plan('tracking.ts')?.output).toBeUndefined();
  });

  it('a type it cannot read is manual, naming the exact construct', () => {
    const plan = run({
      'route.ts': ROUTE(`trackTokenUsage(${RECORD})`),
      'tracking.ts': `${USAGE_WITHOUT_FIELDS}\ntype Writable<T> = { -readonly [K in keyof T]: T[K] };\n\nexport async function trackTokenUsage(usage: Writable<Omit<TokenUsage, 'id'>>): Promise<void> {\n  void usage;\n}\n`,
    });
    const call = plan('route.ts')!.calls[0];
    expect(call).toMatchObject({ status: 'manual', reasonCode: 'untyped-tracker' });
    expect(call.reason).toContain('(this tool does not read `{ -readonly [K in keyof T]: T[K] }`)');
  });

  it("calls in the tracker's own file are reported at their lines in the original text, not the edited one", () => {
    const text = `import OpenAI from 'openai';\n\n${USAGE_WITHOUT_FIELDS}\nexport async function trackTokenUsage(usage: Omit<TokenUsage, 'id'>): Promise<void> {\n  void usage;\n}\n\nconst openai = new OpenAI();\n\nexport async function POST(): Promise<void> {\n  const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [] });\n  await trackTokenUsage(${RECORD});\n}\n`;
    const plan = run({ 'tracking.ts': text })('tracking.ts')!;
    expect(plan.schema?.added).toEqual(['openai_request_id', 'openai_created', 'system_fingerprint']);
    const line = text.split('\n').findIndex((l) => l.includes('await trackTokenUsage(')) + 1;
    expect(plan.calls[0]).toMatchObject({ status: 'updated', line, column: 9 });
    expect(plan.output!.split('\n')[line - 1 + 3]).toContain('await trackTokenUsage(');
  });
});

describe('which argument is the record', () => {
  it('an untyped JavaScript tracker: the one object literal whose keys look like usage, after a client', () => {
    const route = `import OpenAI from 'openai';\nimport { trackTokenUsage } from './tracking';\n\nconst openai = new OpenAI();\n\nexport async function handler(supabase) {\n  const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [] });\n  await trackTokenUsage(supabase, { model_used: completion.model, tokens_used: completion.usage.total_tokens });\n}\n`;
    const plan = run(
      {
        'route.js': route,
        'tracking.js':
          'export async function trackTokenUsage(client, usage) {\n  await client.from("token_usage").insert(usage);\n}\n',
      },
      ['route.js'],
    )('route.js')!;
    expect(plan.calls[0]).toMatchObject({ status: 'updated' });
    expect(plan.output).toContain(
      '{ model_used: completion.model, tokens_used: completion.usage.total_tokens, openai_request_id: completion.id,',
    );
  });

  it('positional primitives stay positional-arguments; a record typed parameter missing from the call is unknown-argument', () => {
    const tracking = `export interface TokenUsage { model_used: string; tokens_used: number; openai_request_id?: string | null; openai_created?: number | null; system_fingerprint?: string | null }\nexport declare function trackTokenUsage(client: object, usage?: TokenUsage): Promise<void>;\n`;
    const plan = run(
      {
        'route.ts': ROUTE('trackTokenUsage({ model_used: completion.model, tokens_used: 1 })'),
        'tracking.ts': tracking,
      },
      ['route.ts'],
    )('route.ts')!;
    expect(plan.calls[0]).toMatchObject({ status: 'manual', reasonCode: 'unknown-argument' });
    const positional = run(
      {
        'route.ts': ROUTE("trackTokenUsage('u', completion.model, 1)"),
        'tracking.ts':
          'export declare function trackTokenUsage(userId: string, model: string, tokens: number): Promise<void>;\n',
      },
      ['route.ts'],
    )('route.ts')!;
    expect(positional.calls[0]).toMatchObject({ status: 'manual', reasonCode: 'positional-arguments' });
  });
});

describe('parameter types read from syntax', () => {
  const callPlan = (tracking: string) =>
    run({ 'route.ts': ROUTE(`trackTokenUsage(${RECORD})`), 'tracking.ts': tracking }, ['route.ts'])('route.ts')!
      .calls[0];

  it('typeof a const object: a property initialised to null accepts null, one cast to a type without null does not', () => {
    const base = (fingerprint: string) =>
      `const EMPTY_USAGE = {\n  user_id: '',\n  action_type: '',\n  model_used: '',\n  tokens_used: 0,\n  openai_request_id: null as string | null,\n  openai_created: null as number | null,\n  system_fingerprint: ${fingerprint},\n};\n\nexport async function trackTokenUsage(usage: typeof EMPTY_USAGE): Promise<void> {\n  void usage;\n}\n`;
    expect(callPlan(base('null as string | null'))).toMatchObject({
      status: 'updated',
      added: { system_fingerprint: 'completion.system_fingerprint ?? null' },
    });
    // `system_fingerprint: ''` is a string: an optional SDK value cannot be written there.
    expect(callPlan(base("''"))).toMatchObject({ status: 'manual', reasonCode: 'no-field-value' });
  });

  it('a generic alias over an indexed access, and NonNullable: the member the type argument selects', () => {
    const tracking = `interface Tables {\n  token_usage: { user_id: string; action_type: string; model_used: string; tokens_used: number; openai_request_id?: string | null; openai_created?: number; system_fingerprint?: string | null };\n  other: { id: string };\n}\ntype Row<T extends keyof Tables> = Tables[T];\n\nexport async function trackTokenUsage(usage: NonNullable<Row<'token_usage'>>): Promise<void> {\n  void usage;\n}\n`;
    expect(callPlan(tracking)).toMatchObject({
      status: 'updated',
      added: {
        openai_request_id: 'completion.id',
        openai_created: 'completion.created',
        system_fingerprint: 'completion.system_fingerprint',
      },
    });
    expect(callPlan(tracking.replace("Row<'token_usage'>", "Row<'other'>"))).toMatchObject({
      status: 'manual',
      reasonCode: 'untyped-tracker',
    });
  });

  it('a type from a namespace import (`types.TokenUsage`), re-exported under another name', () => {
    const plan = run(
      {
        'route.ts': ROUTE(`trackTokenUsage(${RECORD})`),
        'tracking.ts':
          "import type * as types from './types';\n\nexport async function trackTokenUsage(usage: Readonly<types.UsageInput>): Promise<void> {\n  void usage;\n}\n",
        'types.ts': "export type { TokenUsage as UsageInput } from './row';\n",
        'row.ts':
          'export interface TokenUsage {\n  user_id: string;\n  action_type: string;\n  model_used: string;\n  tokens_used: number;\n  openai_request_id?: string;\n  openai_created?: number;\n  system_fingerprint?: string;\n}\n',
      },
      ['route.ts'],
    );
    expect(plan('route.ts')!.calls[0]).toMatchObject({
      status: 'updated',
      added: { openai_request_id: 'completion.id' },
    });
  });

  it('z.infer: a member declared without .nullable() does not take null, one without .optional() needs a value', () => {
    const schema = (fingerprint: string) =>
      `import { z } from 'zod';\n\nconst usageSchema = z.object({\n  user_id: z.string(),\n  action_type: z.string(),\n  model_used: z.string(),\n  tokens_used: z.number(),\n  openai_request_id: z.string().nullish(),\n  openai_created: z.number().nullish(),\n  system_fingerprint: ${fingerprint},\n});\n\nexport async function trackTokenUsage(usage: z.infer<typeof usageSchema>): Promise<void> {\n  void usage;\n}\n`;
    expect(callPlan(schema('z.string().optional()'))).toMatchObject({
      status: 'updated',
      added: { system_fingerprint: 'completion.system_fingerprint' },
    });
    expect(callPlan(schema('z.string().nullable()'))).toMatchObject({
      status: 'updated',
      added: { system_fingerprint: 'completion.system_fingerprint ?? null' },
    });
    expect(callPlan(schema('z.string()'))).toMatchObject({ status: 'manual', reasonCode: 'no-field-value' });
  });
});
