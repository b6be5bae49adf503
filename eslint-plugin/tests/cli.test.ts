/**
 * The plugin as a user runs it: the real `eslint` CLI, a flat config file that imports the compiled plugin
 * (`dist/eslint-plugin/index.js`) and spreads nothing but `recon.configs.recommended`, over a temp copy of the demo
 * app; the built `recon-codemod` CLI (test/helpers.ts's runCli) for the expected count and for `--write`; and the SARIF formatter for GitHub code
 * scanning.
 *
 * One dry run and one `--write` (the codemod does not depend on the ESLint major) serve both majors: `before/` is the
 * demo app as shipped, `after/` the same app once written. They sit side by side under one `eslint.config.js` with two
 * more apps (CYCLE_APPS: wrappers that call each other, and an ordinary file: one file never stops the run), and each
 * major lints them all in one run (ESLint's start is most of a lint this size). ESLint 9's run prints its JSON results
 * and writes the SARIF file in the same run (a formatter of this test's that calls the SARIF formatter), so the SARIF
 * test costs no lint of its own.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/helpers.js';

const REPO = resolve(import.meta.dirname, '../..');
const ESLINT_BIN = join(REPO, 'node_modules', 'eslint', 'bin', 'eslint.js');
/** ESLint 10, installed side by side as `eslint-v10` (npm alias): the plugin must work with both majors. */
const ESLINT_10_BIN = join(REPO, 'node_modules', 'eslint-v10', 'bin', 'eslint.js');
const PLUGIN_DIST = join(REPO, 'dist', 'eslint-plugin', 'index.js');
const RULE_ID = 'recon/require-reconciliation-fields';
/** Linted in the same runs as the demo app (directory → the fixture copied there): wrappers that call each other,
 * and an ordinary file beside them. */
const CYCLE_FIXTURES: Record<string, string> = { cycle: 'recursive-wrapper-cycle', plain: 'chat-completion' };
const CYCLE_APPS = Object.keys(CYCLE_FIXTURES);

let work: string;
/** The demo app as shipped. */
let before: string;
/** The demo app after `recon-codemod --write`. */
let after: string;
/** The calls the codemod's dry run over `before` reports as not complete (what the rule must report). */
let expected: string[];

function run(bin: string, args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CI: '1', ESLINT_USE_FLAT_CONFIG: 'true' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface EslintResult {
  filePath: string;
  messages: Array<{
    ruleId: string | null;
    severity: number;
    line: number;
    column: number;
    message: string;
    suggestions?: unknown[];
  }>;
}

interface Lint {
  /** The results of the files under `before/`, and of those under `after/`. */
  before: EslintResult[];
  after: EslintResult[];
  /** The results of the other apps (CYCLE_APPS), by their directory. */
  others: EslintResult[];
  /** The exit code CI sees (the same run: a formatter does not change the code). */
  code: number | null;
  stderr: string;
}

/** One lint of all the apps, as `eslint --max-warnings 0 before after cycle plain` in their parent directory. */
function lintJson(bin = ESLINT_BIN, format = 'json'): Lint {
  const { stdout, stderr, code } = run(
    bin,
    ['--max-warnings', '0', '--format', format, 'before', 'after', ...CYCLE_APPS],
    work,
  );
  let results: EslintResult[];
  try {
    results = JSON.parse(stdout) as EslintResult[];
  } catch {
    throw new Error(`eslint printed no JSON:\n${stdout}\n${stderr}`);
  }
  const under = (dir: string) => results.filter((r) => r.filePath.startsWith(dir + sep));
  return {
    before: under(before),
    after: under(after),
    others: CYCLE_APPS.flatMap((name) => under(join(work, name))),
    code,
    stderr,
  };
}

/** A formatter that prints ESLint's JSON (what `--format json` prints: the results, stringified) and writes the SARIF
 * formatter's output to SARIF_FILE. */
const BOTH_FORMATTER = `const { writeFileSync } = require('node:fs');
// Resolved from the working directory, as ESLint resolves \`--format @microsoft/eslint-formatter-sarif\`.
const sarif = require(require.resolve('@microsoft/eslint-formatter-sarif', { paths: [process.cwd()] }));
module.exports = function (results, context) {
  writeFileSync(process.env.SARIF_FILE, sarif(results, context));
  return JSON.stringify(results);
};
`;

let sarifFile: string;
let lint9: Lint | undefined;

/** ESLint 9 over all the apps, once: its JSON results, and the SARIF file of the same run. */
function lintWith9() {
  if (!lint9) {
    const formatter = join(work, 'json-and-sarif.cjs');
    writeFileSync(formatter, BOTH_FORMATTER);
    sarifFile = join(work, 'eslint.sarif');
    process.env.SARIF_FILE = sarifFile;
    try {
      lint9 = lintJson(ESLINT_BIN, formatter);
    } finally {
      delete process.env.SARIF_FILE;
    }
  }
  return lint9;
}

interface CodemodJson {
  files: Array<{ path: string; calls: Array<{ line: number; column: number; status: string; reason?: string }> }>;
}

/** The calls the rule must report, from the codemod's own JSON report: not complete, minus the spread exception. */
function incompleteCalls(report: CodemodJson) {
  return report.files.flatMap((f) =>
    f.calls
      .filter((c) => c.status !== 'complete' && !(c.status === 'manual' && c.reason?.startsWith('spread-unknown')))
      .map((c) => `${f.path}:${c.line}:${c.column}`),
  );
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'recon-eslint-'));
  // What a user writes: the two lines of the README, the plugin imported from the built package.
  const config = `import recon from ${JSON.stringify(pathToFileURL(PLUGIN_DIST).href)};\nexport default [recon.configs.recommended];\n`;
  writeFileSync(join(work, 'eslint.config.js'), config);
  // The user's installed packages (eslint resolves `--format @microsoft/eslint-formatter-sarif` from the cwd).
  symlinkSync(join(REPO, 'node_modules'), join(work, 'node_modules'), 'junction');
  [before, after] = ['before', 'after'].map((name) => {
    const app = join(work, name);
    cpSync(join(REPO, 'fixtures', 'demo-app'), app, { recursive: true });
    return app;
  });
  // Wrappers that call themselves or each other across modules, next to an ordinary file (the fixtures' inputs).
  for (const [name, fixture] of Object.entries(CYCLE_FIXTURES)) {
    cpSync(join(REPO, 'fixtures', fixture), join(work, name), { recursive: true });
    rmSync(join(work, name, 'output.ts'));
  }
  const jsonFile = join(work, 'before.json');
  // Run in the app: the report's paths are relative to the working directory.
  const dry = await runCli(['.', '--json', jsonFile, '--quiet'], before);
  expect(dry.code, dry.stderr).toBe(0);
  expected = incompleteCalls(JSON.parse(readFileSync(jsonFile, 'utf8')) as CodemodJson).sort();
  // --no-verify: what --write writes on the demo app, type-checked, is test/cli.test.ts's (byte for byte
  // fixtures/demo-app-expected, which test/demo-app-typecheck.test.ts type-checks); here the lint is the point.
  const write = await runCli([after, '--write', '--no-verify', '--allow-dirty', '--quiet'], work);
  expect(write.code, write.stderr).toBe(0);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('eslint CLI with recon.configs.recommended over the demo app', () => {
  it.each([
    ['9', ESLINT_BIN],
    ['10', ESLINT_10_BIN],
  ])(
    'ESLint %s reports exactly one error per call the codemod reports as not complete, then none after --write',
    (major, bin) => {
      // The package the bin belongs to (what `eslint --version` prints).
      expect(
        (JSON.parse(readFileSync(join(bin, '..', '..', 'package.json'), 'utf8')) as { version: string }).version,
      ).toMatch(new RegExp(`^${major}\\.`));
      expect(expected.length).toBeGreaterThan(0);

      const lint = bin === ESLINT_BIN ? lintWith9() : lintJson(bin);
      const found = lint.before;
      const reported = found.flatMap((r) =>
        r.messages
          .filter((m) => m.ruleId === RULE_ID)
          .map((m) => `${r.filePath.slice(before.length + 1).replace(/\\/g, '/')}:${m.line}:${m.column}`),
      );
      expect(reported.sort()).toEqual(expected);
      const all = found.flatMap((r) => r.messages);
      expect(all.every((m) => m.ruleId === RULE_ID && m.severity === 2)).toBe(true);
      expect(all.filter((m) => m.suggestions?.length).length).toBeGreaterThan(0);
      expect(lint.code).toBe(1); // CI fails

      // After --write: every file linted, and not one message (no report, no parse error, no crash of the rule).
      expect(lint.after.map((r) => r.filePath.slice(after.length + 1)).sort()).toEqual(
        found.map((r) => r.filePath.slice(before.length + 1)).sort(),
      );
      expect(lint.after.flatMap((r) => r.messages)).toEqual([]);
    },
  );

  it('writes SARIF for GitHub code scanning that names the rule', () => {
    const { code } = lintWith9();
    expect(code).toBe(1);
    const sarif = JSON.parse(readFileSync(sarifFile, 'utf8')) as {
      version: string;
      runs: Array<{
        tool: { driver: { name: string; rules?: Array<{ id: string; helpUri?: string }> } };
        results: Array<{ ruleId: string; level: string; message: { text: string } }>;
      }>;
    };
    expect(sarif.version).toBe('2.1.0');
    const [runEntry] = sarif.runs;
    expect(runEntry.tool.driver.name).toBe('ESLint');
    const rule = runEntry.tool.driver.rules?.find((r) => r.id === RULE_ID);
    expect(rule).toBeDefined();
    expect(rule?.helpUri).toMatch(/eslint-plugin\/docs\/rules\/require-reconciliation-fields\.md$/);
    expect(runEntry.results.length).toBeGreaterThan(0);
    expect(runEntry.results.every((r) => r.ruleId === RULE_ID && r.level === 'error')).toBe(true);
    expect(runEntry.results[0].message.text).toContain('openai_request_id');
  });
  it('one file never stops the run: wrappers that call each other are reported as manual, every file linted, exit 1 (problems found), not 2', () => {
    const lint = lintWith9();
    expect(lint.stderr).not.toMatch(/Oops|Maximum call stack/);
    expect(lint.code, lint.stderr).toBe(1);
    const reported = (suffix: string) =>
      lint.others.find((f) => f.filePath.endsWith(suffix))?.messages.filter((m) => m.ruleId === RULE_ID) ?? [];
    const cycle = reported(`cycle${sep}input.ts`);
    expect(cycle).toHaveLength(3);
    expect(cycle.every((m) => /leaves this call to you.*calls itself/.test(m.message))).toBe(true);
    expect(reported(`plain${sep}input.ts`)).toHaveLength(1);
  });
});
