/**
 * `--todo`: the real CLI (the built bin) marks each manual call with a one-line `// recon-codemod: <code>: <reason>`
 * comment, and the marked call is then accepted by `--check`, by a second `--todo` run (nothing more is inserted) and by
 * the lint rule. Run on a temp copy of fixtures/two-completions-ambiguous (one call, `ambiguous-source`) and on a small
 * temp app mixing a manual call with one the codemod completes. The build is test/global-setup.ts's.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuleTester } from '@typescript-eslint/rule-tester';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { rule, type MessageIds, type Options } from '../eslint-plugin/rules/require-reconciliation-fields.js';
import { DEFAULT_CONFIG } from '../src/config.js';
import { analyzeFile } from '../src/engine/analyze.js';
import { createMemoryHost } from '../src/engine/host.js';
import { isReportedByLint } from '../src/engine/types.js';
import { copyFixture, REPO, runCli } from './helpers.js';

RuleTester.afterAll = afterAll;
RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const TODO_LINE = /^([ \t]*)\/\/ recon-codemod: (.*)$/gm;

function parseErrors(fileName: string, text: string): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  return ((sf as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? []).map((d) =>
    ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  );
}

/** The engine's plan for a file on disk, with the fixture's tracker served from the same directory. */
function planOf(dir: string, file: string) {
  const path = join(dir, file).split('\\').join('/');
  const tracking = join(dir, 'tracking.ts').split('\\').join('/');
  const host = createMemoryHost({ [path]: readFileSync(path, 'utf8'), [tracking]: readFileSync(tracking, 'utf8') });
  return analyzeFile({ path, text: readFileSync(path, 'utf8') }, DEFAULT_CONFIG, host);
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

// --- Everything the CLI does runs here, at collection time, so the lint rule's cases below can use the written text. ---

/** fixtures/two-completions-ambiguous: one manual call (`first` or `second`). */
const ambiguous = copyFixture('two-completions-ambiguous');
dirs.push(ambiguous);
const ambiguousFile = join(ambiguous, 'input.ts');
const ambiguousBefore = readFileSync(ambiguousFile, 'utf8');
const firstWrite = await runCli(
  [
    '--todo',
    '--write',
    '--no-color',
    '--json',
    join(ambiguous, 'first.json'),
    '--report',
    join(ambiguous, 'first.md'),
    '.',
  ],
  ambiguous,
);
const ambiguousAfter = readFileSync(ambiguousFile, 'utf8');
const checkAfter = await runCli(['--check', '--quiet', '.'], ambiguous);
const checkBefore = await (async () => {
  // The same file without the comment, for contrast: --check must fail on it.
  const dir = copyFixture('two-completions-ambiguous');
  dirs.push(dir);
  return await runCli(['--check', '--quiet', '.'], dir);
})();
const secondWrite = await runCli(
  ['--todo', '--write', '--no-color', '--json', join(ambiguous, 'second.json'), '.'],
  ambiguous,
);
const ambiguousAfterSecond = readFileSync(ambiguousFile, 'utf8');

/** A small app: one call the codemod completes and one it cannot (the argument is built elsewhere). */
const app = mkdtempSync(join(tmpdir(), 'recon-todo-app-'));
dirs.push(app);
writeFileSync(join(app, 'tracking.ts'), readFileSync(join(REPO, 'fixtures', 'chat-completion', 'tracking.ts')));
const APP_SOURCE = `import OpenAI from 'openai';
import { trackTokenUsage, type TokenUsage } from './tracking';

const openai = new OpenAI();

export async function answer(userId: string, question: string, row: TokenUsage): Promise<string> {
  const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: question }] });
  if (question.length > 0) {
    await trackTokenUsage(row);
  }
  await trackTokenUsage({
    user_id: userId,
    action_type: 'answer',
    model_used: completion.model,
    tokens_used: completion.usage?.total_tokens ?? 0,
    success: true,
  });
  return completion.choices[0]?.message?.content ?? '';
}
`;
writeFileSync(join(app, 'route.ts'), APP_SOURCE);
const appWrite = await runCli(['--todo', '--write', '--no-color', '.'], app);
const appAfter = readFileSync(join(app, 'route.ts'), 'utf8');
const appCheck = await runCli(['--check', '--quiet', '.'], app);
const appSecond = await runCli(['--todo', '--write', '--no-color', '.'], app);
const appAfterSecond = readFileSync(join(app, 'route.ts'), 'utf8');

describe('--todo --write on fixtures/two-completions-ambiguous', () => {
  it('exits 0 and inserts one comment above the call, naming the reason code and both candidates', () => {
    expect(firstWrite.code, firstWrite.stderr + firstWrite.stdout).toBe(0);
    const comments = [...ambiguousAfter.matchAll(TODO_LINE)];
    expect(comments).toHaveLength(1);
    const [line, indent, text] = comments[0];
    expect(text).toMatch(/^ambiguous-source: /);
    expect(text).toContain('first');
    expect(text).toContain('second');
    expect(line.length).toBeLessThanOrEqual(200);
    // Right above the call, at the call's indentation; nothing else in the file changed.
    const lines = ambiguousAfter.split('\n');
    const at = lines.findIndex((l) => l.includes('// recon-codemod:'));
    expect(lines[at + 1]).toBe(`${indent}await trackTokenUsage({`);
    expect(indent).toBe('  ');
    expect([...lines.slice(0, at), ...lines.slice(at + 1)].join('\n')).toBe(ambiguousBefore);
  });

  it('the reports keep the call manual (JSON, in its documented shape) and say it is marked (Markdown)', () => {
    const report = JSON.parse(readFileSync(join(ambiguous, 'first.json'), 'utf8'));
    const calls = report.files.flatMap((f: { calls: unknown[] }) => f.calls);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ status: 'manual' });
    expect(calls[0].reason).toMatch(/^ambiguous-source: /);
    expect(readFileSync(join(ambiguous, 'first.md'), 'utf8')).toContain('marked with a `// recon-codemod:` comment');
  });

  it('the written file still parses', () => {
    expect(parseErrors(ambiguousFile, ambiguousAfter)).toEqual([]);
  });

  it('--check exits 0 once the manual call is acknowledged (and 1 before)', () => {
    expect(checkBefore.code, checkBefore.stdout + checkBefore.stderr).toBe(1);
    expect(checkAfter.code, checkAfter.stdout + checkAfter.stderr).toBe(0);
  });

  it('a second --todo --write inserts nothing more', () => {
    expect(secondWrite.code, secondWrite.stderr + secondWrite.stdout).toBe(0);
    expect(ambiguousAfterSecond).toBe(ambiguousAfter);
    const report = JSON.parse(readFileSync(join(ambiguous, 'second.json'), 'utf8'));
    expect(report.summary.changed ?? 0).toBe(0);
    expect(report.files.flatMap((f: { calls: unknown[] }) => f.calls)).toMatchObject([{ status: 'manual' }]);
  });

  it("the engine's lint predicate reports the call before the comment and not after", () => {
    const before = analyzeFile(
      { path: '/app/input.ts', text: ambiguousBefore },
      DEFAULT_CONFIG,
      createMemoryHost({
        '/app/input.ts': ambiguousBefore,
        '/app/tracking.ts': readFileSync(join(ambiguous, 'tracking.ts'), 'utf8'),
      }),
    );
    expect(before.calls.map(isReportedByLint)).toEqual([true]);
    const after = planOf(ambiguous, 'input.ts');
    expect(after.status).toBe('unchanged');
    expect(after.calls).toMatchObject([{ status: 'manual', reasonCode: 'ambiguous-source', acknowledged: true }]);
    expect(after.calls.map(isReportedByLint)).toEqual([false]);
  });
});

describe('--todo --write on an app with one manual call and one the codemod completes', () => {
  it('completes the one, comments the other, and the file parses', () => {
    expect(appWrite.code, appWrite.stderr + appWrite.stdout).toBe(0);
    const comments = [...appAfter.matchAll(TODO_LINE)];
    expect(comments).toHaveLength(1);
    expect(comments[0][1]).toBe('    ');
    expect(comments[0][2]).toMatch(/^unknown-argument: /);
    expect(appAfter).toContain('    // recon-codemod: unknown-argument: ');
    expect(appAfter.split('\n')[appAfter.split('\n').findIndex((l) => l.includes('// recon-codemod:')) + 1]).toBe(
      '    await trackTokenUsage(row);',
    );
    expect(appAfter).toContain(
      '    openai_request_id: completion.id,\n    openai_created: completion.created,\n    system_fingerprint: completion.system_fingerprint,\n',
    );
    expect(parseErrors('route.ts', appAfter)).toEqual([]);
  });

  it('--check then exits 0, a second run changes nothing, and the lint predicate reports nothing', () => {
    expect(appCheck.code, appCheck.stdout + appCheck.stderr).toBe(0);
    expect(appSecond.code).toBe(0);
    expect(appAfterSecond).toBe(appAfter);
    const plan = planOf(app, 'route.ts');
    expect(plan.calls.map((c) => c.status)).toEqual(['manual', 'complete']);
    expect(plan.calls.map(isReportedByLint)).toEqual([false, false]);
  });
});

// The lint rule itself (typescript-eslint's RuleTester), on the files the CLI wrote: no report for an acknowledged call;
// the same call without the comment is reported as manual.
const ruleTester = new RuleTester();
const testedRule = rule as unknown as Parameters<typeof ruleTester.run<MessageIds, Options>>[1];

ruleTester.run('require-reconciliation-fields accepts calls --todo marked', testedRule, {
  valid: [
    { name: 'two-completions-ambiguous after --todo --write', code: ambiguousAfter, filename: ambiguousFile },
    { name: 'the small app after --todo --write', code: appAfter, filename: join(app, 'route.ts') },
  ],
  invalid: [
    {
      name: 'two-completions-ambiguous before --todo (the same call, no comment)',
      code: ambiguousBefore,
      filename: ambiguousFile,
      errors: [{ messageId: 'manual' }],
    },
  ],
});
