/**
 * `report merge`: the pure merge (src/report-merge.ts) on hand-made reports, and the command's handling of files and
 * errors in process (the end-to-end run over three repositories is test/multi-repo.test.ts).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type CliIo } from '../src/cli.js';
import {
  MergeInputError,
  mergeReports,
  renderMergedJson,
  renderMergedMarkdown,
  type MergeInput,
} from '../src/report-merge.js';
import { tempDir } from './helpers.js';

type Call = { line: number; column: number; callee: string; status: string; reason?: string; [k: string]: unknown };
const call = (line: number, status: string, extra: Partial<Call> = {}): Call => ({
  line,
  column: 5,
  callee: 'trackTokenUsage',
  status,
  ...extra,
});
const report = (
  files: Array<{ path: string; status?: string; error?: string; calls: Call[] }>,
  extra: Record<string, unknown> = {},
  scanned = 10,
) => ({
  version: 1,
  files: files.map((f) => ({ status: 'changed', ...f })),
  summary: { files: scanned, changed: 0, calls: 0, updated: 0, complete: 0, manual: 0, errors: 0 },
  ...extra,
});

// Three repositories: one as the codemod writes today, one with `root` and an `acknowledged` count (the next shape),
// one from a monorepo run (calls carry `package`).
const inputs: MergeInput[] = [
  {
    file: 'reports/search.json',
    json: report(
      [
        { path: 'src/a.ts', calls: [call(3, 'updated'), call(9, 'manual', { reason: 'no-source: nothing in scope' })] },
        { path: 'src/b.ts', status: 'unchanged', calls: [call(4, 'complete')] },
        { path: 'src/big.js', status: 'error', error: 'file is 2000000 bytes, over the 1048576-byte limit', calls: [] },
      ],
      {
        root: '/ci/search',
        summary: { files: 7, changed: 1, calls: 3, updated: 1, complete: 1, manual: 1, errors: 1, acknowledged: 1 },
      },
    ),
  },
  {
    file: 'reports/billing.json',
    json: report([
      {
        path: 'api/x.ts',
        calls: [
          call(12, 'manual', { reason: 'ambiguous-source: `a`, `b` could each be' }),
          call(20, 'manual', { reason: 'no-source: helper | pipe' }),
        ],
      },
    ]),
  },
  {
    file: 'reports/platform.json',
    json: report([
      {
        path: 'packages/web/src/r.ts',
        calls: [call(1, 'updated', { package: 'packages/web' }), call(2, 'complete', { package: 'packages/web' })],
      },
      {
        path: 'packages/worker/src/w.ts',
        calls: [call(5, 'manual', { package: 'packages/worker', reason: 'no-source: x', acknowledged: true })],
      },
    ]),
  },
];

describe('mergeReports', () => {
  const merged = mergeReports(inputs);

  it('gives coverage per repository, sorted by label, and totals', () => {
    expect(merged.schemaVersion).toBe(1);
    expect(
      merged.repos.map((r) => [
        r.label,
        r.report,
        r.files,
        r.changed,
        r.errors,
        r.calls,
        r.before,
        r.after,
        r.left,
        r.acknowledged,
      ]),
    ).toEqual([
      ['billing', 'reports/billing.json', 10, 1, 0, 2, 0, 0, 2, null],
      ['platform', 'reports/platform.json', 10, 2, 0, 3, 1, 2, 1, 1],
      ['search', 'reports/search.json', 7, 1, 1, 3, 1, 2, 1, 1],
    ]);
    expect(merged.repos[2].root).toBe('/ci/search');
    expect('root' in merged.repos[0]).toBe(false);
    expect(merged.totals).toEqual({
      repos: 3,
      files: 27,
      changed: 4,
      errors: 1,
      calls: 8,
      before: 2,
      after: 4,
      left: 4,
      acknowledged: 2,
    });
  });

  it('groups manual calls by reason across repositories, the most frequent first, code taken from the reason', () => {
    expect(merged.manual.map((g) => [g.reasonCode, g.calls, g.repos])).toEqual([
      ['no-source', 3, ['billing', 'platform', 'search']],
      ['ambiguous-source', 1, ['billing']],
    ]);
    expect(merged.manual[0].items).toContainEqual({
      repo: 'platform',
      package: 'packages/worker',
      path: 'packages/worker/src/w.ts',
      line: 5,
      column: 5,
      callee: 'trackTokenUsage',
      reason: 'x',
      acknowledged: true,
    });
    expect(merged.errors).toEqual([
      { repo: 'search', path: 'src/big.js', error: 'file is 2000000 bytes, over the 1048576-byte limit' },
    ]);
  });

  it('breaks a monorepo report down by package', () => {
    expect(merged.repos[1].packages).toEqual([
      { package: 'packages/web', calls: 2, before: 1, after: 2, left: 0 },
      { package: 'packages/worker', calls: 1, before: 0, after: 0, left: 1 },
    ]);
    expect(merged.repos[0].packages).toBeUndefined();
  });

  it('does not depend on the order of the inputs', () => {
    expect(renderMergedJson(mergeReports([...inputs].reverse()))).toBe(renderMergedJson(merged));
  });

  it('prefers a reasonCode field to the prefix of the reason', () => {
    const m = mergeReports([
      {
        file: 'r.json',
        json: report([
          {
            path: 'a.ts',
            calls: [call(1, 'manual', { reasonCode: 'out-of-scope', reason: 'the result is in another function' })],
          },
        ]),
      },
    ]);
    expect(m.manual[0]).toMatchObject({
      reasonCode: 'out-of-scope',
      items: [{ reason: 'the result is in another function' }],
    });
  });

  it('renders Markdown: totals, a row per repository and package, reasons with what to do, errors', () => {
    const md = renderMergedMarkdown(merged);
    expect(md).toContain('# recon-codemod: the migration across 3 repositories');
    expect(md).toContain(
      '**8 tracking calls** in 3 repositories: 2 complete before (25%), 4 once the edits are applied (50%), **4 left for a person** (2 marked with a `// recon-codemod:` comment); 1 file not processed.',
    );
    expect(md).toContain('| `search` | 7 | 1 | 3 | 1 (33%) | 2 (67%) | 1 (1 marked) | 1 |');
    expect(md).toContain('| `platform` › `packages/worker` |  |  | 1 | 0 (0%) | 0 (0%) | 1 |  |');
    expect(md).toContain('| **total** | 27 | 4 | 8 | 2 (25%) | 4 (50%) | 4 | 1 |');
    expect(md).toContain('| `no-source` | 3 | `billing`, `platform`, `search` |');
    expect(md).toContain('### `no-source` (3 in 3 repositories)');
    expect(md).toContain('What to do: Pass the values from where the OpenAI result is available');
    expect(md).toContain('- `billing` `api/x.ts:20:5` `trackTokenUsage(…)`: helper \\| pipe');
    expect(md).toContain(
      '- `platform` `packages/worker/src/w.ts:5:5` `trackTokenUsage(…)`: x _(marked with a `// recon-codemod:` comment)_',
    );
    expect(md).toContain('- `search` `src/big.js`: file is 2000000 bytes');
    expect(md.indexOf('### `no-source`')).toBeLessThan(md.indexOf('### `ambiguous-source`'));
  });
});

describe('mergeReports refuses what it cannot read, naming the file', () => {
  const refuse = (json: unknown, file = 'bad.json') => {
    try {
      mergeReports([
        { file: 'good.json', json: report([]) },
        { file, json },
      ]);
    } catch (error) {
      expect(error).toBeInstanceOf(MergeInputError);
      expect((error as MergeInputError).file).toBe(file);
      return (error as Error).message;
    }
    throw new Error('no error');
  };

  it.each([
    ['an array', [], 'not a recon-codemod report'],
    ["another tool's JSON", { name: 'x', version: '1.0.0' }, 'not a recon-codemod report'],
    ['a merged report', { schemaVersion: 1, repos: [] }, 'a merged report, not a codemod report'],
    [
      'a later version',
      { version: 2, files: [], summary: { files: 1 } },
      'report version 2: this recon-codemod reads version 1',
    ],
    ['a summary without files', { version: 1, files: [], summary: {} }, '"summary.files" is missing'],
    [
      'a broken file entry',
      { version: 1, files: [{ path: 'a.ts' }], summary: { files: 1 } },
      'files[0] is not a file entry',
    ],
    [
      'a broken call',
      { version: 1, files: [{ path: 'a.ts', status: 'changed', calls: [{ line: 'x' }] }], summary: { files: 1 } },
      'files[0].calls[0] (a.ts) is not a call entry',
    ],
    [
      'an unknown status',
      { version: 1, files: [{ path: 'a.ts', status: 'changed', calls: [call(1, 'maybe')] }], summary: { files: 1 } },
      'files[0].calls[0] (a.ts) has status "maybe"',
    ],
  ])('%s', (_what, json, message) => {
    expect(refuse(json)).toContain(`bad.json: ${message}`);
  });

  it('two reports with one label', () => {
    expect(() =>
      mergeReports([
        { file: 'a/report.json', json: report([]) },
        { file: 'b/report.json', json: report([]) },
      ]),
    ).toThrow(
      'b/report.json: labelled `report` like a/report.json: name each repository (e.g. report-2=b/report.json)',
    );
    expect(
      mergeReports([
        { file: 'a/report.json', json: report([]), label: 'a' },
        { file: 'b/report.json', json: report([]) },
      ]).repos.map((r) => r.label),
    ).toEqual(['a', 'report']);
  });
});

describe('recon-codemod report merge (the command, in process)', () => {
  const run = async (args: string[], cwd: string) => {
    let stdout = '';
    let stderr = '';
    const io: CliIo = {
      cwd,
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      stdoutIsTTY: false,
      stderrIsTTY: false,
      env: {},
    };
    const code = await main(['report', ...args], io);
    return { code, stdout, stderr };
  };
  const dir = tempDir('recon-report-merge-');
  writeFileSync(join(dir, 'one.json'), JSON.stringify(inputs[0].json));
  writeFileSync(join(dir, 'two.json'), JSON.stringify(inputs[1].json));
  writeFileSync(join(dir, 'broken.json'), '{ "version": 1, ');

  it('writes --report and --json; labels from file names or name=file', async () => {
    const r = await run(
      ['merge', 'search=one.json', 'two.json', '--report', 'out/org.md', '--json', 'out/org.json'],
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'recon-codemod report merge: 2 reports, 5 tracking calls: 1 complete before, 2 after, 3 left for a person, 1 file with errors.\n',
    );
    const org = JSON.parse(readFileSync(join(dir, 'out/org.json'), 'utf8'));
    expect(org.repos.map((x: { label: string }) => x.label)).toEqual(['search', 'two']);
    expect(readFileSync(join(dir, 'out/org.md'), 'utf8')).toBe(
      renderMergedMarkdown(
        mergeReports([
          { ...inputs[0], file: 'one.json', label: 'search' },
          { ...inputs[1], file: 'two.json' },
        ]),
      ),
    );
  });

  it('prints the Markdown when no output file is given', async () => {
    const r = await run(['merge', 'two.json'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('| `two` | 10 | 1 | 2 | 0 (0%) | 0 (0%) | 2 | 0 |');
  });

  it.each([
    [['merge', 'one.json', 'missing.json'], 'missing.json: cannot read (ENOENT)'],
    [['merge', 'one.json', 'broken.json'], 'broken.json: not JSON'],
    [['merge', 'one.json', 'one=two.json'], 'two.json: labelled `one` like one.json'],
  ])('%j: exit 2, the file named, nothing written', async (args, message) => {
    const out = join(dir, `nothing-${args.length}-${args[2].replace(/\W/g, '')}`);
    const r = await run([...args, '--json', `${out}.json`, '--report', `${out}.md`], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`recon-codemod report merge: ${message}`);
    expect(r.stderr).toContain('Nothing was written.');
    expect(existsSync(`${out}.json`) || existsSync(`${out}.md`)).toBe(false);
  });

  it('usage errors: no subcommand, an unknown one, no reports, an unknown option', async () => {
    expect((await run([], dir)).stderr).toContain('report needs a subcommand');
    expect((await run(['frobnicate'], dir)).stderr).toContain('unknown report subcommand: frobnicate');
    expect((await run(['merge'], dir)).stderr).toContain('needs at least one report');
    const typo = await run(['merge', 'one.json', '--jsno', 'x.json'], dir);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('unknown option --jsno (did you mean --json?)');
    // A directory named `report` is still a path to migrate, unless `merge` follows.
    const withDir = tempDir('recon-report-dir-');
    mkdirSync(join(withDir, 'report'));
    writeFileSync(join(withDir, 'report', 'a.ts'), 'export const a = 1;\n');
    const asPath = await run([], withDir);
    expect(asPath.code).toBe(0);
    expect(asPath.stdout).toContain('1 file scanned');
    const help = await run(['--help'], dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: recon-codemod report merge');
  });
});
