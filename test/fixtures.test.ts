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
  'openai-v3-create-chat-completion': {
    checks: ['output'],
    why:
      'the engine writes `system_fingerprint: completion.data.system_fingerprint` (the SDK-FACTS v3 row), which does not ' +
      "type-check against openai v3's own types: openai@3.3.0's `CreateChatCompletionResponse` has no `system_fingerprint` " +
      '(tsc: TS2339), though the API does return it in the body. The fixture reads the real value through a narrow cast ' +
      '(`(completion.data as { system_fingerprint?: string }).system_fingerprint`), checked with tsc against openai@3.3.0; ' +
      'null would be untrue (the body has one) and manual would drop the id and created the types do carry.',
  },
  'openai-stream-tracked-on-usage-chunk': {
    checks: ['output', 'statuses'],
    why:
      'the call sits inside `for await (const chunk of stream)` and already reads `chunk.usage`: `chunk` is a ' +
      '`ChatCompletionChunk`, which carries `id`, `created` and `system_fingerprint` on every chunk (SDK-FACTS, issue 6 ' +
      'shape 6), so `chunk.id` / `chunk.created` / `chunk.system_fingerprint` are exact and in scope. The engine does not ' +
      'classify a for-await loop variable over an OpenAI stream and reports manual stream-not-captured ("keep them from a ' +
      'chunk in the loop and pass them here", which is what the fixture does).',
  },
  'then-callback-parameter': {
    checks: ['output', 'statuses'],
    why:
      'the call sits in `.then(async (completion) => ...)` chained on `openai.chat.completions.create({...})` (no stream): ' +
      'the parameter is the awaited `ChatCompletion` by data flow (its type is inferred from the call, not written), so ' +
      '`completion.id` / `.created` / `.system_fingerprint` are exact. The engine only classifies parameters with a written ' +
      'type and reports manual no-source ("no OpenAI result reaches this call").',
  },
  'class-member-client': {
    checks: ['output', 'statuses'],
    why:
      'the clients are `this.openai` (a class field initialised with `new OpenAI()`, no baseURL) and `this.client` (a ' +
      'constructor parameter property typed `OpenAI` from openai, the NestJS-style service): both are OpenAI clients by ' +
      'their initializer / declared type, exactly as a local `const openai = new OpenAI()` or a parameter `client: OpenAI` ' +
      '(both accepted by the engine) are. The engine reports both calls manual no-source ("could not tell whether ' +
      '`this.openai` is an OpenAI client").',
  },
  'client-from-typed-factory': {
    checks: ['output', 'statuses'],
    why:
      'the client is `getOpenAI()`, a local function whose declared return type is `OpenAI` (from openai) and whose body ' +
      'constructs `new OpenAI({ apiKey })` with no baseURL: an OpenAI client by its declared type. The engine reports ' +
      'manual no-source ("could not tell whether `getOpenAI()` is an OpenAI client").',
  },
  'loop-aggregate-with-last-result': {
    checks: ['output', 'statuses', 'idempotent'],
    why:
      'the call records one row for every request of a loop (`tokens_used: totalTokens`, summed in the loop), and the ' +
      'only result in scope is `let last: ChatCompletion | undefined`, reassigned on each iteration: its id is the final ' +
      "request's only, so writing it attributes all the loop's tokens to one request (a wrong id written silently; issue 6 " +
      'shape 4: a loop with nothing tying the call to one result is manual, naming the candidates). The engine falls back ' +
      'to the one result in scope and writes `last?.id`, `last?.created`, `last?.system_fingerprint` (status updated).',
  },
  'chat-completions-stream-helper': {
    checks: ['output', 'statuses'],
    why:
      "`openai.chat.completions.stream(...)` is openai-node's streaming helper; `await stream.finalChatCompletion()` is " +
      'typed `Promise<ParsedChatCompletion<…>>` (lib/AbstractChatCompletionRunner.d.mts), which extends `ChatCompletion`: ' +
      '`final.id` / `.created` / `.system_fingerprint` are exact. The engine does not know the helper and reports manual ' +
      'no-source ("no OpenAI result reaches this call").',
  },
  'completion-destructured': {
    checks: ['output', 'statuses'],
    why:
      '`const { choices, usage } = await openai.chat.completions.create(...)` is a chat completion destructured: the call ' +
      "is tied to it by `usage`, and the three values are its own `id`, `created`, `system_fingerprint`, added to the " +
      'pattern (none of the names is taken), the same way the engine adds `response` to an AI SDK result pattern ' +
      '(ai-sdk-generate-text-destructured). The engine reports manual no-source.',
  },
  'ai-sdk-create-openai-gateway-base-url': {
    checks: ['output', 'statuses', 'idempotent'],
    why:
      "the model is `openrouter.chat(...)` where `openrouter = createOpenAI({ baseURL: 'https://openrouter.ai/api/v1' })`: " +
      "the AI SDK's OpenAI provider talking to OpenRouter, so `result.response.id` is OpenRouter's gen-… id, never an " +
      'OpenAI request id (SDK-FACTS: gateways return their own ids; issue 6 shape 9). Like `new OpenAI({ baseURL })` to a ' +
      'gateway (fixtures/gateway-base-url) it must be manual not-openai. The engine ignores createOpenAI\'s baseURL and ' +
      'writes `result.response.id`, `Math.floor(result.response.timestamp.getTime() / 1000)`, `null` (updated, no note): ' +
      'a wrong id written silently.',
  },
  'catch-narrowed-by-guard': {
    checks: ['output', 'statuses'],
    why:
      '`if (!(error instanceof OpenAI.APIError)) throw error;` narrows `error` to `APIError` for the rest of the catch ' +
      'block (TypeScript narrows it too: the fixture reads `error.status`), so `error.requestID`, null, null is as exact ' +
      'as in catch-narrowed-api-error. The engine only recognises the narrowing as an enclosing `if (... instanceof ...)` ' +
      'then-branch and reports manual no-source.',
  },
  'raw-fetch-azure-openai-json': {
    checks: ['output', 'statuses'],
    why:
      'a raw fetch to Azure OpenAI chat completions (`https://<resource>.openai.azure.com/openai/deployments/<d>/chat/' +
      'completions?api-version=…`): the body is a chat completion with `id`, `created` and `system_fingerprint`, as for ' +
      "api.openai.com. The engine matches only the `/v1/chat/completions` path and reports manual no-field-value with a " +
      "wrong reason (\"returns no id in its body: read res.headers.get('x-request-id')\").",
  },
  'on-step-finish': {
    checks: ['output', 'statuses'],
    why:
      "`streamText`'s `onStepFinish` event is a `StepResult`, which has `response` (id, timestamp) for that step's own " +
      'request: one row per step is the exact mapping for multi-step runs (issue 6 shape 2), read like `onFinish` ' +
      '(`response` added to the destructuring). The engine only knows `onFinish` and reports manual no-source.',
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
