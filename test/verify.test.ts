/**
 * `--write` type-checks its edits (src/verify.ts): an app written here, with its own tsconfig and the repo's
 * node_modules (real `openai` types, the repo's `typescript`), where one call's planned edit cannot compile (its
 * raw JSON is cast to a type whose index signature gives `unknown`, which the engine does not judge: `json.id` is
 * `unknown` where the tracker takes a string) and the others can.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appTsconfig, REPO, runCli, snapshotTree } from './helpers.js';

const TSCONFIG = appTsconfig({ types: ['node'] }, { include: ['src/**/*.ts'] });

const TRACKING = `export interface TokenUsage {
  user_id: string;
  action_type: string;
  model_used?: string;
  tokens_used: number;
  success: boolean;
}

export async function trackTokenUsage(usage: TokenUsage): Promise<void> {
  await fetch('/rows', { method: 'POST', body: JSON.stringify(usage) });
}
`;

/** The JSON is cast to a type with an \`unknown\` index signature: \`openai_request_id: json.id\` does not compile (TS2322). */
const RAW = `import { trackTokenUsage, type TokenUsage } from '../lib/tracking';

export async function askRaw(userId: string, question: string): Promise<string> {
  const res = await fetch('https://api.openai.com/v1/chat/completions', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: \`Bearer \${process.env.OPENAI_API_KEY}\` },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: question }] }),
  });
  const json = (await res.json()) as { model: string; choices: Array<{ message: { content: string } }>; usage: { total_tokens: number }; [key: string]: unknown };

  await trackTokenUsage({
    user_id: userId,
    action_type: 'ask_raw',
    model_used: json.model,
    tokens_used: json.usage.total_tokens,
    success: res.ok,
  });

  return json.choices[0]?.message.content ?? '';
}
`;

const CHAT_FN = `export async function chat(userId: string, question: string): Promise<string> {
  const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: question }] });
  await trackTokenUsage({
    user_id: userId,
    action_type: 'chat',
    tokens_used: completion.usage?.total_tokens ?? 0,
    success: true,
  });
  return completion.choices[0]?.message.content ?? '';
}
`;

const CHAT = `import OpenAI from 'openai';
import { trackTokenUsage } from '../lib/tracking';

const openai = new OpenAI();

${CHAT_FN}`;

/** Both shapes in one file: the good call is kept, the bad one taken back. */
const MIXED = `${CHAT.replace("import { trackTokenUsage } from '../lib/tracking';", "import { trackTokenUsage, type TokenUsage } from '../lib/tracking';\n")}
${RAW.replace("import { trackTokenUsage, type TokenUsage } from '../lib/tracking';\n\n", '')}`;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function makeApp(files: Record<string, string>, options: { tsconfig?: boolean; nodeModules?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'recon-verify-'));
  dirs.push(dir);
  if (options.nodeModules !== false) symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'verify-app', private: true, type: 'module' }));
  if (options.tsconfig !== false) writeFileSync(join(dir, 'tsconfig.json'), TSCONFIG);
  for (const [rel, text] of Object.entries({ 'src/lib/tracking.ts': TRACKING, ...files })) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

const read = (dir: string, rel: string) => readFileSync(join(dir, rel), 'utf8');
type JsonCall = { line: number; status: string; reason?: string; added?: Record<string, string> };
const callsOf = (report: { files: Array<{ path: string; calls: JsonCall[] }> }, path: string) =>
  report.files.find((f) => f.path === path)?.calls ?? [];

describe('--write type-checks what it changed', () => {
  it('takes back the call whose edit does not compile, leaves its file byte-identical, and writes the other', async () => {
    const dir = makeApp({ 'src/app/raw.ts': RAW, 'src/app/chat.ts': CHAT });
    const before = snapshotTree(join(dir, 'src'));
    const r = await runCli(['.', '--write', '--json', 'report.json', '--report', 'report.md'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'src/app/raw.ts'))).toEqual(before.get('app/raw.ts'));
    expect(read(dir, 'src/app/chat.ts')).toContain('openai_request_id: completion.id,');
    expect(read(dir, 'src/lib/tracking.ts')).toContain('openai_request_id?: string | null;');

    const report = JSON.parse(read(dir, 'report.json'));
    const [raw] = callsOf(report, 'src/app/raw.ts');
    expect(raw.status).toBe('manual');
    expect(raw.added).toBeUndefined();
    // The code, then tsc's own words: file:line:column, TS code, text.
    expect(raw.reason).toMatch(
      /^edit-does-not-compile: the edit would not compile: src\/app\/raw\.ts:17:\d+ TS2322: Type 'unknown' is not assignable to type 'string \| null \| undefined'/,
    );
    expect(callsOf(report, 'src/app/chat.ts')[0].status).toBe('updated');
    expect(report.summary).toMatchObject({ updated: 1, manual: 1 });
    expect(read(dir, 'report.md')).toContain('### `edit-does-not-compile` (1)');
    expect(r.stdout).toMatch(
      /Type check: \d+ files against tsconfig\.json with TypeScript [\d.]+ in [\d.]+ s: 1 call taken back as manual \(edit-does-not-compile\)\./,
    );
    expect(r.stderr).toContain('manual src/app/raw.ts:11:9 edit-does-not-compile: ');

    // What was written compiles as well as the original did, and a second run changes nothing more.
    const after = snapshotTree(join(dir, 'src'));
    const again = await runCli(['.', '--write'], dir);
    expect(again.code).toBe(0);
    expect(snapshotTree(join(dir, 'src'))).toEqual(after);
  }, 240_000);

  it('keeps the good call and takes back the bad one in the same file', async () => {
    const dir = makeApp({ 'src/app/mixed.ts': MIXED });
    const r = await runCli(['.', '--write', '--json', 'report.json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const text = read(dir, 'src/app/mixed.ts');
    // Exactly the chat call's three lines were added.
    const expected = MIXED.replace(
      '    success: true,\n  });',
      '    success: true,\n    openai_request_id: completion.id,\n    openai_created: completion.created,\n    system_fingerprint: completion.system_fingerprint,\n  });',
    );
    expect(text).toBe(expected);
    const calls = callsOf(JSON.parse(read(dir, 'report.json')), 'src/app/mixed.ts');
    expect(calls.map((c) => c.status)).toEqual(['updated', 'manual']);
    expect(calls[1].reason).toContain('TS2322');
  }, 240_000);

  it('does not write the schema step when the only call that needed it is taken back', async () => {
    const dir = makeApp({ 'src/app/raw.ts': RAW });
    const before = snapshotTree(join(dir, 'src'));
    const r = await runCli(['.', '--write'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(snapshotTree(join(dir, 'src'))).toEqual(before);
    expect(r.stdout).toContain('1 call taken back as manual (edit-does-not-compile), 1 schema edit not written');
  }, 240_000);

  it("takes back the schema step's edit when it breaks a file that uses the type, and the calls that need it", async () => {
    // Every key of TokenUsage must have a column: the three new optional fields break this map.
    const columns = `import type { TokenUsage } from './tracking';\n\nexport const COLUMNS: Record<keyof TokenUsage, string> = { user_id: 'User', action_type: 'Action', model_used: 'Model', tokens_used: 'Tokens', success: 'OK' };\n`;
    const dir = makeApp({ 'src/app/chat.ts': CHAT, 'src/lib/columns.ts': columns });
    const before = snapshotTree(join(dir, 'src'));
    const r = await runCli(['.', '--write'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(snapshotTree(join(dir, 'src'))).toEqual(before);
    expect(r.stderr).toMatch(
      /manual src\/app\/chat\.ts:8:9 edit-does-not-compile: it needs `TokenUsage` to have the fields, and the schema step's edit of it was taken back \(the schema step's edit adds an error where the type is used: src\/lib\/columns\.ts:3:14 TS2739: /,
    );
    expect(r.stdout).toContain('1 call taken back as manual (edit-does-not-compile), 1 schema edit not written');
  }, 240_000);

  it('writes unchecked, and says so, when the SDK the files import is not installed', async () => {
    const dir = makeApp({ 'src/app/raw.ts': RAW, 'src/app/chat.ts': CHAT }, { nodeModules: false });
    const r = await runCli(['.', '--write'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(read(dir, 'src/app/chat.ts')).toContain('openai_request_id: completion.id,');
    expect(r.stdout).toContain(
      "Type check: none, written without a type check: src/app/chat.ts, src/app/raw.ts, src/lib/tracking.ts ('openai' is not installed).",
    );
  }, 240_000);

  it('an error the file already had, below the edit, is not taken for a new one', async () => {
    // TS2322 at a line the edit moves down by three: matched through the edit, so the call is kept.
    const broken = CHAT.replace(
      "  return completion.choices[0]?.message.content ?? '';",
      "  const wrong: number = 'not a number';\n  return completion.choices[0]?.message.content ?? String(wrong);",
    );
    const dir = makeApp({ 'src/app/chat.ts': broken });
    const r = await runCli(['.', '--write'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(read(dir, 'src/app/chat.ts')).toContain('openai_request_id: completion.id,');
    expect(r.stdout).toMatch(/Type check: .*: no new errors\./);
  }, 240_000);

  it('--no-verify writes both edits, unchecked', async () => {
    const dir = makeApp({ 'src/app/raw.ts': RAW, 'src/app/chat.ts': CHAT });
    const r = await runCli(['.', '--write', '--no-verify'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(read(dir, 'src/app/raw.ts')).toContain('openai_request_id: json.id,');
    expect(read(dir, 'src/app/chat.ts')).toContain('openai_request_id: completion.id,');
    expect(r.stdout).toContain('Type check: skipped (--no-verify); edits were checked for syntax only.');
  }, 240_000);

  it('without a tsconfig.json, skips the check and says so', async () => {
    const dir = makeApp({ 'src/app/raw.ts': RAW, 'src/app/chat.ts': CHAT }, { tsconfig: false });
    const r = await runCli(['.', '--write'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(read(dir, 'src/app/raw.ts')).toContain('openai_request_id: json.id,');
    expect(r.stdout).toContain('Type check: skipped (no tsconfig.json); edits were checked for syntax only.');
  }, 240_000);

  it('the dry run stays syntax-only and says so', async () => {
    const dir = makeApp({ 'src/app/raw.ts': RAW, 'src/app/chat.ts': CHAT });
    const r = await runCli(['.'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('+    openai_request_id: json.id,');
    expect(r.stdout).toContain('Edits are checked for syntax only here; --write type-checks them.');
    expect(r.stdout).not.toContain('Type check:');
  }, 240_000);
});
