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
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { addReconciliationFields } from '../codemods/add-reconciliation-fields.js';
import type { FilePlan } from '../src/engine/types.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixturesRoot = path.join(repoRoot, 'fixtures');
const toPosix = (p: string) => p.split(path.sep).join('/');

type Check = 'output' | 'statuses' | 'idempotent' | 'parses';

/**
 * Fixtures the engine gets wrong today: the checks that fail and why the fixture (not the engine) is right.
 * Remove an entry once the engine is fixed (its `it.fails` then fails).
 */
export const KNOWN_ENGINE_GAPS: Record<string, { checks: Check[]; why: string }> = {
  // Red-team findings (wrong values first). Each `why`: what the engine writes today, and why the fixture is right.
  'gateway-base-url-shorthand-variable-or-spread': {
    checks: ['output', 'statuses', 'idempotent'],
    why:
      'The engine updates all three calls with `completion.id` / `.created` / `.system_fingerprint` and no note: OpenRouter and Groq ids written as OpenAI ids. ' +
      'baseUrlVerdict (src/engine/sources.ts) only reads a `baseURL` written as a PropertyAssignment in an object literal passed inline: a shorthand `{ baseURL }`, ' +
      'an options variable `new OpenAI(options)` and a spread `{ ...routerConfig }` all fall through to `{ openai: true, notes: [] }`. Follow the shorthand / const / spread to its value, and treat options it cannot read as unknown (manual), never as OpenAI.',
  },
  'gateway-client-hidden-by-openai-type': {
    checks: ['output', 'statuses', 'idempotent'],
    why:
      'The engine updates all three calls with `completion.id` etc. and no note: OpenRouter ids written as OpenAI ids. classifyClient (src/engine/sources.ts) trusts a declared `OpenAI` type ' +
      '(`const openrouter: OpenAI = new OpenAI({ baseURL })`, a factory `(): OpenAI`, a class field `private client: OpenAI` assigned in the constructor) through clientByType, and returns before ' +
      'it looks at the initializer, the factory body or the constructor assignment. The type names the SDK class, not the endpoint: read the construction when there is one; when there is none to read, say so (manual or a note), as the untyped path does.',
  },
  'let-result-reassigned-before-call': {
    checks: ['output', 'statuses', 'idempotent'],
    why:
      'The engine writes `completion.id` in the draft row, whose tokens (`draftUsage`) were taken from the first request before `completion` was reassigned to the refine request: the refine id on the draft row. ' +
      'classifyDeclaration (src/engine/sources.ts) classifies a `let` with an initializer from its initializer only and never looks at later assignments (assignmentsTo is used only for `let`s declared empty). ' +
      'A `let` result reassigned between the value the call reads (`draftUsage`) and the call must not be read at the call; the refine row, which reads `completion` itself after the reassignment, is right.',
  },
  'let-usage-reassigned-to-second-result': {
    checks: ['output', 'statuses'],
    why:
      'The engine writes `plan.id`: sourcesByDataFlow (src/engine/analyze.ts) follows `usage` to its initializer `plan.usage` only, ignoring `usage = answer.usage` just before the call. ' +
      'At the call `usage` is the answer request\'s (and `model_used` is `answer.model`): the row is `answer`\'s. Following every assignment to the local (then `plan` and `answer`, the last one before the call wins, or manual naming both) would never write the plan id.',
  },
  'tool-call-loop-let-initialized': {
    checks: ['output', 'statuses', 'idempotent'],
    why:
      'The engine writes `response.id` (the last tool round\'s request) on a row whose `tokens_used` sums every request of the loop. The loop-aggregate rule in classifyAssigned ' +
      '(src/engine/sources.ts) only runs for a `let` declared empty; `let response = await openai.chat.completions.create(...)` reassigned in a `while` goes through the initializer path. ' +
      'This is the most common tool-calling shape: apply the same reassigned-in-a-loop check to initialised `let`s.',
  },
  'js-let-reassigned-to-other-provider': {
    checks: ['output', 'statuses', 'idempotent'],
    why:
      'The engine writes `result.id` / `result.created` / `result.system_fingerprint`, but at the call `result` holds an Anthropic Messages API body (a msg_… id, no `created`): another provider\'s id in openai_request_id. ' +
      'Same cause as let-result-reassigned-before-call (an initialised `let` is classified from its initializer only), with no type checker to catch it in a .js Pages Router file.',
  },
  'stale-parameter-replaced-by-fresh-completion': {
    checks: ['output', 'statuses'],
    why:
      'The engine writes `previous?.id`: data flow follows `let completion = previous` to the ChatCompletion-typed parameter and ignores `completion = await openai.chat.completions.create(...)`. ' +
      'When the refresh runs, the row records the stale cached request\'s id next to the new request\'s tokens. The value the call reads is `completion` (narrowed to ChatCompletion at the call): `completion.id`.',
  },
  'data-flow-through-call-arguments': {
    checks: ['output', 'statuses', 'idempotent'],
    why:
      'The engine writes `rewrite.id` on the Claude row and `embedding._request_id` on the RAG row. sourcesByDataFlow (src/engine/analyze.ts), when a declaration is not a known result ' +
      '(`claude = await askClaude(query)`), follows every identifier of its initializer, including the arguments of the call: what the call was given is taken for what it returned ' +
      '(viaUsage is even inherited from `claude.usage`). Do not follow into the arguments of an unclassified call (an unknown call is a dead end: no-source).',
  },
  'ai-sdk-model-other-provider-const-or-ternary': {
    checks: ['output', 'statuses', 'idempotent'],
    why:
      'The engine updates both calls with `result.response.id` and only a "could not confirm" note: Anthropic msg_… ids in openai_request_id. classifyAiModel (src/engine/sources.ts) reads a model ' +
      'only when it is a call expression in the options: `model` bound to `const model = anthropic(...)` (shorthand) is not followed, and a conditional with an Anthropic branch is "unknown" ' +
      'and updated. Follow identifiers to their const initializer; a model expression with a visible other-provider branch is not-openai (manual).',
  },
  'ai-sdk-per-step-rows-in-loop': {
    checks: ['output'],
    why:
      'The engine writes `result.response.id` (the last step\'s id) in a row written once per step inside `for (const step of result.steps)`: every step row gets the same, last id. ' +
      'The loop variable is a StepResult (its own `response.id` / `response.timestamp`), but classifyDeclaration knows nothing of `for...of` over `.steps`, so the in-scope fallback picks `result`. ' +
      'Each row must read its own step: `step.response.id` (or be manual).',
  },
  'provider-fallback-null-claims-no-openai-request': {
    checks: ['output', 'statuses', 'idempotent'],
    why:
      'The engine writes null for all three fields with the note "not an OpenAI request": the only result its data flow reaches is the Anthropic fallback `message`, read by `model_used` ' +
      '(not through usage). On the happy path the row is an OpenAI request, so null is a false claim. chooseSource (src/engine/analyze.ts) writes the not-openai nulls for any single ' +
      'not-openai rejection found by data flow; require the tie to be through the token usage (viaUsage), and treat a `let` assigned from both providers as ambiguous.',
  },
  'hoisted-function-called-before-result': {
    checks: ['output', 'statuses', 'idempotent'],
    why:
      'The engine writes `completion.id` etc. inside the hoisted `logRejected`, which runs before `const completion` is initialised: a runtime ReferenceError (TDZ) that tsc does not report, and ' +
      'a rate-limited row that has no OpenAI request at all. sourcesInScope (src/engine/analyze.ts) keeps a const declared textually before the call, but a nested function declaration ' +
      'can run before that point: a const of the outer function read from a hoisted function declaration is not safe (manual).',
  },
  'retry-loop-assigns-once-then-breaks': {
    checks: ['output', 'statuses'],
    why:
      'Overly manual (ambiguous-source, "assigned on every pass of a loop"): a retry loop assigns `completion` at most once (a failed attempt throws before the assignment, the success breaks), ' +
      'and the row\'s tokens are that request\'s. classifyAssigned\'s loop rule could exempt an assignment followed by `break` in the same block: `completion?.id` is right.',
  },
  'openai-stream-tee-tracked-in-loop': {
    checks: ['output', 'statuses'],
    why:
      'Overly manual (stream-not-captured): the call sits inside `for await (const chunk of forUsage)` where `forUsage` comes from `stream.tee()`; every chunk carries the id, created and ' +
      'fingerprint. classifyStreamChunk requires the loop to iterate the create() result itself; follow `.tee()` destructuring to the stream.',
  },
};

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
  return readdirSync(fixturesRoot)
    // A pattern fixture is a directory with an input file; others (demo-app, sdk-majors/, reconcile/) have their own suites.
    .filter((name) => !name.startsWith('demo-app') && statSync(path.join(fixturesRoot, name)).isDirectory() && readdirSync(path.join(fixturesRoot, name)).some((f) => /^input\.[cm]?[jt]sx?$/.test(f)))
    .sort()
    .map((name) => {
      const dir = path.join(fixturesRoot, name);
      const files = new Map<string, string>();
      for (const file of listFiles(dir)) files.set(toPosix(file), readFileSync(file, 'utf8'));
      const inputs = readdirSync(dir).filter((f) => INPUT.test(f));
      if (inputs.length !== 1) throw new Error(`fixtures/${name}: expected exactly one input.* file, found ${inputs.length}`);
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
    });
}

function run(fixture: Fixture, text: string): FilePlan {
  const { files } = addReconciliationFields([{ path: fixture.inputPath, text }], {
    // Only the fixture's own files: the tracker's type and any module it imports.
    readFile: (p) => (p === fixture.inputPath ? text : fixture.files.get(p)),
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
  return plan.calls.map((c) => ({ line: c.line, status: c.status, source: c.source, reasonCode: c.reasonCode, reason: c.reason, added: c.added, notes: c.notes, acknowledged: c.acknowledged }));
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
          expect(result.calls.map((c) => c.status), where).toEqual(expected.calls.map((c) => c.status));
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
              expect((got.notes ?? []).some((note) => note.includes(part)), `a note of call ${i + 1} includes "${part}": ${JSON.stringify(got.notes)}`).toBe(true);
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
        expect(again.calls.filter((c) => c.status === 'updated'), where).toEqual([]);
        if (fixture.expected) {
          // What the first run updated is now complete; what it left for a person is still manual.
          const want = fixture.expected.calls.map((c) => (c.status === 'updated' ? 'complete' : c.status));
          expect(again.calls.map((c) => c.status), where).toEqual(want);
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
