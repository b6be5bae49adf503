/**
 * codemods/jscodeshift.cjs gives the CLI's output, byte for byte:
 *  - every fixture (fixtures/<case>/input.*), through a direct call of the transform, against `recon-codemod --write`
 *    run over a copy of the same fixtures; one changed and one unchanged file through jscodeshift's own
 *    `applyTransform` too (it trims its result, so the direct call is the byte-exact check);
 *  - the demo app, through the real `jscodeshift` binary (its worker processes, its file writing), against
 *    fixtures/demo-app-expected, and a second run changes nothing;
 *  - options pass through: `--recon-config` (the CLI's `--config` file) changes what the transform does, exactly as it
 *    changes what the CLI does.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli, snapshotTree, tempDir } from './helpers.js';

const require = createRequire(import.meta.url);
type Transform = ((
  file: { path: string; source: string },
  api: unknown,
  options?: Record<string, unknown>,
) => string | undefined) & { parser?: string };
const transform = require(join(REPO, 'codemods', 'jscodeshift.cjs')) as Transform;
const { applyTransform } = require('jscodeshift/dist/testUtils') as {
  applyTransform: (
    module: unknown,
    options: unknown,
    input: { path: string; source: string },
    testOptions?: unknown,
  ) => string;
};
const JSCODESHIFT = join(REPO, 'node_modules', '.bin', 'jscodeshift');

const INPUT = /^input\.(ts|tsx|js|jsx|mts|cts)$/;
const fixtureNames = readdirSync(join(REPO, 'fixtures'), { withFileTypes: true })
  .filter(
    (d) =>
      d.isDirectory() &&
      !d.name.startsWith('demo-app') &&
      readdirSync(join(REPO, 'fixtures', d.name)).some((f) => INPUT.test(f)),
  )
  .map((d) => d.name)
  .sort();

/** A copy of every fixture, and the same copy after `recon-codemod --write`. */
let before: string;
let after: string;
let reportPath: string | undefined;
let report: { files: Array<{ path: string; status: string; error?: string }> };

beforeAll(async () => {
  before = mkdtempSync(join(tmpdir(), 'recon-jscs-before-'));
  for (const name of fixtureNames) cpSync(join(REPO, 'fixtures', name), join(before, name), { recursive: true });
  after = mkdtempSync(join(tmpdir(), 'recon-jscs-after-'));
  cpSync(before, after, { recursive: true });
  reportPath = join(before, '..', `${after.split('/').pop()}.json`);
  const cli = await runCli(['.', '--write', '--quiet', '--json', reportPath], after);
  expect([0, 1], cli.stderr).toContain(cli.code);
  report = JSON.parse(readFileSync(reportPath, 'utf8'));
});

afterAll(() => {
  for (const dir of [before, after, reportPath]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The outcomes already checked through jscodeshift's applyTransform. */
const throughApplyTransform = new Set<'changed' | 'unchanged'>();

describe('codemods/jscodeshift.cjs on every fixture, against the CLI', () => {
  it('finds the fixtures', () => {
    expect(fixtureNames.length).toBeGreaterThanOrEqual(38);
  });

  for (const name of fixtureNames) {
    it(name, () => {
      const input = readdirSync(join(before, name)).find((f) => INPUT.test(f))!;
      const path = join(before, name, input);
      const source = readFileSync(path, 'utf8');
      const cliText = readFileSync(join(after, name, input), 'utf8');
      const cliStatus = report.files.find((f) => f.path === `${name}/${input}`)?.status;
      // The transform runs on the pre-run copy, with the same root for tsconfig lookups the CLI had.
      const options = { root: before };
      if (cliStatus === 'error') {
        expect(() => transform({ path, source }, {}, options)).toThrow(/recon-codemod/);
        expect(cliText).toBe(source);
        return;
      }
      // The CLI also extended the tracker's type (or row) in another file of the fixture, which a transform cannot write.
      const otherFiles = [...snapshotTree(join(after, name))]
        .filter(([file, bytes]) => file !== input && !readFileSync(join(before, name, file)).equals(bytes))
        .map(([file]) => file);
      if (otherFiles.length) {
        // Those calls are left as they are and reported, naming the file; nothing is written without it.
        const reports: string[] = [];
        const alone = transform({ path, source }, { report: (m: string) => reports.push(m) }, options);
        expect(alone ?? source).not.toBe(cliText);
        expect(
          reports.some((r) =>
            / manual untyped-tracker: .* must take .* first, and only this file is written here/.test(r),
          ),
        ).toBe(true);
        for (const other of otherFiles) expect(reports.join('\n')).toContain(join(before, name, other));
        // Once that file is as the CLI wrote it (the after copy), the transform writes what the CLI wrote.
        expect(transform({ path: join(after, name, input), source }, {}, { root: after }) ?? source).toBe(cliText);
        return;
      }
      const direct = transform({ path, source }, {}, options);
      expect(direct ?? source).toBe(cliText);
      expect(direct === undefined).toBe(cliText === source);
      // jscodeshift's own test utility (it trims, and gives '' for "unchanged"): that jscodeshift takes the module as
      // a transform, once for a file it changes and once for one it leaves (the direct call above is the byte check).
      const outcome = direct === undefined ? 'unchanged' : 'changed';
      if (!throughApplyTransform.has(outcome)) {
        throughApplyTransform.add(outcome);
        expect(applyTransform(transform, options, { path, source })).toBe(cliText === source ? '' : cliText.trim());
      }
    });
  }
});

describe('the fixtures through applyTransform', () => {
  it('had a file the transform changes and one it leaves', () => {
    expect([...throughApplyTransform].sort()).toEqual(['changed', 'unchanged']);
  });
});

describe('the real jscodeshift binary', () => {
  it('rewrites a copy of the demo app to fixtures/demo-app-expected, and a second run changes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'recon-jscs-demo-'));
    cpSync(join(REPO, 'fixtures', 'demo-app'), dir, { recursive: true });
    const run = (...more: string[]) =>
      spawnSync(
        JSCODESHIFT,
        [
          '-t',
          join(REPO, 'codemods', 'jscodeshift.cjs'),
          'src',
          '--extensions=ts,tsx',
          '--parser=tsx',
          '--fail-on-error',
          ...more,
        ],
        {
          cwd: dir,
          encoding: 'utf8',
        },
      );
    const first = run();
    expect(first.status, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toMatch(/11 ok/);
    const got = snapshotTree(join(dir, 'src'));
    const want = snapshotTree(join(REPO, 'fixtures', 'demo-app-expected', 'src'));
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [file, bytes] of want) expect(got.get(file)?.equals(bytes), file).toBe(true);

    // In band: the first run went through jscodeshift's worker processes (the README's command); this one is only
    // about the transform finding nothing left to do.
    const second = run('--run-in-band');
    expect(second.status, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toMatch(/0 ok/);
    expect(snapshotTree(join(dir, 'src'))).toEqual(got);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('options pass through', () => {
  it('--recon-config (the CLI --config file) applies, as it does for the CLI', async () => {
    const dir = tempDir('recon-jscs-config-');
    cpSync(join(REPO, 'fixtures', 'chat-completion'), dir, { recursive: true });
    for (const file of readdirSync(dir)) {
      if (!/\.(ts|tsx)$/.test(file)) continue;
      const text = readFileSync(join(dir, file), 'utf8').replaceAll('trackTokenUsage', 'logUsage');
      writeFileSync(join(dir, file), file === 'tracking.ts' ? text.replaceAll('openai_request_id', 'requestId') : text);
    }
    rmSync(join(dir, 'output.ts'), { force: true });
    const config = join(dir, 'recon.json');
    writeFileSync(config, JSON.stringify({ callees: ['logUsage'], fieldNames: { openai_request_id: 'requestId' } }));
    const path = join(dir, 'input.ts');
    const source = readFileSync(path, 'utf8');

    // Without the config the callee is not a tracker: nothing to do.
    expect(transform({ path, source }, {}, { root: dir })).toBeUndefined();
    const withConfig = transform({ path, source }, {}, { root: dir, 'recon-config': config });
    expect(withConfig).toContain('requestId:');

    const cli = await runCli(['input.ts', '--write', '--quiet', '--config', config], dir);
    expect(cli.code, cli.stderr).toBe(0);
    expect(withConfig).toBe(readFileSync(path, 'utf8'));

    // A bad config is an error with the reason, not a silent no-op.
    writeFileSync(config, JSON.stringify({ callees: ['logUsage'], bogus: 1 }));
    expect(() => transform({ path, source }, {}, { root: dir, 'recon-config': config })).toThrow(/unknown key "bogus"/);
    rmSync(dir, { recursive: true, force: true });
  });
});
