/**
 * The guarantee: over every codemod fixture (fixtures/<case>/, found by glob, and the demo app before and after), the
 * lint rule reports a call if and only if the codemod's plan for that call is not `complete` (minus the documented
 * exception: a spread the engine cannot see into), and its suggestions are the codemod's edits:
 *  - a file with a single updated call: applying that call's suggestion gives exactly the codemod's output;
 *  - any file: applying suggestions one at a time (re-linting after each, as a person in an editor would) until none
 *    is left gives exactly the codemod's output.
 * The codemod runs with its schema step, as `--write` does. A call whose edit also needs the schema step in another
 * file (the tracker's parameter type or row: a suggestion cannot edit it, and this file's edit alone would not
 * compile) is reported with no suggestion, naming that file and type; once that file has the codemod's edit (here: in
 * a copy of the fixture), the suggestions finish the file, again exactly as the codemod does.
 *
 * The rule runs through ESLint's own `ESLint` class with `recon.configs.recommended` (the user's setup), the codemod
 * through `addReconciliationFields` with the same disk host the CLI uses.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';
import { addReconciliationFields } from '../../codemods/add-reconciliation-fields.js';
import { standaloneEdit, type FilePlan, type ProjectHost, type TransformResult } from '../../src/engine/index.js';
import { createNodeHost, toPosix } from '../../src/node-host.js';
import recon from '../index.js';
import { clearHostCache } from '../rules/require-reconciliation-fields.js';

const REPO = resolve(import.meta.dirname, '../..');
const FIXTURES = join(REPO, 'fixtures');
const RULE_ID = 'recon/require-reconciliation-fields';
const SOURCE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;

function sourcesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules') continue;
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...sourcesUnder(full));
    else if (SOURCE.test(entry) && !entry.endsWith('.d.ts')) out.push(full);
  }
  return out.sort();
}

/** Every fixture directory with an `input.<ext>` (added by others as they write them), plus the demo app pair. */
function fixtureDirectories(): string[] {
  const dirs = readdirSync(FIXTURES)
    .map((name) => join(FIXTURES, name))
    .filter((dir) => statSync(dir).isDirectory() && readdirSync(dir).some((f) => /^input\.[cm]?[jt]sx?$/.test(f)));
  return [...dirs, join(FIXTURES, 'demo-app'), join(FIXTURES, 'demo-app-expected')];
}

const eslintIn = (cwd: string) =>
  new ESLint({ cwd, overrideConfigFile: true, overrideConfig: [recon.configs.recommended as Linter.Config] });
const eslint = eslintIn(REPO);

/** Copies of fixture directories in which the schema step's edits of other files are made (one per directory). */
const COPIES = mkdtempSync(join(tmpdir(), 'recon-agreement-'));
const copies = new Map<string, string>();
// ESLint lints only files under its working directory.
const eslintInCopies = eslintIn(COPIES);
afterAll(() => rmSync(COPIES, { recursive: true, force: true }));

/** The last lint: a case lints its text, then lints it again as the first step of applying the suggestions. */
let lastLint: { path: string; text: string; messages: Linter.LintMessage[] } | undefined;

async function lint(path: string, text: string): Promise<Linter.LintMessage[]> {
  if (lastLint?.path === path && lastLint.text === text) return lastLint.messages;
  const [result] = await (path.startsWith(COPIES) ? eslintInCopies : eslint).lintText(text, { filePath: path });
  lastLint = { path, text, messages: result.messages };
  return result.messages;
}

/** Runs made in this file, by file: the collection below, the overview test and each case ask for the same ones. */
const runs = new Map<string, { text: string; result: TransformResult }>();

/** The disk host of each fixture directory, as the CLI has one per run: the fixtures do not change in this file. */
const hosts = new Map<string, ProjectHost>();

/** The codemod's run over one file (schema step included), as the CLI makes it over that fixture directory. */
function codemodRun(dir: string, path: string, text: string, fixSuspect = false): TransformResult {
  const key = `${fixSuspect}\0${dir}\0${path}`;
  const known = runs.get(key);
  if (known?.text === text) return known.result;
  let host = hosts.get(dir);
  if (!host) hosts.set(dir, (host = createNodeHost(dir)));
  const result = addReconciliationFields([{ path: toPosix(path), text }], {
    readFile: host.readFile,
    pathAliases: host.pathAliases,
    fixSuspect,
  });
  runs.set(key, { text, result });
  return result;
}

/** The codemod's plan for one file. */
const codemodPlan = (dir: string, path: string, text: string, fixSuspect = false): FilePlan =>
  codemodRun(dir, path, text, fixSuspect).files[0];

const BOM = '\uFEFF';

/** Apply one suggestion as an editor does: ESLint's ranges index the text without its BOM. */
function applySuggestion(text: string, fix: { range: [number, number]; text: string }): string {
  const bom = text.startsWith(BOM) ? BOM : '';
  const body = text.slice(bom.length);
  return bom + body.slice(0, fix.range[0]) + fix.text + body.slice(fix.range[1]);
}

const reported = (plan: FilePlan) =>
  plan.calls.filter(
    (c) => c.status !== 'complete' && !(c.status === 'manual' && (c.reasonCode === 'spread-unknown' || c.acknowledged)),
  );

const allFiles = fixtureDirectories().flatMap((dir) =>
  sourcesUnder(dir).map((file) => ({ dir, file, name: relative(FIXTURES, file) })),
);
// A test per file with a tracking call in the codemod's plan; the files with none (the trackers themselves, helpers,
// clients, types beside the fixtures) are checked together in one test: the rule must report nothing there either.
const withCalls = new Set(
  allFiles.filter(({ dir, file }) => codemodPlan(dir, file, readFileSync(file, 'utf8')).calls.length > 0),
);
const cases = allFiles.filter((c) => withCalls.has(c));
const others = allFiles.filter((c) => !withCalls.has(c));

describe('the rule reports a call iff the codemod plan is not complete', () => {
  it('finds the fixtures, and they exercise updated, manual and the spread exception', () => {
    expect(cases.length).toBeGreaterThan(20);
    const calls = cases.flatMap(({ dir, file }) => codemodPlan(dir, file, readFileSync(file, 'utf8')).calls);
    const count = (pred: (c: (typeof calls)[number]) => boolean) => calls.filter(pred).length;
    expect(count((c) => c.status === 'updated')).toBeGreaterThan(10);
    expect(count((c) => c.status === 'complete')).toBeGreaterThan(5);
    expect(count((c) => c.status === 'manual' && c.reasonCode !== 'spread-unknown')).toBeGreaterThan(3);
    expect(count((c) => c.reasonCode === 'spread-unknown')).toBeGreaterThan(0);
  });

  it.each(cases)('$name', async ({ dir, file }) => {
    const text = readFileSync(file, 'utf8');
    const result = codemodRun(dir, file, text);
    const plan = result.files[0];
    const messages = (await lint(file, text)).filter((m) => m.ruleId === RULE_ID);
    // The other files the schema step edits for a call: then the call's edit is no fix on its own.
    const elsewhere = (c: FilePlan['calls'][number]) => standaloneEdit(result, plan.path, c).elsewhere;

    // Position, kind and the fields named: the same calls, one report each.
    const expected = reported(plan).map((c) => ({
      line: c.line,
      column: c.column,
      messageId:
        c.reasonCode === 'suspect-value'
          ? 'suspectValue'
          : c.status === 'manual'
            ? 'manual'
            : elsewhere(c).length
              ? 'missingFieldsTrackerElsewhere'
              : 'missingFields',
      // A suspect value's suggestion is the replacement `--fix-suspect` makes, when every right value is certain; an
      // updated call's is its edit, unless that needs another file's edit too.
      suggestions: (c.status === 'updated' && !elsewhere(c).length) || c.suspectFix ? 1 : 0,
    }));
    const actual = messages.map((m) => ({
      line: m.line,
      column: m.column,
      messageId: m.messageId,
      suggestions: m.suggestions?.length ?? 0,
    }));
    expect(actual).toEqual(expected);
    for (const [i, call] of reported(plan).entries()) {
      expect(messages[i].message).toContain(call.missing.map((f) => `\`${f}\``).join(', '));
      if (call.status === 'manual') expect(messages[i].message).toContain(call.reason!.replace(/\.$/, ''));
      // The message names what else `--write` changes: the type, and its file as the user's terminal shows it.
      for (const other of call.status === 'updated' ? elsewhere(call) : []) {
        const schema = result.files.find((f) => f.path === other)!.schema!;
        expect(messages[i].message).toContain(` in ${toPosix(relative(REPO, other))}`);
        if (!schema.typeName.startsWith('the ')) expect(messages[i].message).toContain(`\`${schema.typeName}\``);
      }
    }

    const updated = plan.calls.filter((c) => c.status === 'updated');
    if (updated.length === 1 && !elsewhere(updated[0]).length) {
      const suggestion = messages.find((m) => m.suggestions?.length)!.suggestions![0];
      expect(applySuggestion(text, suggestion.fix)).toBe(plan.output);
    }

    // Suggestions applied one by one, re-linting after each as a person in an editor would, give the codemod output;
    // they include the replacement of suspect values: the output of `--fix-suspect`.
    const fixedRun = codemodRun(dir, file, text, true);
    const fixed = fixedRun.files[0];
    const applyAll = async (path: string, start: string) => {
      let current = start;
      for (let round = 0; round < 20; round++) {
        const next = (await lint(path, current)).find((m) => m.ruleId === RULE_ID && m.suggestions?.length);
        if (!next) return current;
        current = applySuggestion(current, next.suggestions![0].fix);
      }
      return current;
    };
    let current = await applyAll(file, text);
    const needOtherFiles = fixed.calls.some(
      (c) => c.status === 'updated' && standaloneEdit(fixedRun, fixed.path, c).elsewhere.length,
    );
    if (needOtherFiles) {
      // What is left are the calls whose edit needs the other files: no suggestion, the other files named.
      const left = (await lint(file, current)).filter((m) => m.ruleId === RULE_ID);
      expect(left.length).toBeGreaterThan(0);
      expect(left.every((m) => m.messageId === 'missingFieldsTrackerElsewhere' || m.messageId === 'manual')).toBe(true);
      // Once those files have the codemod's edit (in a copy of the fixture), the suggestions finish the file.
      let copy = copies.get(dir);
      if (!copy) {
        copies.set(dir, (copy = join(COPIES, relative(FIXTURES, dir))));
        cpSync(dir, copy, { recursive: true });
      }
      for (const other of fixedRun.files.slice(1))
        if (other.output !== undefined) writeFileSync(join(copy, relative(dir, other.path)), other.output);
      // Read those files afresh, not from the rule's per-project cache of a few seconds ago.
      clearHostCache();
      current = await applyAll(join(copy, relative(dir, file)), current);
    }
    expect(current).toBe(fixed.output ?? text);
  });

  it('files with no tracking call in the plan: no report either', async () => {
    expect(others.length).toBeGreaterThan(10);
    for (const { file } of others) {
      expect(
        (await lint(file, readFileSync(file, 'utf8'))).filter((m) => m.ruleId === RULE_ID),
        file,
      ).toEqual([]);
    }
  });
});

describe('the rule reads the tracker and wrappers as the codemod does', () => {
  it('the demo app: one report per non-complete call, across all files, and none after the codemod', async () => {
    const app = join(FIXTURES, 'demo-app');
    const files = sourcesUnder(app);
    const host = createNodeHost(app);
    const inputs = files.map((f) => ({ path: toPosix(f), text: readFileSync(f, 'utf8') }));
    const plans = addReconciliationFields(inputs, { readFile: host.readFile, pathAliases: host.pathAliases }).files;
    let before = 0;
    let after = 0;
    for (const [i, plan] of plans.entries()) {
      before += (await lint(files[i], inputs[i].text)).filter((m) => m.ruleId === RULE_ID).length;
      after += (await lint(files[i], plan.output ?? inputs[i].text)).filter((m) => m.ruleId === RULE_ID).length;
    }
    const incomplete = plans.flatMap(reported).length;
    expect(incomplete).toBeGreaterThan(0);
    expect(before).toBe(incomplete);
    // After the codemod only the calls it left manual remain (none in the demo app).
    expect(after).toBe(plans.flatMap(reported).filter((c) => c.status === 'manual').length);
  });
});
