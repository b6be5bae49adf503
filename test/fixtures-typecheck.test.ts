/**
 * Every fixture's input and output (fixtures/<pattern>/) type-checks with the real TypeScript compiler against the
 * installed `openai` (v6) and `ai` (v5) types: one `tsc -p` over a generated tsconfig (strict, moduleResolution
 * Bundler, noEmit, skipLibCheck) listing every TypeScript file of every fixture, which must report no error. In
 * process (test/helpers.ts's typeCheck: the repo's TypeScript, tsc's diagnostics and file list), sharing the parsed
 * SDK declarations with the test worker's other checks.
 * Fixtures that cannot type-check here are listed in EXCLUDE with the reason.
 */
import { mkdtempSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typeCheck } from './helpers.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixturesRoot = path.join(repoRoot, 'fixtures');

/** Fixtures left out of the type-check, each with why. */
const EXCLUDE: Record<string, string> = {
  'client-via-alias-in-referenced-tsconfig':
    'the input imports `@/lib/openai` through the alias of its own tsconfig.app.json, which this shared generated tsconfig does not define (checked by hand: tsc -p tsconfig.app.json in the fixture)',
  'client-via-tsconfig-paths-alias-gateway':
    'the input imports `@/lib/openai` through the `paths` alias of its own tsconfig.json, which this shared generated tsconfig does not define (checked by hand: tsc -p in the fixture)',
  'ai-sdk-provider-instance-from-lib-with-base-url':
    '@ai-sdk/openai is not installed (the codemod only reads the import and the createOpenAI options; it never needs the package)',
  'anthropic-not-openai':
    '@anthropic-ai/sdk is not installed (the codemod only reads the import; it never needs the package)',
  'syntax-error': 'the input does not parse, on purpose',
  'commonjs-require': 'a CommonJS .js input (no TypeScript file to check; checkJs is off)',
  'ai-sdk-create-openai-gateway-base-url':
    '@ai-sdk/openai is not installed (the codemod only reads the import and the createOpenAI options; it never needs the package)',
  'js-pages-router':
    'a plain JavaScript Pages Router handler (input.js, output.js): no TypeScript input to check; checkJs is off',
  'openai-v3-create-chat-completion':
    'openai v3 (`Configuration`, `OpenAIApi`, `createChatCompletion`, axios) is not installed here: there is no openai-v3 alias in devDependencies and openai 6 exports none of these (input and output were checked by hand with tsc against openai@3.3.0)',
  'ai-sdk-model-other-provider-const-or-ternary':
    '@ai-sdk/anthropic and @ai-sdk/openai are not installed (the codemod only reads the imports and the model expressions; it never needs the packages)',
  'provider-fallback-null-claims-no-openai-request':
    '@anthropic-ai/sdk is not installed (the codemod only reads the import; it never needs the package)',
  'js-let-reassigned-to-other-provider':
    'a plain JavaScript Pages Router handler (input.js): no TypeScript input to check; checkJs is off',
  'other-provider-google-genai-client':
    '@google/genai and @google/generative-ai are not installed (the codemod only reads the imports; it never needs the packages)',
  'other-provider-anthropic-dynamic-import-stream':
    '@anthropic-ai/sdk is not installed (the codemod only reads the `import()` specifier; it never needs the package)',
  'ai-sdk-wrapper-typed-with-sdk-types-google-model':
    '@ai-sdk/google is not installed (the codemod only reads the imports and the model expressions; it never needs the package)',
  'ai-sdk-wrapper-typed-with-sdk-types-openai-model':
    '@ai-sdk/openai is not installed (the codemod only reads the imports and the model expressions; it never needs the package)',
  'other-provider-usage-helper':
    '@ai-sdk/google and @ai-sdk/openai are not installed (the codemod only reads the imports and the model expressions; it never needs the packages)',
  'client-factory-plain-js':
    'plain JavaScript (input.js, output.js, tracking.js): no TypeScript file to check; checkJs is off',
  'ai-v3-generate-text-manual':
    'written for ai 3.3.9 (its package.json), which is not installed here (ai 3 usage is promptTokens/completionTokens): input checked by hand with tsc against ai@3.3.9 + @ai-sdk/openai@0.0.50, and the edit the ai 4+ mapping would make fails there with TS2339 (no `response`)',
  'ai-v3-stream-text-on-finish-manual':
    'written for ai 3.3.9 (its package.json), which is not installed here: input checked by hand with tsc against ai@3.3.9 + @ai-sdk/openai@0.0.50, and the edit the ai 4+ mapping would make fails there with TS2339 (no `response` on the onFinish event or the result)',
  'openai-v3-create-completion-and-stream':
    'openai v3 (`OpenAIApi`, `createCompletion`, axios) is not installed here (openai 6 exports none of these): input and output checked by hand with tsc against openai@3.3.0 (and its axios)',
  'ai-v3-4-generate-text-response':
    'written for ai 3.4.33 (its package.json), which is not installed here: input and output checked by hand with tsc against ai@3.4.33 + @ai-sdk/openai@0.0.72',
  'js-tracker-destructured-fields':
    'a plain JavaScript service with its own tracker (input.js, output.js): no TypeScript input to check; checkJs is off',
  'js-tracker-other-provider-null':
    'a plain JavaScript service calling Anthropic (input.js, output.js; @anthropic-ai/sdk is not installed): no TypeScript input to check; checkJs is off',
  'tracker-type-missing-fields':
    'the schema step adds the fields to tracking.ts, which this per-fixture check does not rewrite; the whole-app version, type-checked after --write, is fixtures/pre-schema-app (test/schema-step.test.ts)',
  'tracker-param-imported-alias-via-paths':
    "the tracker and its type are imported through the `@/*` alias of the fixture's own tsconfig.json, which this shared generated tsconfig does not define (type-checked with that tsconfig by test/tracker-declarations.test.ts)",
  'schema-step-through-omit':
    'the schema step adds the fields to tracking.ts, which this per-fixture check does not rewrite (test/tracker-declarations.test.ts type-checks the output with the rewritten tracking.ts)',
};

const TS_FILE = /\.(ts|tsx|mts|cts)$/;

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (TS_FILE.test(entry.name)) out.push(full);
  }
  return out.sort();
}

const fixtureNames = readdirSync(fixturesRoot)
  // A pattern fixture is a directory with an input file; others (demo-app, sdk-majors/, reconcile/) have their own suites.
  .filter(
    (name) =>
      !name.startsWith('demo-app') &&
      statSync(path.join(fixturesRoot, name)).isDirectory() &&
      readdirSync(path.join(fixturesRoot, name)).some((f) => /^input\.[cm]?[jt]sx?$/.test(f)),
  )
  .sort();
const checked = fixtureNames.filter((name) => !(name in EXCLUDE));
const filesOf = new Map(checked.map((name) => [name, listFiles(path.join(fixturesRoot, name))]));

let tmp: string;
let checkResult: { errors: string[]; files: string[] } | undefined;
/** The one check, made by the first test that needs it. */
const result = () => (checkResult ??= typeCheck(path.join(tmp, 'tsconfig.json')));

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'recon-fixtures-tsc-'));
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      module: 'ESNext',
      moduleResolution: 'Bundler',
      jsx: 'preserve',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      esModuleInterop: true,
      isolatedModules: true,
      types: ['node'],
      typeRoots: [path.join(repoRoot, 'node_modules', '@types')],
    },
    // Stand-ins for the AI SDK provider packages, which are not installed (see the file).
    files: [...[...filesOf.values()].flat(), path.join(fixturesRoot, '_types', 'ai-sdk-providers.d.ts')],
  };
  const config = path.join(tmp, 'tsconfig.json');
  writeFileSync(config, JSON.stringify(tsconfig, null, 2));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('fixtures type-check against the real openai and ai types', () => {
  it('every exclusion names a fixture and says why', () => {
    for (const [name, why] of Object.entries(EXCLUDE)) {
      expect(fixtureNames, name).toContain(name);
      expect(why.length).toBeGreaterThan(10);
    }
  });

  it('tsc loaded the SDK types from node_modules and every fixture file', () => {
    const listed = result().files;
    expect(listed).toContain(path.join(realpathSync(path.join(repoRoot, 'node_modules')), 'openai', 'index.d.mts'));
    expect(listed).toContain(path.join(realpathSync(path.join(repoRoot, 'node_modules')), 'ai', 'dist', 'index.d.ts'));
    for (const file of [...filesOf.values()].flat()) expect(listed, file).toContain(file);
  });

  it('tsc reports no errors at all', () => {
    // Every error tsc -p would print (config, global and per-file diagnostics): none, so its exit code would be 0.
    expect(result().errors).toEqual([]);
  });

  it('every fixture checked has a TypeScript input (its errors, if any, are in the test above, by file)', () => {
    for (const name of checked)
      expect(
        filesOf.get(name)!.some((f) => /\/input\.[^/]+$/.test(f)),
        name,
      ).toBe(true);
  });
});
