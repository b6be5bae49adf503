/**
 * docs/multi-repo.md's recipes, end to end on three local git repositories (one a monorepo), no network: the script and
 * the workflow are read from docs/multi-repo/, the command lines from the page. The test plays only what is not ours:
 * the `uses:` actions (checkout = a clone, upload/download-artifact = copies) and multi-gitter (runs the script in a
 * clone with REPOSITORY set, and takes the PR title and body from the script's commit, as its --manual-commit does).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, REPO, tempDir } from './helpers.js';

const DOCS = join(REPO, 'docs');
const page = readFileSync(join(DOCS, 'multi-repo.md'), 'utf8');
const script = readFileSync(join(DOCS, 'multi-repo', 'recon-migrate.sh'), 'utf8');
const workflowText = readFileSync(join(DOCS, 'multi-repo', 'recon-codemod.yml'), 'utf8');
// js-yaml comes with eslint (a devDependency); the workflow must at least be YAML that parses to the jobs below.
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
  'working-directory'?: string;
}
const workflow = yaml.load(workflowText) as {
  jobs: Record<string, { needs?: string; strategy?: { matrix: Record<string, string[]> }; steps: Step[] }>;
};
const step = (job: string, name: string) => {
  const found = workflow.jobs[job].steps.find((s) => s.name === name);
  if (!found?.run) throw new Error(`docs/multi-repo/recon-codemod.yml: no step "${name}" with a run in job ${job}`);
  return found;
};

/** The fenced code blocks of the page, in order, with their language. */
const blocks = [...page.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], text: m[2] }));

const NPX = 'npx --yes recon-codemod@0.1';
const LOCAL = `node ${JSON.stringify(BIN)}`;
// RECON_CODEMOD is split on spaces by the script (no quotes): the checkout's path has none.
const RECON_CODEMOD = `node ${BIN}`;
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } });

/** What GitHub Actions runs a `run:` block with. */
function runBlock(run: string, cwd: string, env: Record<string, string>) {
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', run], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...GIT_ENV, NO_COLOR: '1', CI: 'true', RECON_CODEMOD, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The three repositories: two apps, and a monorepo with two packages (each with its own package.json and tsconfig). */
function makeOrigins(root: string): Record<string, string> {
  const fixtures = join(REPO, 'fixtures');
  const origins: Record<string, string> = {};
  const init = (name: string, fill: (dir: string) => void) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    fill(dir);
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'init');
    origins[name] = dir;
  };
  init('billing', (dir) => cpSync(join(fixtures, 'demo-app'), dir, { recursive: true }));
  init('search', (dir) => cpSync(join(fixtures, 'pre-schema-app'), dir, { recursive: true }));
  init('platform', (dir) => {
    writeFileSync(join(dir, 'package.json'), '{ "name": "platform", "private": true, "workspaces": ["packages/*"] }\n');
    cpSync(join(fixtures, 'seed-shaped-app'), join(dir, 'packages', 'web'), { recursive: true });
    const worker = join(dir, 'packages', 'worker');
    mkdirSync(worker, { recursive: true });
    writeFileSync(join(worker, 'package.json'), '{ "name": "worker", "private": true }\n');
    cpSync(join(fixtures, 'seed-shaped-app', 'tsconfig.json'), join(worker, 'tsconfig.json'));
    for (const f of ['two-completions-ambiguous', 'openai-stream-not-captured', 'anthropic-not-openai']) {
      for (const file of ['input.ts', 'tracking.ts']) cpSync(join(fixtures, f, file), join(worker, 'src', f, file));
    }
  });
  return origins;
}

describe('docs/multi-repo.md: the page shows the files the recipes use', () => {
  it("embeds recon-migrate.sh and the workflow verbatim, and its merge commands are the workflow's", () => {
    expect(blocks.some((b) => b.lang === 'sh' && b.text === script)).toBe(true);
    expect(blocks.some((b) => b.lang === 'yaml' && b.text === workflowText)).toBe(true);
    const mergeLine = step('merge', 'Merge the reports').run!.split('\n')[0];
    expect(mergeLine.startsWith(`${NPX} report merge `)).toBe(true);
    const multiGitter = blocks
      .find((b) => b.lang === 'sh' && b.text.includes('multi-gitter run'))!
      .text.trim()
      .split('\n');
    expect(multiGitter.filter((l) => l.includes('report merge'))).toEqual([mergeLine, mergeLine]);
    const runs = multiGitter.filter((l) => l.startsWith('multi-gitter run ./recon-migrate.sh'));
    expect(runs).toHaveLength(2);
    expect(runs[0]).toContain('--dry-run');
    expect(runs[1]).not.toContain('--dry-run');
    for (const r of runs) expect(r).toContain('--manual-commit'); // the PR body comes from the script's commit
    expect(multiGitter[0]).toBe('export RECON_REPORTS="$PWD/reports"');
    expect(workflow.jobs.merge.needs).toBe('migrate');
  });
});

describe('the recipes on three local repositories', () => {
  const root = tempDir('recon-multi-repo-');
  let origins: Record<string, string>;
  const artifacts = join(root, 'artifacts');
  const matrix = workflow.jobs.migrate.strategy!.matrix.repository;
  const owner = 'acme';

  beforeAll(() => {
    origins = makeOrigins(join(root, 'origin'));
    expect(matrix.map((r) => r.split('/')[1]).sort()).toEqual(Object.keys(origins).sort());
  });

  it('GitHub Actions: one job per repository reports (a dry run), the last job merges the reports', () => {
    const run = step('migrate', 'Run the codemod');
    for (const [index, repository] of matrix.entries()) {
      const name = repository.split('/')[1];
      const job = join(root, `job-${index}`);
      const temp = join(job, 'runner-temp');
      mkdirSync(temp, { recursive: true });
      // actions/checkout: the workflow's own repository (holding recon-migrate.sh) in migration/, the target in repo/.
      mkdirSync(join(job, 'migration'));
      cpSync(join(DOCS, 'multi-repo', 'recon-migrate.sh'), join(job, 'migration', 'recon-migrate.sh'));
      git(job, 'clone', '-q', origins[name], 'repo');
      const env = Object.fromEntries(
        Object.entries(run.env ?? {}).map(([k, v]) => [
          k,
          String(v).replace('${{ matrix.repository }}', `${owner}/${name}`),
        ]),
      );
      const summary = join(job, 'step-summary.md');
      const result = runBlock(run.run!, join(job, run['working-directory']!), {
        ...env,
        GITHUB_WORKSPACE: job,
        RUNNER_TEMP: temp,
        GITHUB_STEP_SUMMARY: summary,
      });
      expect(result.stderr + result.stdout).not.toMatch(/fatal|Usage:/);
      expect(result.code, result.stderr).toBe(0);
      expect(git(join(job, 'repo'), 'status', '--porcelain')).toBe(''); // a dry run edits nothing
      expect(readdirSync(join(temp, 'recon')).sort()).toEqual([`${name}.json`, `${name}.md`]);
      expect(readFileSync(summary, 'utf8')).toBe(readFileSync(join(temp, 'recon', `${name}.md`), 'utf8'));
      // actions/upload-artifact: name recon-<job index>, the reports directory.
      const upload = workflow.jobs.migrate.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))!;
      expect(upload.with).toEqual({ name: 'recon-${{ strategy.job-index }}', path: '${{ runner.temp }}/recon/' });
      cpSync(join(temp, 'recon'), join(artifacts, `recon-${index}`), { recursive: true });
    }
    // The monorepo's own report has a section per package and a package on each call.
    const platformMd = readFileSync(
      join(artifacts, `recon-${matrix.findIndex((r) => r.endsWith('/platform'))}`, 'platform.md'),
      'utf8',
    );
    expect(platformMd).toContain('## Package `packages/web`');
    expect(platformMd).toContain('## Package `packages/worker`');
    expect(platformMd).toContain('#### `ambiguous-source` (1)');
    const callsOf = (name: string) => {
      const json = JSON.parse(
        readFileSync(
          join(artifacts, `recon-${matrix.findIndex((r) => r.endsWith(`/${name}`))}`, `${name}.json`),
          'utf8',
        ),
      );
      return json.files.flatMap((f: { calls: unknown[] }) => f.calls) as Array<{ package?: string }>;
    };
    expect(
      callsOf('platform')
        .map((c) => c.package)
        .sort(),
    ).toEqual([...Array(13).fill('packages/web'), ...Array(3).fill('packages/worker')]);
    expect(callsOf('billing').some((c) => 'package' in c)).toBe(false); // one package: the JSON keeps its shape

    // actions/download-artifact with merge-multiple: every artifact's files in reports/.
    const download = workflow.jobs.merge.steps.find((s) => s.uses?.startsWith('actions/download-artifact'))!;
    expect(download.with).toEqual({ pattern: 'recon-*', path: 'reports', 'merge-multiple': true });
    const mergeJob = join(root, 'merge-job');
    mkdirSync(join(mergeJob, 'reports'), { recursive: true });
    for (const a of readdirSync(artifacts)) cpSync(join(artifacts, a), join(mergeJob, 'reports'), { recursive: true });
    const merge = step('merge', 'Merge the reports').run!;
    expect(merge).toContain(NPX);
    const summary = join(mergeJob, 'step-summary.md');
    const result = runBlock(merge.replaceAll(NPX, LOCAL), mergeJob, { GITHUB_STEP_SUMMARY: summary });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      'recon-codemod report merge: 3 reports, 42 tracking calls: 2 complete before, 40 after, 2 left for a person.\n',
    );

    const org = JSON.parse(readFileSync(join(mergeJob, 'org.json'), 'utf8'));
    expect(org.schemaVersion).toBe(1);
    const pick = (r: Record<string, unknown>) => ({
      label: r.label,
      report: r.report,
      files: r.files,
      changed: r.changed,
      calls: r.calls,
      before: r.before,
      after: r.after,
      left: r.left,
      errors: r.errors,
    });
    expect(org.repos.map(pick)).toEqual([
      {
        label: 'billing',
        report: 'reports/billing.json',
        files: 16,
        changed: 11,
        calls: 13,
        before: 1,
        after: 13,
        left: 0,
        errors: 0,
      },
      {
        label: 'platform',
        report: 'reports/platform.json',
        files: 23,
        changed: 12,
        calls: 16,
        before: 1,
        after: 14,
        left: 2,
        errors: 0,
      },
      {
        label: 'search',
        report: 'reports/search.json',
        files: 16,
        changed: 13,
        calls: 13,
        before: 0,
        after: 13,
        left: 0,
        errors: 0,
      },
    ]);
    expect(org.repos[1].packages).toEqual([
      { package: 'packages/web', calls: 13, before: 1, after: 13, left: 0 },
      { package: 'packages/worker', calls: 3, before: 0, after: 1, left: 2 },
    ]);
    expect(org.repos[0].packages).toBeUndefined();
    expect(
      org.manual.map((g: { reasonCode: string; calls: number; repos: string[] }) => [g.reasonCode, g.calls, g.repos]),
    ).toEqual([
      ['ambiguous-source', 1, ['platform']],
      ['stream-not-captured', 1, ['platform']],
    ]);
    expect(org.manual[0].items[0]).toMatchObject({
      repo: 'platform',
      package: 'packages/worker',
      path: 'packages/worker/src/two-completions-ambiguous/input.ts',
      line: 17,
      column: 9,
    });
    expect(org.totals).toMatchObject({
      repos: 3,
      files: 55,
      changed: 36,
      calls: 42,
      before: 2,
      after: 40,
      left: 2,
      errors: 0,
    });

    const md = readFileSync(join(mergeJob, 'org.md'), 'utf8');
    expect(readFileSync(summary, 'utf8')).toBe(md);
    expect(md).toContain('| `billing` | 16 | 11 | 13 | 1 (8%) | 13 (100%) | 0 | 0 |');
    expect(md).toContain('| `platform` › `packages/worker` |  |  | 3 | 0 (0%) | 1 (33%) | 2 |  |');
    expect(md).toContain('| **total** | 55 | 36 | 42 | 2 (5%) | 40 (95%) | 2 | 0 |');
    expect(md).toContain('### `stream-not-captured` (1 in 1 repository)');
    expect(md).toContain(
      '- `platform` `packages/worker/src/two-completions-ambiguous/input.ts:17:9` `trackTokenUsage(…)`: `first`, `second`',
    );
    writeFileSync(join(root, 'org.md'), md); // kept for a reader of the test's temp dir while it runs
  });

  it('multi-gitter: the script --writes and commits; the commit gives the pull request its title and the report as body', () => {
    // multi-gitter clones, runs the script (made absolute, executable) in the clone with REPOSITORY set, no DRY_RUN.
    const clone = join(root, 'multi-gitter', 'billing');
    git(join(root), 'clone', '-q', origins.billing, clone);
    const head = git(clone, 'rev-parse', 'HEAD').trim();
    const reports = join(root, 'multi-gitter', 'reports');
    const r = spawnSync(join(DOCS, 'multi-repo', 'recon-migrate.sh'), [], {
      cwd: clone,
      encoding: 'utf8',
      env: {
        ...process.env,
        ...GIT_ENV,
        NO_COLOR: '1',
        CI: 'true',
        RECON_CODEMOD,
        REPOSITORY: `${owner}/billing`,
        RECON_REPORTS: reports,
      },
    });
    expect(r.status, r.stderr).toBe(0);
    // One commit on top, every edit in it, nothing left over (the reports are outside the repository).
    expect(git(clone, 'rev-list', '--count', `${head}..HEAD`).trim()).toBe('1');
    expect(git(clone, 'status', '--porcelain')).toBe('');
    expect(git(clone, 'diff', '--name-only', head, 'HEAD').trim().split('\n')).toHaveLength(11);
    // --manual-commit: title = the first line of the commit message, body = the rest, trimmed.
    const message = git(clone, 'log', '-1', '--format=%B');
    const [title, ...rest] = message.split('\n');
    expect(title).toBe('Add OpenAI reconciliation fields to token usage tracking');
    const report = readFileSync(join(reports, 'billing.md'), 'utf8');
    expect(rest.join('\n').trim()).toBe(report.trim());
    expect(JSON.parse(readFileSync(join(reports, 'billing.json'), 'utf8')).summary).toMatchObject({
      calls: 13,
      updated: 12,
      complete: 1,
      manual: 0,
    });
    expect(existsSync(join(clone, 'billing.md'))).toBe(false);
  });

  it('the script cuts a report longer than a pull request body allows after a whole line, and says so', () => {
    // A stand-in for recon-codemod (the script's RECON_CODEMOD): edits a file, writes a 100,000-character report.
    const dir = join(root, 'long-report');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.ts'), 'export const a = 1;\n');
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'init');
    const fake = join(root, 'fake-codemod.sh');
    writeFileSync(
      fake,
      `while [ $# -gt 0 ]; do case "$1" in --json) j="$2"; shift;; --report) m="$2"; shift;; esac; shift; done
echo 'export const a = 2;' > a.ts; echo '{}' > "$j"; for i in $(seq 1 2000); do printf '| row %04d | %040d |\\n' "$i" 0; done > "$m"\n`,
    );
    const reports = join(root, 'long-reports');
    const r = spawnSync(join(DOCS, 'multi-repo', 'recon-migrate.sh'), [], {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        ...GIT_ENV,
        RECON_CODEMOD: `bash ${fake}`,
        REPOSITORY: 'acme/long',
        RECON_REPORTS: reports,
      },
    });
    expect(r.status, r.stderr).toBe(0);
    const full = readFileSync(join(reports, 'long.md'), 'utf8');
    expect(full.length).toBe(2000 * 56); // 55 characters and a newline a row
    const body = git(dir, 'log', '-1', '--format=%b');
    expect(body.length).toBeLessThan(65_536);
    const lines = body.trimEnd().split('\n');
    expect(lines.at(-1)).toBe(
      '_The report is cut here (a pull request body holds 65,536 characters at most): the whole of it is long.md in the reports of the run._',
    );
    const kept = lines.slice(0, -2);
    expect(kept.length).toBe(Math.floor(60_000 / 56));
    expect(full.startsWith(`${kept.join('\n')}\n`)).toBe(true);
  });

  it('the script refuses a relative RECON_REPORTS (each repository would get its own)', () => {
    const r = spawnSync('bash', [join(DOCS, 'multi-repo', 'recon-migrate.sh')], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, RECON_REPORTS: 'reports' },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('set RECON_REPORTS to an absolute directory');
  });

  it('the script fails when the codemod wrote no report, even on the exit code 1 it otherwise accepts', () => {
    // `false` exits 1 like a run with unprocessable files, but writes nothing: a crash must not pass for a report.
    const reports = join(root, 'no-report');
    const r = spawnSync('bash', [join(DOCS, 'multi-repo', 'recon-migrate.sh')], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, RECON_REPORTS: reports, RECON_CODEMOD: 'false', DRY_RUN: 'true' },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('recon-codemod wrote no report');
  });
});
