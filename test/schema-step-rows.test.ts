/**
 * The schema step on rows it must not edit (ORM-typed inserts: Prisma, Drizzle, Kysely, TypeORM), on plain-JS
 * trackers (no type: a destructured parameter drops fields it does not name), and the separator style of the type it
 * extends. In-process, over small files written here: what matters is the report (`schema.manual`, `passedThrough`)
 * and the exact text of the edits. The fixtures schema-step-* and js-tracker-* carry the byte-exact outputs.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addReconciliationFields } from '../codemods/add-reconciliation-fields.js';
import { applyEdits, appendTypeMember } from '../src/engine/edits.js';
import { parseSource, ts } from '../src/engine/ts.js';
import { runCli, tempDir } from './helpers.js';

const CALL_TS = `
import OpenAI from 'openai';
const openai = new OpenAI();
export async function run(userId: string) {
  const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [] });
  await trackTokenUsage({ userId, model: completion.model, totalTokens: completion.usage?.total_tokens ?? 0 });
}
`;

const TYPE = `export interface TokenUsage {
  userId: string;
  model: string;
  totalTokens: number;
}
`;

const ROW = (p: string) => `{ userId: ${p}.userId, model: ${p}.model, totalTokens: ${p}.totalTokens }`;

function migrate(text: string, path = '/app/src/usage.ts') {
  const { files } = addReconciliationFields([{ path, text }]);
  const plan = files.find((f) => f.path === path)!;
  return { plan, output: plan.output ?? text };
}

describe('an ORM-typed row is not given the fields: the lines to add are reported', () => {
  const cases: Array<[string, string, string]> = [
    [
      'Prisma create({ data })',
      `await prisma.tokenUsage.create({ data: ${ROW('usage')} });`,
      'the Prisma model `TokenUsage`',
    ],
    [
      'Prisma upsert({ create })',
      `await db.aiUsage.upsert({ where: { id: 1 }, create: ${ROW('usage')}, update: {} });`,
      'the Prisma model `AiUsage`',
    ],
    [
      'Drizzle insert(table).values({…})',
      `await db.insert(aiUsage).values(${ROW('usage')});`,
      'the Drizzle table `aiUsage`',
    ],
    [
      'Drizzle values([{…}])',
      `await db.insert(schema.aiUsage).values([${ROW('usage')}]);`,
      'the Drizzle table `schema.aiUsage`',
    ],
    [
      'Drizzle through a const row',
      `const row = ${ROW('usage')};\n  await db.insert(aiUsage).values(row);`,
      'the Drizzle table `aiUsage`',
    ],
    [
      'Kysely insertInto(t).values({…})',
      `await db.insertInto('token_usage').values(${ROW('usage')}).execute();`,
      "the Kysely table 'token_usage'",
    ],
    [
      'TypeORM getRepository(E).insert({…})',
      `await dataSource.getRepository(TokenUsageEntity).insert(${ROW('usage')});`,
      'the TypeORM entity `TokenUsageEntity`',
    ],
  ];
  for (const [name, body, target] of cases) {
    it(name, () => {
      const text = `declare const prisma: any, db: any, aiUsage: any, schema: any, dataSource: any, TokenUsageEntity: any;\n${TYPE}\nexport async function trackTokenUsage(usage: TokenUsage) {\n  ${body}\n}\n${CALL_TS}`;
      const { plan, output } = migrate(text);
      expect(plan.schema?.passedThrough).toEqual([]);
      expect(plan.schema?.manual).toContain(
        `add the columns to ${target} first, then add \`openai_request_id: usage.openai_request_id, openai_created: usage.openai_created, system_fingerprint: usage.system_fingerprint\` to the row`,
      );
      // The type gains the fields (the call sites compile); the row is untouched.
      expect(output).toContain('system_fingerprint?: string | null;');
      expect(output).toContain(body);
      expect(plan.calls[0]?.status).toBe('updated');
    });
  }

  it('the whole parameter handed to Drizzle values(usage) is reported too (Drizzle drops keys its table lacks)', () => {
    const text = `declare const db: any, aiUsage: any;\n${TYPE}\nexport async function trackTokenUsage(usage: TokenUsage) {\n  await db.insert(aiUsage).values(usage);\n}\n${CALL_TS}`;
    expect(migrate(text).plan.schema?.manual).toContain('trackTokenUsage');
  });

  it('an untyped Supabase row still gets the fields passed through', () => {
    const text = `declare const supabase: any;\n${TYPE}\nexport async function trackTokenUsage(usage: TokenUsage) {\n  await supabase.from('token_usage').insert(${ROW('usage')});\n}\n${CALL_TS}`;
    const { plan, output } = migrate(text);
    expect(plan.schema?.manual).toBeUndefined();
    expect(plan.schema?.passedThrough).toEqual(['openai_request_id', 'openai_created', 'system_fingerprint']);
    expect(output).toContain(
      'totalTokens: usage.totalTokens, openai_request_id: usage.openai_request_id ?? null, openai_created: usage.openai_created ?? null, system_fingerprint: usage.system_fingerprint ?? null }',
    );
  });
});

const CALL_JS = `
const OpenAI = require('openai');
const openai = new OpenAI();
async function run(userId) {
  const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [] });
  await trackTokenUsage({ userId, model: completion.model, totalTokens: completion.usage.total_tokens });
}
module.exports = { run };
`;

describe('a plain-JS tracker never drops the fields silently', () => {
  it('destructured, with a raw SQL insert: the call is updated and the tracker lines to add are reported', () => {
    const text = `async function trackTokenUsage({ userId, model, totalTokens }) {\n  await pool.query('INSERT INTO usage (user_id, model, total_tokens) VALUES ($1, $2, $3)', [userId, model, totalTokens]);\n}\n${CALL_JS}`;
    const { plan, output } = migrate(text, '/app/usage.js');
    expect(plan.calls[0]?.status).toBe('updated');
    expect(plan.schema?.manual).toBe(
      "the tracker `trackTokenUsage` destructures its parameter and drops `openai_request_id`, `openai_created`, `system_fingerprint`; no object literal in it copies them (a raw SQL insert?): add `openai_request_id`, `openai_created`, `system_fingerprint` to its parameter's destructuring and them to the columns and values it inserts",
    );
    expect(output).toContain('async function trackTokenUsage({ userId, model, totalTokens }) {');
  });

  it('the CLI says so: a line on stderr (even with --quiet), the summary, and the Markdown report', async () => {
    const dir = tempDir('recon-js-destructured-');
    mkdirSync(join(dir, 'lib'));
    writeFileSync(
      join(dir, 'lib/usage.js'),
      `async function trackTokenUsage({ userId, model, totalTokens }) {\n  await pool.query('INSERT INTO usage VALUES ($1, $2, $3)', [userId, model, totalTokens]);\n}\n${CALL_JS}`,
    );
    const { code, stdout, stderr } = await runCli(['--quiet', '--report', 'migration.md'], dir);
    expect(code).toBe(0);
    expect(stderr).toContain(
      'to do by hand lib/usage.js: the tracker `trackTokenUsage` destructures its parameter and drops',
    );
    expect(stdout).toMatch(
      /1 tracking call: 1 to update, 0 already complete, 0 manual, 1 tracker file to finish by hand\./,
    );
    expect(readFileSync(join(dir, 'migration.md'), 'utf8')).toContain(
      '- `lib/usage.js`: **to do by hand:** the tracker `trackTokenUsage` destructures its parameter',
    );
  });

  it('destructured, with a Prisma row: reported (Prisma rejects unknown arguments at run time), not edited', () => {
    const text = `async function trackTokenUsage({ userId, model, totalTokens }) {\n  await prisma.tokenUsage.create({ data: { userId, model, totalTokens } });\n}\n${CALL_JS}`;
    const { plan, output } = migrate(text, '/app/usage.js');
    expect(plan.schema?.manual).toContain('its row goes to the Prisma model `TokenUsage`: add the columns to it first');
    expect(output).toContain('{ data: { userId, model, totalTokens } }');
  });

  it('destructured with ...rest: the rest carries them, nothing to do', () => {
    const text = `async function trackTokenUsage({ userId, ...rest }) {\n  await supabase.from('usage').insert({ user_id: userId, ...rest });\n}\n${CALL_JS}`;
    expect(migrate(text, '/app/usage.js').plan.schema).toBeUndefined();
  });

  it('a named parameter copied field by field into an untyped row: passed through', () => {
    const text = `async function trackTokenUsage(usage) {\n  await supabase.from('usage').insert(${ROW('usage')});\n}\n${CALL_JS}`;
    const { plan, output } = migrate(text, '/app/usage.js');
    expect(plan.schema?.passedThrough).toEqual(['openai_request_id', 'openai_created', 'system_fingerprint']);
    expect(output).toContain('openai_request_id: usage.openai_request_id ?? null');
  });

  it('a JSDoc-typed JS tracker is not treated as untyped', () => {
    const text = `/** @param {import('./types').TokenUsage} usage */\nasync function trackTokenUsage(usage) {\n  await supabase.from('usage').insert(${ROW('usage')});\n}\n${CALL_JS}`;
    expect(migrate(text, '/app/usage.js').plan.schema).toBeUndefined();
  });
});

describe('the type keeps its own member separator', () => {
  it('an inline parameter type without semicolons: none added, existing members untouched', () => {
    const text = `declare const supabase: any;\nexport async function trackTokenUsage(usage: {\n  userId: string\n  model: string\n  totalTokens?: number // optional\n}) {\n  await supabase.from('usage').insert(usage);\n}\n${CALL_TS}`;
    const { output } = migrate(text);
    expect(output).toContain(
      '  totalTokens?: number // optional\n  openai_request_id?: string | null\n  openai_created?: number | null\n  system_fingerprint?: string | null\n})',
    );
  });

  it('a type literal on one line keeps the new members on that line, in its separator', () => {
    const semi = `declare const supabase: any;\nexport async function trackTokenUsage(model: string, usage: { userId: string; model: string; totalTokens: number }) {\n  await supabase.from('usage').insert(usage);\n}\n${CALL_TS.replace('trackTokenUsage({', "trackTokenUsage('gpt-4o-mini', {")}`;
    expect(migrate(semi).output).toContain(
      'usage: { userId: string; model: string; totalTokens: number; openai_request_id?: string | null; openai_created?: number | null; system_fingerprint?: string | null })',
    );
    const comma = semi.replace(
      '{ userId: string; model: string; totalTokens: number }',
      '{ userId: string, model: string, totalTokens: number, }',
    );
    expect(migrate(comma).output).toContain(
      'usage: { userId: string, model: string, totalTokens: number, openai_request_id?: string | null, openai_created?: number | null, system_fingerprint?: string | null, })',
    );
  });

  it('a comma-separated type literal gets commas', () => {
    const text = `declare const supabase: any;\nexport async function trackTokenUsage(usage: {\n  userId: string,\n  model: string,\n  totalTokens: number,\n}) {\n  await supabase.from('usage').insert(usage);\n}\n${CALL_TS}`;
    expect(migrate(text).output).toContain(
      '  totalTokens: number,\n  openai_request_id?: string | null,\n  openai_created?: number | null,\n  system_fingerprint?: string | null,\n})',
    );
  });

  it('appendTypeMember: a multi-line literal without separators gets a new line and no separator', () => {
    const text = 'type E = {\n  text: string\n  usage: unknown // counts\n}\n';
    const sf = parseSource('/a.ts', text);
    const literal = (sf.statements[0] as ts.TypeAliasDeclaration).type as ts.TypeLiteralNode;
    expect(applyEdits(text, [appendTypeMember(sf, literal, 'response: { id: string; timestamp: Date }')])).toBe(
      'type E = {\n  text: string\n  usage: unknown // counts\n  response: { id: string; timestamp: Date }\n}\n',
    );
  });
});
