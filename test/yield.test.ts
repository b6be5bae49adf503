import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without types
import * as Y from '../bench/real-world/yield.mjs';
import { REPO } from './helpers.js';

const SCRIPT = join(REPO, 'bench', 'real-world', 'yield.mjs');
const NONE = { openai_request_id: 'null', openai_created: 'null', system_fingerprint: 'null' };
const FROM_COMPLETION = {
  openai_request_id: 'completion.id',
  openai_created: 'completion.created',
  system_fingerprint: 'completion.system_fingerprint',
};

describe('yield: matching and classifying', () => {
  it('pairs by file and nearest line, exact lines first, each reported call once', () => {
    const expected = [
      { file: 'a.ts', line: 10, callee: 't', expected: 'manual' },
      { file: 'a.ts', line: 12, callee: 't', expected: 'manual' },
      { file: 'b.ts', line: 5, callee: 't', expected: 'manual' },
      { file: 'a.ts', line: 40, callee: 't', expected: 'manual' },
    ];
    const reported = [
      { file: 'a.ts', line: 12, callee: 't', status: 'manual' },
      { file: 'a.ts', line: 11, callee: 't', status: 'manual' },
      { file: 'b.ts', line: 7, callee: 't', status: 'manual' },
      { file: 'c.ts', line: 1, callee: 't', status: 'manual' },
    ];
    const { pairs, extra } = Y.matchCalls(expected, reported);
    expect(
      pairs.map((p: { actual?: { file: string; line: number } }) => p.actual && `${p.actual.file}:${p.actual.line}`),
    ).toEqual([
      'a.ts:11', // 10 takes the nearest left over once 12 has its exact match
      'a.ts:12',
      'b.ts:7', // within the tolerance
      undefined, // 40: nothing near
    ]);
    expect(extra).toEqual([{ file: 'c.ts', line: 1, callee: 't', status: 'manual' }]);
    expect(Y.LINE_TOLERANCE).toBeGreaterThanOrEqual(2);
  });

  it('classifies each outcome', () => {
    const edit = { file: 'a.ts', line: 1, callee: 't', expected: FROM_COMPLETION };
    const manual = { file: 'a.ts', line: 1, callee: 't', expected: 'manual' };
    const nulls = { file: 'a.ts', line: 1, callee: 't', expected: NONE, provider: 'other' };
    const updated = (added: Record<string, string>) => ({ status: 'updated', added });
    expect(Y.classifyCall(edit, updated({ ...FROM_COMPLETION, openai_created: ' completion.created ' })).outcome).toBe(
      'correct',
    );
    expect(Y.classifyCall(edit, updated({ ...FROM_COMPLETION, openai_request_id: 'completion?.id' })).outcome).toBe(
      'correct',
    );
    expect(Y.classifyCall(edit, updated({ ...FROM_COMPLETION, openai_request_id: 'completion?.[0]' })).outcome).toBe(
      'wrong',
    );
    expect(Y.classifyCall(edit, updated({ ...FROM_COMPLETION, openai_request_id: 'other.id' }))).toMatchObject({
      outcome: 'wrong',
      detail: expect.stringContaining('other.id'),
    });
    expect(Y.classifyCall(manual, updated(FROM_COMPLETION))).toMatchObject({ outcome: 'wrong' });
    expect(
      Y.classifyCall(
        nulls,
        updated({ openai_request_id: 'undefined', openai_created: 'null', system_fingerprint: 'null' }),
      ).outcome,
    ).toBe('correct');
    expect(Y.classifyCall(edit, { status: 'manual', reason: 'no-source: …' })).toMatchObject({
      outcome: 'manualMissed',
      reason: 'no-source',
    });
    expect(Y.classifyCall(manual, { status: 'manual', reason: 'no-source: …' }).outcome).toBe('manualCorrect');
    expect(Y.classifyCall(edit, { status: 'complete' }).outcome).toBe('complete');
    expect(Y.classifyCall(edit, undefined).outcome).toBe('notFound');
    expect(Y.classifyCall(edit, updated({})).outcome).toBe('wrong');
  });

  it('computes yield over certain edits and the OpenAI-only yield', () => {
    const entry = {
      repo: 'acme/app',
      calls: [
        { file: 'a.ts', line: 1, callee: 't', expected: FROM_COMPLETION, provider: 'openai' },
        { file: 'a.ts', line: 5, callee: 't', expected: NONE, provider: 'other' },
        { file: 'a.ts', line: 9, callee: 't', expected: 'manual' },
      ],
    };
    const report = {
      files: [
        {
          path: 'a.ts',
          status: 'changed',
          calls: [
            { line: 1, callee: 't', status: 'updated', added: FROM_COMPLETION },
            { line: 5, callee: 't', status: 'manual', reason: 'no-source: x' },
            { line: 9, callee: 't', status: 'manual', reason: 'no-source: y' },
          ],
        },
      ],
    };
    const r = Y.classifyRepo(entry, report);
    expect(r).toMatchObject({
      calls: 3,
      correct: 1,
      manualMissed: 1,
      manualCorrect: 1,
      wrong: 0,
      certain: 2,
      certainOpenai: 1,
      correctOpenai: 1,
    });
    const t = Y.total([r, r]);
    expect(t).toMatchObject({ repo: 'TOTAL', calls: 6, correct: 2, certain: 4 });
    expect(Y.formatTable([r])).toMatch(/50 % \(1\/2\)\s+100 % \(1\/1\)/);
  });
});

describe('yield: the script end to end on an invented app', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'recon-yield-test-'));
    const app = join(dir, 'acme__app');
    mkdirSync(join(app, 'src'), { recursive: true });
    writeFileSync(join(app, '.corpus-commit'), 'abc123\n');
    writeFileSync(
      join(app, 'src', 'usage.ts'),
      [
        "import OpenAI from 'openai';",
        '',
        'const openai = new OpenAI();',
        '',
        'interface Usage {',
        '  model: string;',
        '  tokens: number;',
        '  openai_request_id?: string | null;',
        '  openai_created?: number | null;',
        '  system_fingerprint?: string | null;',
        '}',
        '',
        'export async function trackTokenUsage(u: Usage): Promise<void> {',
        '  void u;',
        '}',
        '',
        'export async function summarize(text: string) {',
        "  const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] });",
        "  await trackTokenUsage({ model: 'gpt-4o-mini', tokens: completion.usage?.total_tokens ?? 0 });",
        '  return completion.choices[0]?.message.content;',
        '}',
        '',
        'export async function recordEstimate(tokens: number) {',
        "  await trackTokenUsage({ model: 'gpt-4o-mini', tokens });",
        '}',
        '',
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const corpus = (calls: unknown[], commit = 'abc123') => {
    const file = join(dir, `corpus-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        repos: [{ repo: 'acme/app', commit, config: { callees: ['trackTokenUsage'] }, calls }],
      }),
    );
    return file;
  };
  const run = (corpusFile: string) => {
    const out = join(dir, 'out.json');
    const r = spawnSync(process.execPath, [SCRIPT, dir, '--corpus', corpusFile, '--json', out], { encoding: 'utf8' });
    return {
      code: r.status,
      stdout: r.stdout,
      stderr: r.stderr,
      json: r.status !== 2 ? JSON.parse(readFileSync(out, 'utf8')) : undefined,
    };
  };

  it('counts a right edit and a right manual, exits 0, warns about a commit mismatch and an unlisted call', () => {
    const r = run(
      corpus(
        [
          { file: 'src/usage.ts', line: 18, callee: 'trackTokenUsage', expected: FROM_COMPLETION, provider: 'openai' }, // one line off
          { file: 'src/usage.ts', line: 40, callee: 'trackTokenUsage', expected: 'manual' }, // no such call: not found
        ],
        'def456',
      ),
    );
    expect(r.stderr).toContain('checkout is at abc123, the corpus at def456');
    expect(r.stderr).toContain('does not list: src/usage.ts:24');
    expect(r.code).toBe(0);
    expect(r.json.total).toMatchObject({ calls: 2, correct: 1, notFound: 1, wrong: 0 });
    expect(r.stdout).toMatch(/acme\/app\s+2\s+1\s+0/);
  });

  it('exits 1 on a wrong edit (an edit where manual is expected)', () => {
    const r = run(
      corpus([
        { file: 'src/usage.ts', line: 19, callee: 'trackTokenUsage', expected: 'manual' },
        { file: 'src/usage.ts', line: 24, callee: 'trackTokenUsage', expected: 'manual' },
      ]),
    );
    expect(r.code).toBe(1);
    expect(r.json.total).toMatchObject({ wrong: 1, manualCorrect: 1 });
    expect(r.stdout).toContain('wrong         acme/app src/usage.ts:19');
  });
});
