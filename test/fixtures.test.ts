/**
 * Input/output fixture pairs, one per pattern of issue 3 (fixtures/<pattern>/), run through the real codemod module.
 *
 * Each fixture directory holds:
 *  - `input.<ext>` (ts, tsx, js, jsx, mts, cts): the file the codemod is given;
 *  - `output.<ext>` (optional): the hand-written expected text, compared byte for byte. Absent (or identical to the
 *    input) when nothing should change;
 *  - `expected.json` (optional): `{ "status"?: "changed" | "unchanged" | "error", "calls": [ { "status",
 *    "reasonCode"?: code | code[] (any of), "reasonIncludes"?: string[], "source"?: string, "notesInclude"?: string[]
 *    (each a substring of one of the call's notes), "acknowledged"?: boolean (a manual call marked with a
 *    `// recon-codemod:` comment) } ] }` in call order. `"calls": []` means no tracking call at all (look-alikes);
 *  - any other files the input imports (`tracking.ts` with the tracker's declared type, `model.ts`, `client.ts`), which
 *    the engine reads through `readFile` (only files of the fixture's own directory are served).
 *
 * For every fixture: the output matches, the statuses match, a second run over the output changes nothing
 * (idempotency), and the output re-parses. The hand-written outputs are the oracle: when the engine disagrees, the
 * fixture stays as it should be and is listed in KNOWN_ENGINE_GAPS (its failing checks run as `it.fails`, so the
 * suite fails again, as a reminder to remove the entry, once the engine is fixed).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { addReconciliationFields } from '../codemods/add-reconciliation-fields.js';
import type { FilePlan } from '../src/engine/types.js';
import { readPathAliases } from '../src/node-host.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixturesRoot = path.join(repoRoot, 'fixtures');
const toPosix = (p: string) => p.split(path.sep).join('/');

type Check = 'output' | 'statuses' | 'idempotent' | 'parses';

/**
 * Fixtures the engine gets wrong today: the checks that fail and why the fixture (not the engine) is right.
 * Remove an entry once the engine is fixed (its `it.fails` then fails).
 */
export const KNOWN_ENGINE_GAPS: Record<string, { checks: Check[]; why: string }> = {};

interface ExpectedCall {
  status: 'updated' | 'complete' | 'manual';
  reasonCode?: string | string[];
  reasonIncludes?: string[];
  source?: string;
  /** Substrings the call's notes must contain (each in some note): notes a reviewer reads even on updated calls. */
  notesInclude?: string[];
  /** A manual call already marked with a `// recon-codemod:` comment (the lint rule and --check accept it). */
  acknowledged?: boolean;
}

interface Expected {
  status?: FilePlan['status'];
  calls: ExpectedCall[];
}

interface Fixture {
  name: string;
  dir: string;
  files: Map<string, string>;
  inputPath: string;
  input: string;
  /** The expected text after the run (the input itself when nothing should change). */
  output: string;
  outputBytes?: Buffer;
  expected?: Expected;
}

const INPUT = /^input\.(ts|tsx|js|jsx|mts|cts)$/;

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else out.push(full);
  }
  return out.sort();
}

function loadFixtures(): Fixture[] {
  return (
    readdirSync(fixturesRoot)
      // A pattern fixture is a directory with an input file; others (demo-app, sdk-majors/, reconcile/) have their own suites.
      .filter(
        (name) =>
          !name.startsWith('demo-app') &&
          statSync(path.join(fixturesRoot, name)).isDirectory() &&
          readdirSync(path.join(fixturesRoot, name)).some((f) => /^input\.[cm]?[jt]sx?$/.test(f)),
      )
      .sort()
      .map((name) => {
        const dir = path.join(fixturesRoot, name);
        const files = new Map<string, string>();
        for (const file of listFiles(dir)) files.set(toPosix(file), readFileSync(file, 'utf8'));
        const inputs = readdirSync(dir).filter((f) => INPUT.test(f));
        if (inputs.length !== 1)
          throw new Error(`fixtures/${name}: expected exactly one input.* file, found ${inputs.length}`);
        const ext = INPUT.exec(inputs[0])![1];
        const inputPath = toPosix(path.join(dir, inputs[0]));
        const outputFile = path.join(dir, `output.${ext}`);
        const outputPath = toPosix(outputFile);
        const expectedPath = toPosix(path.join(dir, 'expected.json'));
        const input = files.get(inputPath)!;
        return {
          name,
          dir,
          files,
          inputPath,
          input,
          output: files.get(outputPath) ?? input,
          outputBytes: files.has(outputPath) ? readFileSync(outputFile) : undefined,
          expected: files.has(expectedPath) ? (JSON.parse(files.get(expectedPath)!) as Expected) : undefined,
        };
      })
  );
}

function run(fixture: Fixture, text: string): FilePlan {
  const { files } = addReconciliationFields([{ path: fixture.inputPath, text }], {
    // Only the fixture's own files: the tracker's type and any module it imports.
    readFile: (p) => (p === fixture.inputPath ? text : fixture.files.get(p)),
    // A fixture with its own tsconfig.json gets the aliases the CLI would read from it (nearest tsconfig, `extends`).
    pathAliases: existsSync(path.join(fixture.dir, 'tsconfig.json')) ? readPathAliases(fixture.dir) : undefined,
  });
  // The schema step may add a plan for the tracker's module (it is not the input): the input's plan is the one checked.
  const plan = files.find((f) => f.path === fixture.inputPath);
  expect(plan).toBeDefined();
  return plan!;
}

function parseErrors(fileName: string, text: string): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const diagnostics = (sf as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
  return diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

function describeCalls(plan: FilePlan) {
  return plan.calls.map((c) => ({
    line: c.line,
    status: c.status,
    source: c.source,
    reasonCode: c.reasonCode,
    reason: c.reason,
    added: c.added,
    notes: c.notes,
    acknowledged: c.acknowledged,
  }));
}

const fixtures = loadFixtures();

describe('fixtures', () => {
  it('there is one fixture per pattern, and each known gap names a fixture', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(38);
    const names = new Set(fixtures.map((f) => f.name));
    for (const gap of Object.keys(KNOWN_ENGINE_GAPS)) expect(names.has(gap), gap).toBe(true);
  });

  for (const fixture of fixtures) {
    const gap = KNOWN_ENGINE_GAPS[fixture.name];
    const check = (kind: Check) => (gap?.checks.includes(kind) ? it.fails : it);
    const expectsError = fixture.expected?.status === 'error';
    const shouldChange = fixture.output !== fixture.input;
    let cached: FilePlan | undefined;
    const plan = () => (cached ??= run(fixture, fixture.input));

    describe(fixture.name, () => {
      check('output')(shouldChange ? 'the output matches output.* byte for byte' : 'the file is left unchanged', () => {
        const result = plan();
        if (expectsError) {
          expect(result.status).toBe('error');
          expect(result.error).toBeTruthy();
          expect(result.output).toBeUndefined();
          return;
        }
        expect(result.error, result.error).toBeUndefined();
        if (!shouldChange) {
          expect(result.status, JSON.stringify(describeCalls(result), null, 2)).toBe('unchanged');
          expect(result.output).toBeUndefined();
          return;
        }
        expect(result.status, JSON.stringify(describeCalls(result), null, 2)).toBe('changed');
        expect(result.output).toBe(fixture.output);
        expect(Buffer.from(result.output!, 'utf8').equals(fixture.outputBytes!)).toBe(true);
      });

      if (fixture.expected) {
        const expected = fixture.expected;
        check('statuses')('the calls have the expected statuses, sources and reasons', () => {
          const result = plan();
          if (expected.status) expect(result.status).toBe(expected.status);
          const where = JSON.stringify(describeCalls(result), null, 2);
          expect(
            result.calls.map((c) => c.status),
            where,
          ).toEqual(expected.calls.map((c) => c.status));
          expected.calls.forEach((want, i) => {
            const got = result.calls[i];
            if (want.source !== undefined) expect(got.source, where).toBe(want.source);
            if (got.status === 'manual') {
              expect(got.reason, where).toBeTruthy();
              expect(got.edits, where).toEqual([]);
            }
            if (want.reasonCode !== undefined) {
              const codes = Array.isArray(want.reasonCode) ? want.reasonCode : [want.reasonCode];
              expect(codes, where).toContain(got.reasonCode);
            }
            for (const part of want.reasonIncludes ?? []) expect(got.reason, where).toContain(part);
            for (const part of want.notesInclude ?? []) {
              expect(
                (got.notes ?? []).some((note) => note.includes(part)),
                `a note of call ${i + 1} includes "${part}": ${JSON.stringify(got.notes)}`,
              ).toBe(true);
            }
            if (want.acknowledged !== undefined) expect(!!got.acknowledged, where).toBe(want.acknowledged);
          });
        });
      }

      check('idempotent')('a second run over the output changes nothing', () => {
        const again = run(fixture, fixture.output);
        if (expectsError) {
          expect(again.status).toBe('error');
          return;
        }
        const where = JSON.stringify(describeCalls(again), null, 2);
        expect(again.status, where).toBe('unchanged');
        expect(again.output).toBeUndefined();
        expect(
          again.calls.filter((c) => c.status === 'updated'),
          where,
        ).toEqual([]);
        if (fixture.expected) {
          // What the first run updated is now complete; what it left for a person is still manual.
          const want = fixture.expected.calls.map((c) => (c.status === 'updated' ? 'complete' : c.status));
          expect(
            again.calls.map((c) => c.status),
            where,
          ).toEqual(want);
        }
      });

      if (!expectsError) {
        check('parses')('the input and the output parse', () => {
          expect(parseErrors(fixture.inputPath, fixture.input)).toEqual([]);
          expect(parseErrors(fixture.inputPath, fixture.output)).toEqual([]);
          const result = plan();
          if (result.output !== undefined) expect(parseErrors(fixture.inputPath, result.output)).toEqual([]);
        });
      } else {
        it('the input really does not parse', () => {
          expect(parseErrors(fixture.inputPath, fixture.input).length).toBeGreaterThan(0);
        });
      }
    });
  }
});
