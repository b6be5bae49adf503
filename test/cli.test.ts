import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyFixture, REPO, runCli, snapshotTree, spawnCli, tempDir } from './helpers.js';

const expectedTree = snapshotTree(join(REPO, 'fixtures', 'demo-app-expected'));

describe('recon-codemod CLI on the demo app', () => {
  it('dry run prints a diff and a summary, writes nothing, exits 0', async () => {
    const dir = copyFixture('demo-app');
    const before = snapshotTree(dir);
    const { code, stdout } = await runCli(['.'], dir);
    expect(code).toBe(0);
    expect(stdout).toContain('+++ b/src/app/api/viva/merge-clarity/route.ts');
    expect(stdout).toContain('+    openai_request_id: response.id,');
    expect(stdout).toMatch(/13 tracking calls: 12 to update, 1 already complete, 0 manual\. Dry run/);
    expect(snapshotTree(dir)).toEqual(before);
  });

  it('--write produces the hand-written expected app, and a second run changes nothing', async () => {
    const dir = copyFixture('demo-app');
    const first = await runCli(['--write'], dir);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/12 updated/);
    const after = snapshotTree(dir);
    expect([...after.keys()].sort()).toEqual([...expectedTree.keys()].sort());
    for (const [path, bytes] of expectedTree)
      expect(after.get(path)?.toString('utf8'), path).toBe(bytes.toString('utf8'));

    const second = await runCli(['--write', '--check'], dir);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/13 tracking calls: 0 to update, 13 already complete, 0 manual/);
    expect(snapshotTree(dir)).toEqual(after);
  });

  it('--check fails while calls are incomplete and passes once written', async () => {
    const dir = copyFixture('demo-app');
    expect((await runCli(['--check', '--quiet'], dir)).code).toBe(1);
    expect((await runCli(['--write', '--quiet'], dir)).code).toBe(0);
    expect((await runCli(['--check', '--quiet'], dir)).code).toBe(0);
  });

  it('--json writes the documented report shape', async () => {
    const dir = copyFixture('demo-app');
    const { code } = await runCli(['.', '--json', 'out/report.json'], dir);
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'out/report.json'), 'utf8'));
    expect(Object.keys(report)).toEqual(['version', 'root', 'files', 'summary']);
    expect(report.version).toBe(1);
    expect(report.summary).toEqual({
      files: 16,
      changed: 11,
      calls: 13,
      updated: 12,
      complete: 1,
      manual: 0,
      acknowledged: 0,
      errors: 0,
    });
    const merge = report.files.find((f: { path: string }) => f.path === 'src/app/api/viva/merge-clarity/route.ts');
    expect(merge).toEqual({
      path: 'src/app/api/viva/merge-clarity/route.ts',
      status: 'changed',
      calls: [
        {
          line: 23,
          column: 9,
          callee: 'trackTokenUsage',
          status: 'updated',
          source: 'response',
          added: {
            openai_request_id: 'response.id',
            openai_created: 'response.created',
            system_fingerprint: 'response.system_fingerprint',
          },
        },
      ],
    });
    const complete = report.files.find((f: { path: string }) => f.path.endsWith('category-summary/route.ts'));
    expect(complete.status).toBe('unchanged');
    expect(complete.calls.map((c: { status: string }) => c.status)).toEqual(['complete']);
    for (const file of report.files) {
      expect(['changed', 'unchanged', 'error']).toContain(file.status);
      for (const call of file.calls) {
        expect(
          Object.keys(call).every((k) =>
            ['line', 'column', 'callee', 'status', 'source', 'added', 'reason'].includes(k),
          ),
        ).toBe(true);
      }
    }
  });

  it('--report writes a Markdown report with coverage and a row per call', async () => {
    const dir = copyFixture('demo-app');
    await runCli(['--write', '--report', 'migration.md'], dir);
    const md = readFileSync(join(dir, 'migration.md'), 'utf8');
    expect(md.split('\n')[2]).toBe(
      '**Tracking calls complete:** 1/13 (8%) before this run, 13/13 (100%) after it (12 updated); none left.',
    );
    expect(md.match(/^\| `src\/app\/api\//gm)).toHaveLength(13);
    expect(md).toContain('`src/app/api/viva/chat/route.ts:14` | updated | `response`');
    // The chat route's model is `openai.chat(…)`: its provider is certain, so no note qualifies any edit.
    expect(md).not.toContain('## Notes for review');
  });
});

describe('recon-codemod CLI on a monorepo', () => {
  it("resolves each package's `@/` imports with that package's own tsconfig", async () => {
    const root = tempDir('recon-monorepo-');
    cpSync(join(REPO, 'fixtures', 'demo-app'), join(root, 'packages', 'web'), { recursive: true });
    cpSync(join(REPO, 'fixtures', 'pre-schema-app'), join(root, 'apps', 'admin'), { recursive: true });
    writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true } }));
    const { code, stdout, stderr } = await runCli(['--json', 'report.json'], root);
    expect(code, stderr).toBe(0);
    // Both apps as when run on each: every call that has an OpenAI source is updated, none left manual.
    expect(stdout).toMatch(/26 tracking calls: 25 to update, 1 already complete, 0 manual/);
    const report = JSON.parse(readFileSync(join(root, 'report.json'), 'utf8'));
    const wrapper = report.files.find(
      (f: { path: string }) => f.path === 'packages/web/src/app/api/viva/vision-board/route.ts',
    );
    expect(wrapper.calls[0].added.openai_request_id).toBe('response.openai_request_id');
  });
});

describe('recon-codemod CLI: --fix-suspect', () => {
  it('--write leaves a suspect value and reports it; --fix-suspect replaces it where the right value is certain', async () => {
    const dir = copyFixture('existing-transcription-body-id-is-suspect');
    const input = readFileSync(join(dir, 'input.ts'), 'utf8');
    const plain = await runCli(['input.ts', '--write', '--json', 'r.json'], dir);
    expect(plain.code, plain.stderr).toBe(0);
    expect(readFileSync(join(dir, 'input.ts'), 'utf8')).toBe(input);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    expect(report.files[0].calls[0].reason).toMatch(/^suspect-value: /);
    expect(report.files[0].calls[0].suspect[0]).toMatchObject({
      value: '(transcription as any).id',
      expected: 'transcription._request_id',
    });

    const fixed = await runCli(['input.ts', '--write', '--fix-suspect'], dir);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(readFileSync(join(dir, 'input.ts'), 'utf8')).toBe(
      readFileSync(
        join(REPO, 'fixtures', 'existing-transcription-body-id-is-suspect', 'output-fix-suspect.ts'),
        'utf8',
      ),
    );
    expect((await runCli(['input.ts', '--check'], dir)).code).toBe(0);
  });
});

describe('recon-codemod CLI: errors and guards', () => {
  it('a path that does not exist: exit 2, a clear message, nothing written', async () => {
    const dir = copyFixture('demo-app');
    const before = snapshotTree(dir);
    const { code, stderr } = await runCli(['does/not/exist', '--write'], dir);
    expect(code).toBe(2);
    expect(stderr).toContain('path does not exist: does/not/exist');
    expect(snapshotTree(dir)).toEqual(before);
  });

  it('an unknown flag is a usage error, in one line, with the nearest option when there is one', async () => {
    const far = await runCli(['--frobnicate'], REPO);
    expect(far.code).toBe(2);
    expect(far.stderr).toBe('recon-codemod: unknown option --frobnicate\nRun recon-codemod --help for usage.\n');
    const typo = await runCli(['--wrte'], REPO);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe(
      'recon-codemod: unknown option --wrte (did you mean --write?)\nRun recon-codemod --help for usage.\n',
    );
    const missing = await runCli(['--json'], REPO);
    expect(missing.stderr).toBe('recon-codemod: --json needs a value\nRun recon-codemod --help for usage.\n');
  });

  it('`recon-codemod help` prints the help (unless a path named help is there); -q is documented', async () => {
    const help = await runCli(['help'], REPO);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: recon-codemod/);
    expect(help.stdout).toContain('-q, --quiet');
    const dir = tempDir('recon-help-');
    mkdirSync(join(dir, 'help'));
    const asPath = await runCli(['help'], dir);
    expect(asPath.code).toBe(0);
    expect(asPath.stdout).toMatch(/0 files scanned, 0 tracking calls/);
  });

  it('--check cannot pass by checking nothing: no files, or no call where the config names the tracker, is exit 2', async () => {
    const empty = tempDir('recon-empty-');
    const none = await runCli(['.', '--check'], empty);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(
      /^recon-codemod: --check found no files to scan in \. \(include \*\*\/\*\.\{[^)]*; exclude [^)]*\)/,
    );
    const dir = copyFixture('demo-app');
    const wrongGlob = await runCli(['.', '--check', '--include', '**/*.py'], dir);
    expect(wrongGlob.code).toBe(2);
    expect(wrongGlob.stderr).toContain('include **/*.py');
    // The config names a tracker that no file calls: the gate would check nothing.
    writeFileSync(join(dir, 'recon.json'), JSON.stringify({ callees: ['logUsage'] }));
    const noCalls = await runCli(['.', '--check', '--config', 'recon.json'], dir);
    expect(noCalls.code).toBe(2);
    expect(noCalls.stderr).toMatch(/--check found no call of logUsage in \d+ files of \./);
    // Without --check, the same runs report and exit 0; with defaults and no calls, --check passes (nothing configured).
    expect((await runCli(['.', '--config', 'recon.json'], dir)).code).toBe(0);
    writeFileSync(join(empty, 'a.ts'), 'export const x = 1;\n');
    expect((await runCli(['.', '--check'], empty)).code).toBe(0);
  });

  it('--json or --report naming a directory is a usage error before anything is written', async () => {
    const dir = copyFixture('demo-app');
    mkdirSync(join(dir, 'reports'));
    const before = snapshotTree(dir);
    const r = await runCli(['.', '--write', '--allow-dirty', '--no-verify', '--json', 'reports'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `recon-codemod: --json ${join(dir, 'reports')} is a directory: give a file name\nRun recon-codemod --help for usage.\n`,
    );
    expect(snapshotTree(dir)).toEqual(before);
    // A report in a directory that does not exist yet is fine: it is created.
    expect((await runCli(['.', '--report', 'out/new/migration.md'], dir)).code).toBe(0);
  });

  it('a read-only file is refused unless --force, reported as an error, and its calls are not counted as updated', async () => {
    const dir = copyFixture('demo-app');
    const route = join(dir, 'src/app/api/viva/blueprint/route.ts');
    const before = readFileSync(route);
    chmodSync(route, 0o444);
    const r = await runCli(['.', '--write', '--allow-dirty', '--no-verify', '--json', 'report.json'], dir);
    expect(r.code).toBe(1);
    expect(readFileSync(route)).toEqual(before);
    expect(r.stderr).toContain(
      'error src/app/api/viva/blueprint/route.ts: the file is read-only: not written (pass --force to write it)',
    );
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    const file = report.files.find((f: { path: string }) => f.path === 'src/app/api/viva/blueprint/route.ts');
    expect(file.status).toBe('error');
    expect(file.calls.map((c: { status: string; reason: string }) => [c.status, c.reason.split(':')[0]])).toEqual([
      ['manual', 'file-not-written'],
    ]);
    // 12 planned, 11 written: the summary says 11.
    expect(report.summary).toMatchObject({ updated: 11, errors: 1 });
    expect(r.stdout).toMatch(/13 tracking calls: 11 updated, 1 already complete, 1 manual, 1 file with errors\./);
    const forced = await runCli(['.', '--write', '--allow-dirty', '--no-verify', '--force'], dir);
    expect(forced.code).toBe(0);
    expect(readFileSync(route, 'utf8')).toBe(expectedTree.get('src/app/api/viva/blueprint/route.ts')!.toString('utf8'));
    expect(statSync(route).mode & 0o777).toBe(0o444);
  });

  it('counts read right for one: 1 file, 1 tracking call', async () => {
    const dir = tempDir('recon-one-');
    writeFileSync(
      join(dir, 'route.ts'),
      "import { trackTokenUsage } from './tracking';\nexport async function f() { await trackTokenUsage({ tokens_used: 1, openai_request_id: null, openai_created: null, system_fingerprint: null }); }\n",
    );
    expect((await runCli(['route.ts'], dir)).stdout).toMatch(
      /: 1 file scanned, 1 tracking call: 0 to update, 1 already complete, 0 manual\./,
    );
  });

  it('--help documents the flags and exit codes; --version prints the version', async () => {
    const help = await runCli(['--help'], REPO);
    expect(help.code).toBe(0);
    for (const flag of [
      '--write',
      '--check',
      '--json',
      '--report',
      '--config',
      '--include',
      '--exclude',
      '--allow-dirty',
      '--quiet',
    ]) {
      expect(help.stdout).toContain(flag);
    }
    expect(help.stdout).toMatch(/Exit codes:[\s\S]*0[\s\S]*1[\s\S]*2/);
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    // The bin itself, in a process of its own (the other tests run its `main` in-process: test/helpers.ts).
    const version = spawnCli(['--version'], REPO);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(pkg.version);
  });

  it('a file that does not parse is reported as an error, left byte-identical, and the run continues', async () => {
    const dir = copyFixture('demo-app');
    const broken = join(dir, 'src/app/api/viva/blueprint/route.ts');
    const text = readFileSync(broken, 'utf8').replace('export async function POST', 'export async function POST(((');
    writeFileSync(broken, text);
    const { code, stderr } = await runCli(['--write', '--json', 'r.json'], dir);
    expect(code).toBe(1);
    expect(stderr).toMatch(/error src\/app\/api\/viva\/blueprint\/route\.ts: does not parse: \d+:\d+/);
    expect(readFileSync(broken, 'utf8')).toBe(text);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    expect(report.summary.errors).toBe(1);
    expect(report.summary.updated).toBe(11);
    expect(readFileSync(join(dir, 'src/app/api/viva/merge-clarity/route.ts'), 'utf8')).toContain(
      'openai_request_id: response.id',
    );
  });

  it('a bad config is a usage error naming the key', async () => {
    const dir = copyFixture('demo-app');
    writeFileSync(join(dir, 'recon.json'), JSON.stringify({ calees: ['x'] }));
    const { code, stderr } = await runCli(['--config', 'recon.json'], dir);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown key "calees"');
  });

  it('config from package.json renames the tracker', async () => {
    const dir = copyFixture('demo-app');
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, 'recon-codemod': { callees: ['recordUsage'] } }));
    const { code, stdout } = await runCli(['.'], dir);
    expect(code).toBe(0);
    expect(stdout).toMatch(/0 tracking calls/);
  });

  it('--write refuses files with uncommitted changes in git unless --allow-dirty', async () => {
    const dir = copyFixture('demo-app');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
    git('init', '-q');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'add', '.');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'init');
    const route = join(dir, 'src/app/api/viva/ideal-state/route.ts');
    writeFileSync(route, readFileSync(route, 'utf8') + '\n// work in progress\n');
    const before = snapshotTree(dir);
    const refused = await runCli(['--write'], dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('src/app/api/viva/ideal-state/route.ts');
    expect(snapshotTree(dir)).toEqual(before);
    expect((await runCli(['.'], dir)).code).toBe(0); // a dry run never refuses
    const allowed = await runCli(['--write', '--allow-dirty'], dir);
    expect(allowed.code).toBe(0);
    expect(readFileSync(route, 'utf8')).toContain('openai_request_id: completion.id');
  });
});

/**
 * A small app of three manual calls of three kinds (no source; a tracker taking positional arguments, called over five
 * lines; a tracker whose parameter type this tool cannot read), in `<tmp>/app`, run from `<tmp>`.
 */
function manualApp(): { parent: string; app: string } {
  const parent = tempDir('recon-manual-');
  const app = join(parent, 'app');
  mkdirSync(app);
  symlinkSync(join(REPO, 'node_modules'), join(app, 'node_modules'), 'dir');
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ 'recon-codemod': { callees: ['trackTokenUsage', 'trackPositional', 'trackRow'] } }),
  );
  writeFileSync(
    join(app, 'tracking.ts'),
    `type Base = { tokens_used: number; model_used: string };
type Row<T> = T extends string ? { label: T } : Base;
export async function trackTokenUsage(usage: { tokens_used: number; openai_request_id?: string | null; openai_created?: number | null; system_fingerprint?: string | null }) { void usage; }
export async function trackPositional(userId: string, tokens: number, model: string) { void userId; void tokens; void model; }
export async function trackRow(usage: Row<number>) { void usage; }
`,
  );
  writeFileSync(
    join(app, 'route.ts'),
    `import OpenAI from 'openai';
import { trackTokenUsage, trackPositional, trackRow } from './tracking';

const openai = new OpenAI();

export async function noSource(n: number) {
  await trackTokenUsage({ tokens_used: n });
}

export async function positional(userId: string) {
  const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [] });
  await trackPositional(
    userId,
    completion.usage?.total_tokens ??
      0,
    'gpt-4o',
  );
}

export async function unreadable() {
  const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: [] });
  await trackRow({ tokens_used: completion.usage?.total_tokens ?? 0, model_used: 'gpt-4o' });
}
`,
  );
  return { parent, app };
}

describe('recon-codemod CLI: what it says is true', () => {
  it('--todo --write counts marked calls as acknowledged (summary, JSON, Markdown); --check then passes and says why', async () => {
    const { parent, app } = manualApp();
    expect((await runCli(['app', '--check', '-q'], parent)).code).toBe(1);
    // A dry run's marks are not in the code: --todo --check without --write still fails, and lists the calls as manual.
    const dryTodo = await runCli(['app', '--todo', '--check', '-q'], parent);
    expect(dryTodo.code).toBe(1);
    expect(
      dryTodo.stderr
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[0]),
    ).toEqual(['manual', 'manual', 'manual']);
    expect(dryTodo.stdout).toMatch(/3 manual \(3 acknowledged once written: /);

    const todo = await runCli(['app', '--todo', '--write', '--json', 'r.json', '--report', 'm.md'], parent);
    expect(todo.code, todo.stderr).toBe(0);
    expect(todo.stdout).toMatch(
      /3 tracking calls: 0 updated, 0 already complete, 3 manual \(3 acknowledged: marked with a \/\/ recon-codemod: comment, still to finish by hand\)\./,
    );
    const report = JSON.parse(readFileSync(join(parent, 'r.json'), 'utf8'));
    expect(report.summary).toMatchObject({ calls: 3, updated: 0, manual: 3, acknowledged: 3 });
    expect(
      report.files.flatMap((f: { calls: Array<{ acknowledged?: boolean }> }) => f.calls.map((c) => c.acknowledged)),
    ).toEqual([true, true, true]);
    const markdown = readFileSync(join(parent, 'm.md'), 'utf8').split('\n');
    expect(markdown[2]).toBe(
      '**Tracking calls complete:** 0/3 (0%) before this run, 0/3 (0%) after it (0 updated); 3 left for a person (3 of them marked with a `// recon-codemod:` comment).',
    );

    // Each mark: the code and an action that fits on the line, whole (never a cut sentence).
    const marks = readFileSync(join(app, 'route.ts'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('recon-codemod:'));
    expect(marks.map((l) => l.trim().split(':').slice(0, 2).join(':'))).toEqual([
      '// recon-codemod: no-source',
      '// recon-codemod: positional-arguments',
      '// recon-codemod: untyped-tracker',
    ]);
    for (const mark of marks) {
      expect(mark.length, mark).toBeLessThanOrEqual(130);
      expect(mark, mark).not.toMatch(/\.\.\.|…/);
    }

    const check = await runCli(['app', '--check'], parent);
    expect(check.code, check.stderr).toBe(0);
    expect(
      check.stderr
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[0]),
    ).toEqual(['acknowledged', 'acknowledged', 'acknowledged']);
    expect(check.stdout).toMatch(/3 manual \(3 acknowledged/);
    // --help says what --check accepts.
    expect((await runCli(['--help'], parent)).stdout).toMatch(
      /--check {15}for CI: exit 1 if any tracking call is neither complete nor acknowledged/,
    );
  });

  it('manual reasons quote one line of code at most and say what to change; paths are relative to the cwd, and the JSON names it', async () => {
    const { parent, app } = manualApp();
    const one = await runCli(['app', '--json', 'r.json', '--report', 'm.md'], parent);
    expect(one.code).toBe(0);
    const report = JSON.parse(readFileSync(join(parent, 'r.json'), 'utf8'));
    expect(report.root).toBe(parent.replace(/\\/g, '/'));
    expect(report.files.map((f: { path: string }) => f.path)).toEqual(['app/route.ts']);
    expect(one.stderr).toContain(
      'manual app/route.ts:12:9 positional-arguments: `trackPositional(…)` passes 3 positional arguments',
    );
    const reasons = report.files[0].calls.map((c: { reason: string }) => c.reason);
    for (const reason of reasons) expect(reason, reason).not.toContain('\n');
    expect(reasons[1]).not.toContain('completion.usage');
    expect(reasons[1]).toContain(
      'add a parameter for each of the three values to the tracker and pass them here, or change it to take one object',
    );
    // The tracker's type may already have the fields: the message says so, and promises nothing that is not printed.
    expect(reasons[2]).toContain(
      'cannot tell whether it has `openai_request_id`, `openai_created`, `system_fingerprint`: if it has them, pass them here by hand',
    );
    const markdown = readFileSync(join(parent, 'm.md'), 'utf8');
    expect(markdown).not.toMatch(/prints them/);
    expect(markdown.split('\n')[2]).toBe('**Tracking calls complete:** 0/3 (0%) now; 3 left for a person.');

    // Run inside the app, or on its files one by one: the same files, each relative to where the command ran.
    const inside = await runCli(['.', '--json', 'r.json'], app);
    expect(JSON.parse(readFileSync(join(app, 'r.json'), 'utf8')).files.map((f: { path: string }) => f.path)).toEqual([
      'route.ts',
    ]);
    expect(inside.stderr).toContain('manual route.ts:7:9 no-source');
    const several = await runCli(['app/route.ts', 'app/tracking.ts', '--json', 'r2.json'], parent);
    expect(
      JSON.parse(readFileSync(join(parent, 'r2.json'), 'utf8')).files.map((f: { path: string }) => f.path),
    ).toEqual(['app/route.ts']);
    expect(several.code).toBe(0);
  });
});
