/**
 * The schema step (src/engine/schema-step.ts) on the shapes real trackers take (red-team round 4). Each case is a
 * small app: `src/app/route.ts` calls `trackTokenUsage` with an OpenAI chat completion; `src/lib/tracking.ts` is the
 * tracker in the shape under test. The codemod runs in-process over the app's files (as the CLI does), the new texts
 * are written to a temp copy with the repo's node_modules linked in, and the real `tsc` checks the result.
 *
 * The rule every case states: a schema edit never breaks the user's code. After the run the app has no type error
 * (it had none before), and when the tracker's row cannot take the fields the report names the lines to add; when
 * the fields already reach the insert (the whole object, a spread of it, Object.assign), nothing is left "to do by
 * hand". The comments above the cases say what the engine did before it handled them.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addReconciliationFields } from '../codemods/add-reconciliation-fields.js';
import type { FilePlan } from '../src/engine/types.js';
import { appTsconfig, REPO, tempDir, tscErrors as tscErrorsOf } from './helpers.js';

const ROUTE = `import OpenAI from 'openai';
import { trackTokenUsage } from '../lib/tracking';

const openai = new OpenAI();

export async function POST(req: Request): Promise<Response> {
  const { userId, prompt } = (await req.json()) as { userId: string; prompt: string };
  const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: prompt }] });
  await trackTokenUsage({
    user_id: userId,
    action_type: 'chat',
    model_used: 'gpt-4o',
    tokens_used: completion.usage?.total_tokens ?? 0,
    success: true,
  });
  return Response.json({ text: completion.choices[0]?.message.content });
}
`;

/** A stand-in for a typed Supabase client: \`insert\` takes the table's row type, so excess properties do not compile. */
const DB = `export interface Table<Row> { insert(row: Row | Row[]): Promise<{ error: Error | null }> }
export declare const supabase: { from<T>(table: string): Table<T> };
`;

/** \`supabase gen types typescript\` output for a token_usage table created before the reconciliation columns. */
const DATABASE_TYPES = `export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[];

export type Database = {
  public: {
    Tables: {
      token_usage: {
        Row: {
          id: string;
          user_id: string;
          action_type: string;
          model_used: string;
          tokens_used: number;
          success: boolean;
          created_at: string;
        };
        Insert: {
          id?: string;
          user_id: string;
          action_type: string;
          model_used: string;
          tokens_used: number;
          success: boolean;
          created_at?: string;
        };
        Update: {
          id?: string;
          user_id?: string;
          action_type?: string;
          model_used?: string;
          tokens_used?: number;
          success?: boolean;
          created_at?: string;
        };
      };
    };
  };
};
`;

const TOKEN_USAGE = `export interface TokenUsage {
  user_id: string;
  action_type: string;
  model_used: string;
  tokens_used: number;
  success: boolean;
}
`;

const FIELD_BY_FIELD = (param: string) => `{
    user_id: ${param}.user_id,
    action_type: ${param}.action_type,
    model_used: ${param}.model_used,
    tokens_used: ${param}.tokens_used,
    success: ${param}.success,
  }`;

const TSCONFIG = appTsconfig({ lib: ['ES2022', 'DOM'], esModuleInterop: true, types: [] }, { include: ['src'] });

const tscErrors = (dir: string) => tscErrorsOf(path.join(dir, 'tsconfig.json'));

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) =>
    statSync(path.join(dir, e)).isDirectory() ? listFiles(path.join(dir, e)) : [path.join(dir, e)],
  );
}

interface Migrated {
  dir: string;
  before: string[];
  after: string[];
  plans: FilePlan[];
  route: FilePlan;
  tracking: FilePlan | undefined;
  text: (rel: string) => string;
}

/** Write the app, type-check it, run the codemod over every source file (as the CLI does), write the outputs, type-check again. */
function migrate(lib: Record<string, string>): Migrated {
  const dir = tempDir('recon-schema-shapes-');
  const files: Record<string, string> = {
    'src/app/route.ts': ROUTE,
    'src/lib/db.ts': DB,
    ...Object.fromEntries(Object.entries(lib).map(([k, v]) => [`src/lib/${k}`, v])),
  };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  writeFileSync(path.join(dir, 'tsconfig.json'), TSCONFIG);
  symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const before = tscErrors(dir);
  const posix = (p: string) => p.split(path.sep).join('/');
  // The CLI's inputs: source files, not declaration files.
  const inputs = listFiles(path.join(dir, 'src'))
    .filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => ({ path: posix(f), text: readFileSync(f, 'utf8') }));
  const { files: plans } = addReconciliationFields(inputs, {
    readFile: (p) => {
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
  });
  for (const plan of plans) if (plan.output !== undefined) writeFileSync(plan.path, plan.output);
  const find = (rel: string) => plans.find((p) => p.path === posix(path.join(dir, rel)));
  return {
    dir,
    before,
    after: tscErrors(dir),
    plans,
    route: find('src/app/route.ts')!,
    tracking: find('src/lib/tracking.ts'),
    text: (rel) => readFileSync(path.join(dir, rel), 'utf8'),
  };
}

/** The rule: no new type error, and the call is either updated (the type took the fields) or manual. */
function expectCompiles(m: Migrated) {
  expect(m.before).toEqual([]);
  expect(m.after).toEqual([]);
}

const T = 300_000;

describe('schema step: tracker parameter types it cannot extend', () => {
  // Was (before the engine handled it): the schema step skips `z.infer<typeof schema>` (no interface to edit), but the call site in route.ts is still
  // updated, so route.ts gets TS2353 ('openai_request_id' does not exist in type '{ user_id: string; ... }'). Besides,
  // `tokenUsageSchema.parse(usage)` strips unknown keys: the values would be dropped at run time even with a cast.
  // Expected: the call is manual (`untyped-tracker`, naming the schema to extend: `.extend({ openai_request_id:
  // z.string().nullish(), ... })`) and the app still compiles.
  it(
    'z.infer<typeof schema>: the call is not updated against a type that cannot take the fields',
    () => {
      const m = migrate({
        'tracking.ts': `import { z } from 'zod';
import { supabase } from './db';

export const tokenUsageSchema = z.object({
  user_id: z.string(),
  action_type: z.string(),
  model_used: z.string(),
  tokens_used: z.number(),
  success: z.boolean(),
});
export type TokenUsage = z.infer<typeof tokenUsageSchema>;

export async function trackTokenUsage(usage: TokenUsage): Promise<void> {
  const row = tokenUsageSchema.parse(usage);
  await supabase.from<TokenUsage>('token_usage').insert(${FIELD_BY_FIELD('row')});
}
`,
      });
      expectCompiles(m);
      expect(m.route.calls[0]).toMatchObject({ status: 'manual', reasonCode: 'untyped-tracker' });
    },
    T,
  );

  // Was (before the engine handled it): the parameter is `Database['public']['Tables']['token_usage']['Insert']` (Supabase generated types); the
  // schema step does not touch it (right: it is generated, `supabase gen types` would undo an edit), but the call is
  // updated anyway: route.ts TS2353 ('openai_request_id' does not exist in type '{ id?: string | undefined; ... }').
  // Expected: manual (`untyped-tracker`): apply the SQL migration and regenerate the types, then rerun.
  it(
    "Supabase generated Database[...]['Insert']: the call is not updated until the types are regenerated",
    () => {
      const m = migrate({
        'database.types.ts': DATABASE_TYPES,
        'tracking.ts': `import type { Database } from './database.types';
import { supabase } from './db';

type TokenUsageInsert = Database['public']['Tables']['token_usage']['Insert'];

export async function trackTokenUsage(usage: TokenUsageInsert): Promise<void> {
  await supabase.from<TokenUsageInsert>('token_usage').insert(${FIELD_BY_FIELD('usage')});
}
`,
      });
      expectCompiles(m);
      expect(m.text('src/lib/database.types.ts')).toBe(DATABASE_TYPES);
      expect(m.route.calls[0]).toMatchObject({ status: 'manual', reasonCode: 'untyped-tracker' });
    },
    T,
  );

  // Was (before the engine handled it): `Omit<TokenUsageRow, 'id'>` is skipped by the schema step, the call is updated: route.ts TS2353
  // ('openai_request_id' does not exist in type 'Omit<TokenUsageRow, "id">').
  // Expected: either the fields are added to `TokenUsageRow` (the Omit then carries them) or the call is manual; never
  // an edit that does not compile.
  it(
    "Omit<Row, 'id'>: no new type error",
    () => {
      const m = migrate({
        'tracking.ts': `import { supabase } from './db';

interface TokenUsageRow {
  id: string;
  user_id: string;
  action_type: string;
  model_used: string;
  tokens_used: number;
  success: boolean;
}

export async function trackTokenUsage(usage: Omit<TokenUsageRow, 'id'>): Promise<void> {
  await supabase.from<Omit<TokenUsageRow, 'id'>>('token_usage').insert(${FIELD_BY_FIELD('usage')});
}
`,
      });
      expectCompiles(m);
    },
    T,
  );

  // Was (before the engine handled it): the row is annotated with the generated Insert type (`const row: Insert = { ... }`); the schema step adds
  // `openai_request_id: usage.openai_request_id ?? null` (and the other two) to it, and tracking.ts itself no longer
  // compiles: TS2353 'openai_request_id' does not exist in type '{ id?: string | undefined; user_id: string; ... }'.
  // Expected: the row is not edited when its declared type lacks the fields; the tracker is reported with the lines to
  // add (after the types are regenerated), and the app compiles.
  it(
    'a row annotated with a type that lacks the fields is not given them (the tracker itself would not compile)',
    () => {
      const m = migrate({
        'database.types.ts': DATABASE_TYPES,
        'tracking.ts': `import type { Database } from './database.types';
import { supabase } from './db';

${TOKEN_USAGE}
type Insert = Database['public']['Tables']['token_usage']['Insert'];

export async function trackTokenUsage(usage: TokenUsage): Promise<void> {
  const row: Insert = ${FIELD_BY_FIELD('usage')};
  await supabase.from<Insert>('token_usage').insert(row);
}
`,
      });
      expectCompiles(m);
      expect(m.tracking?.schema?.manual).toContain('openai_request_id: usage.openai_request_id');
    },
    T,
  );
});

describe('schema step: parameter types it extends', () => {
  it(
    'a type alias with an intersection: the fields land in a member and it compiles',
    () => {
      const m = migrate({
        'tracking.ts': `import { supabase } from './db';

interface BaseUsage {
  user_id: string;
  action_type: string;
  model_used: string;
}
export type TokenUsage = BaseUsage & {
  tokens_used: number;
  success: boolean;
};

export async function trackTokenUsage(usage: TokenUsage): Promise<void> {
  await supabase.from<TokenUsage>('token_usage').insert(${FIELD_BY_FIELD('usage')});
}
`,
      });
      expectCompiles(m);
      expect(m.route.calls[0].status).toBe('updated');
      expect(m.text('src/lib/tracking.ts')).toContain('openai_request_id?: string | null;');
      expect(m.text('src/lib/tracking.ts')).toContain('openai_request_id: usage.openai_request_id ?? null,');
    },
    T,
  );

  it(
    'an interface extending one from another file: the fields are added to the local interface',
    () => {
      const m = migrate({
        'base-usage.ts':
          'export interface BaseUsage {\n  user_id: string;\n  action_type: string;\n  model_used: string;\n}\n',
        'tracking.ts': `import type { BaseUsage } from './base-usage';
import { supabase } from './db';

export interface TokenUsage extends BaseUsage {
  tokens_used: number;
  success: boolean;
}

export async function trackTokenUsage(usage: TokenUsage): Promise<void> {
  await supabase.from<TokenUsage>('token_usage').insert(${FIELD_BY_FIELD('usage')});
}
`,
      });
      expectCompiles(m);
      expect(m.route.calls[0].status).toBe('updated');
      expect(m.text('src/lib/base-usage.ts')).not.toContain('openai_request_id');
    },
    T,
  );

  it(
    'an interface in a .d.ts file: it is extended and the app compiles',
    () => {
      const m = migrate({
        'types.d.ts': TOKEN_USAGE,
        'tracking.ts': `import type { TokenUsage } from './types';
import { supabase } from './db';

export async function trackTokenUsage(usage: TokenUsage): Promise<void> {
  await supabase.from<TokenUsage>('token_usage').insert(${FIELD_BY_FIELD('usage')});
}
`,
      });
      expectCompiles(m);
      expect(m.route.calls[0].status).toBe('updated');
      expect(m.text('src/lib/types.d.ts')).toContain('system_fingerprint?: string | null;');
    },
    T,
  );

  it(
    'a tracker taking (usage: TokenUsage, opts?): the first parameter is the one extended and passed through',
    () => {
      const m = migrate({
        'tracking.ts': `import { supabase } from './db';

${TOKEN_USAGE}
export async function trackTokenUsage(usage: TokenUsage, opts?: { table?: string }): Promise<void> {
  await supabase.from<Record<string, unknown>>(opts?.table ?? 'token_usage').insert(${FIELD_BY_FIELD('usage')});
}
`,
      });
      expectCompiles(m);
      expect(m.text('src/lib/tracking.ts')).toContain('openai_created: usage.openai_created ?? null,');
      expect(m.tracking?.schema?.manual).toBeUndefined();
    },
    T,
  );

  it(
    'an arrow-function tracker `export const trackTokenUsage = async (u: TokenUsage) => ...`',
    () => {
      const m = migrate({
        'tracking.ts': `import { supabase } from './db';

${TOKEN_USAGE}
export const trackTokenUsage = async (u: TokenUsage): Promise<void> => {
  await supabase.from<Record<string, unknown>>('token_usage').insert(${FIELD_BY_FIELD('u')});
};
`,
      });
      expectCompiles(m);
      expect(m.text('src/lib/tracking.ts')).toContain('system_fingerprint: u.system_fingerprint ?? null,');
    },
    T,
  );
});

describe('schema step: trackers that already store the whole object', () => {
  // Actual (all three): the type is extended (right) and the report says "**to do by hand:** the tracker
  // `trackTokenUsage` may not store the new fields (no object literal in it copies its parameter field by field): add
  // `openai_request_id: usage.openai_request_id, ...` to the row it inserts". The row is the parameter itself (or a
  // spread / Object.assign copy of it): the fields already reach the insert, and adding `openai_request_id:
  // usage.openai_request_id` after `...usage` is a no-op. Expected: no manual step for the row (passedThrough empty,
  // no `manual`), or at most a note, not a to-do.
  it(
    'insert(usage): nothing to pass through',
    () => {
      const m = migrate({
        'tracking.ts': `import { supabase } from './db';

${TOKEN_USAGE}
export async function trackTokenUsage(usage: TokenUsage): Promise<void> {
  const { error } = await supabase.from<TokenUsage>('token_usage').insert(usage);
  if (error) console.error(error);
}
`,
      });
      expectCompiles(m);
      expect(m.tracking?.schema?.added).toEqual(['openai_request_id', 'openai_created', 'system_fingerprint']);
      expect(m.tracking?.schema?.manual).toBeUndefined();
    },
    T,
  );

  it(
    'insert({ ...usage, created_at }): nothing to pass through',
    () => {
      const m = migrate({
        'tracking.ts': `import { supabase } from './db';

${TOKEN_USAGE}
export async function trackTokenUsage(usage: TokenUsage): Promise<void> {
  const created_at = new Date().toISOString();
  await supabase.from<TokenUsage & { created_at: string }>('token_usage').insert({ ...usage, created_at });
}
`,
      });
      expectCompiles(m);
      expect(m.tracking?.schema?.manual).toBeUndefined();
    },
    T,
  );

  it(
    'a row built with Object.assign({}, usage, {...}): nothing to pass through',
    () => {
      const m = migrate({
        'tracking.ts': `import { supabase } from './db';

${TOKEN_USAGE}
export async function trackTokenUsage(usage: TokenUsage): Promise<void> {
  const row = Object.assign({}, usage, { created_at: new Date().toISOString() });
  await supabase.from<typeof row>('token_usage').insert(row);
}
`,
      });
      expectCompiles(m);
      expect(m.tracking?.schema?.manual).toBeUndefined();
    },
    T,
  );
});

describe('schema step: which object literal is the row', () => {
  // Was (before the engine handled it): the tracker logs `console.info('token usage', { user: usage.user_id, tokens: usage.tokens_used })` and
  // inserts `toRow(usage)` (a helper that picks the columns). The schema step takes the log object for the insert row
  // (it copies two fields of the parameter), appends `openai_request_id: usage.openai_request_id ?? null` (and the
  // other two) to the LOG LINE, reports nothing to do by hand, and every call is "updated": the migration looks done,
  // but the insert never stores the ids (toRow drops them). Expected: the log object is not the row (its keys are not
  // the parameter's field names: `user: usage.user_id`, and it is an argument of console.info, not of an insert), it
  // is left as it is, and the tracker is reported with the lines to add.
  it(
    'a log line that copies two fields is not taken for the insert row',
    () => {
      const m = migrate({
        'tracking.ts': `import { supabase } from './db';

${TOKEN_USAGE}
function toRow(u: TokenUsage) {
  return { user_id: u.user_id, action_type: u.action_type, model_used: u.model_used, tokens_used: u.tokens_used, success: u.success };
}

export async function trackTokenUsage(usage: TokenUsage): Promise<void> {
  console.info('token usage', { user: usage.user_id, tokens: usage.tokens_used });
  await supabase.from<ReturnType<typeof toRow>>('token_usage').insert(toRow(usage));
}
`,
      });
      expectCompiles(m);
      expect(m.text('src/lib/tracking.ts')).toContain(
        "console.info('token usage', { user: usage.user_id, tokens: usage.tokens_used });",
      );
      expect(m.tracking?.schema?.manual).toContain('openai_request_id: usage.openai_request_id');
    },
    T,
  );
});
