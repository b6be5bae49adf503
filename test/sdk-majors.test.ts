/**
 * One small case per SDK major (fixtures/sdk-majors/<openai-v4|…|ai-v7>/), each importing the plain package name
 * (`openai`, `ai`), as a user's app does:
 *  (a) the codemod (`addReconciliationFields`, reading the fixture's own files) gives output.ts byte for byte, and the
 *      calls have the statuses and sources of expected.json. output.ts is hand-written for THAT major's types: where
 *      the engine writes something else, the case is listed in KNOWN_ENGINE_GAPS and its checks run as `it.fails`;
 *  (b) input.ts and output.ts type-check against THAT major's shipped types: one `tsc` per major over a generated
 *      tsconfig (strict, noEmit, skipLibCheck, moduleResolution Bundler) whose `paths` map `openai`/`openai/*` or
 *      `ai`/`ai/*` to the npm-aliased install (node_modules/openai-v4, …; openai 6 and ai 5 are the plain installs).
 *      The tsc runs go in parallel; each also checks (through --listFiles) that the aliased package was the one loaded.
 * What each major ships, with file and line: docs/sdk-majors.md.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addReconciliationFields } from '../codemods/add-reconciliation-fields.js';
import type { FilePlan } from '../src/engine/types.js';
import { typeCheck } from './helpers.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const casesRoot = path.join(repoRoot, 'fixtures', 'sdk-majors');
const nodeModules = path.join(repoRoot, 'node_modules');
const toPosix = (p: string) => p.split(path.sep).join('/');

/** Each case: which package it exercises and where that major is installed. */
const MAJORS: Record<string, { pkg: 'openai' | 'ai'; dir: string; major: number }> = {
  'openai-v4': { pkg: 'openai', dir: 'openai-v4', major: 4 },
  'openai-v5': { pkg: 'openai', dir: 'openai-v5', major: 5 },
  'openai-v6': { pkg: 'openai', dir: 'openai', major: 6 },
  'openai-v7': { pkg: 'openai', dir: 'openai-v7', major: 7 },
  'ai-v4': { pkg: 'ai', dir: 'ai-v4', major: 4 },
  'ai-v5': { pkg: 'ai', dir: 'ai', major: 5 },
  'ai-v6': { pkg: 'ai', dir: 'ai-v6', major: 6 },
  'ai-v7': { pkg: 'ai', dir: 'ai-v7', major: 7 },
};

type Check = 'output' | 'statuses';

/**
 * Cases the engine gets wrong today: the failing checks, and why output.ts (not the engine) is right for that major.
 * Remove an entry once the engine is fixed (its `it.fails` then fails).
 */
export const KNOWN_ENGINE_GAPS: Record<string, { checks: Check[]; why: string }> = {};

interface ExpectedCall {
  status: 'updated' | 'complete' | 'manual';
  source?: string;
  reasonCode?: string;
}

interface Case {
  name: string;
  dir: string;
  files: Map<string, string>;
  inputPath: string;
  input: string;
  output: string;
  outputBytes: Buffer;
  expected: { calls: ExpectedCall[] };
}

function loadCase(name: string): Case {
  const dir = path.join(casesRoot, name);
  const files = new Map<string, string>();
  for (const file of readdirSync(dir))
    files.set(toPosix(path.join(dir, file)), readFileSync(path.join(dir, file), 'utf8'));
  const inputPath = toPosix(path.join(dir, 'input.ts'));
  return {
    name,
    dir,
    files,
    inputPath,
    input: files.get(inputPath)!,
    output: files.get(toPosix(path.join(dir, 'output.ts')))!,
    outputBytes: readFileSync(path.join(dir, 'output.ts')),
    expected: JSON.parse(files.get(toPosix(path.join(dir, 'expected.json')))!) as Case['expected'],
  };
}

const repoNodeModules = path.join(repoRoot, 'node_modules');

function run(c: Case, text: string): FilePlan {
  // The case's own files, and the package.json of the major under test where the case would import it from: the
  // engine reads the installed version to choose its mapping, exactly as it does in a user's repo.
  const { pkg, dir: alias } = MAJORS[c.name];
  const manifest = toPosix(path.join(c.dir, 'node_modules', pkg, 'package.json'));
  const { files } = addReconciliationFields([{ path: c.inputPath, text }], {
    readFile: (p) =>
      toPosix(p) === manifest
        ? readFileSync(path.join(repoNodeModules, alias, 'package.json'), 'utf8')
        : c.files.get(toPosix(p)),
  });
  return files.find((f) => f.path === c.inputPath)!;
}

const describeCalls = (plan: FilePlan) =>
  JSON.stringify(
    plan.calls.map((c) => ({
      line: c.line,
      status: c.status,
      source: c.source,
      reasonCode: c.reasonCode,
      reason: c.reason,
      added: c.added,
    })),
    null,
    2,
  );

interface TscResult {
  code: number | null;
  output: string;
}

const caseNames = Object.keys(MAJORS);
let tmp: string;

function tsconfigFor(name: string) {
  const { pkg, dir } = MAJORS[name];
  const target = path.join(nodeModules, dir);
  return {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      module: 'ESNext',
      moduleResolution: 'Bundler',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      esModuleInterop: true,
      isolatedModules: true,
      types: ['node'],
      typeRoots: [path.join(nodeModules, '@types')],
      paths: { [pkg]: [target], [`${pkg}/*`]: [`${target}/*`] },
    },
    // Stand-ins for the AI SDK provider packages, which are not installed (fixtures/_types/ai-sdk-providers.d.ts).
    files: [
      path.join(casesRoot, name, 'input.ts'),
      path.join(casesRoot, name, 'output.ts'),
      path.join(repoRoot, 'fixtures', '_types', 'ai-sdk-providers.d.ts'),
    ],
  };
}

/** `tsc -p config --listFiles`, in-process (test/helpers.ts): the lib files and @types/node are parsed once for all majors. */
function tsc(config: string): TscResult {
  const { errors, files } = typeCheck(config);
  return { code: errors.length === 0 ? 0 : 2, output: [...files, ...errors].join('\n') };
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'recon-sdk-majors-'));
  for (const name of caseNames) {
    const config = path.join(tmp, `tsconfig.${name}.json`);
    writeFileSync(config, JSON.stringify(tsconfigFor(name), null, 2));
  }
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('SDK majors', () => {
  it('every case has its files, every major is installed, every gap names a case', () => {
    expect(readdirSync(casesRoot).sort()).toEqual([...caseNames].sort());
    for (const name of caseNames) {
      for (const f of ['input.ts', 'output.ts', 'tracking.ts', 'expected.json'])
        expect(existsSync(path.join(casesRoot, name, f)), `${name}/${f}`).toBe(true);
      const { pkg, dir, major } = MAJORS[name];
      const manifest = JSON.parse(readFileSync(path.join(nodeModules, dir, 'package.json'), 'utf8')) as {
        name: string;
        version: string;
      };
      expect(manifest.name, dir).toBe(pkg);
      expect(Number(manifest.version.split('.')[0]), `${dir}@${manifest.version}`).toBe(major);
    }
    for (const gap of Object.keys(KNOWN_ENGINE_GAPS)) expect(caseNames).toContain(gap);
  });

  for (const name of caseNames) {
    const gap = KNOWN_ENGINE_GAPS[name];
    const check = (kind: Check) => (gap?.checks.includes(kind) ? it.fails : it);
    let loaded: Case | undefined;
    let cached: FilePlan | undefined;
    const fixture = () => (loaded ??= loadCase(name));
    const plan = () => (cached ??= run(fixture(), fixture().input));

    describe(name, () => {
      check('output')('the codemod output matches output.ts byte for byte', () => {
        const result = plan();
        expect(result.error, result.error).toBeUndefined();
        expect(result.status, describeCalls(result)).toBe('changed');
        expect(result.output).toBe(fixture().output);
        expect(Buffer.from(result.output!, 'utf8').equals(fixture().outputBytes)).toBe(true);
      });

      check('statuses')('the calls have the expected statuses and sources', () => {
        const result = plan();
        const where = describeCalls(result);
        const want = fixture().expected.calls;
        expect(
          result.calls.map((c) => c.status),
          where,
        ).toEqual(want.map((c) => c.status));
        want.forEach((w, i) => {
          if (w.source !== undefined) expect(result.calls[i].source, where).toBe(w.source);
          if (w.reasonCode !== undefined) expect(result.calls[i].reasonCode, where).toBe(w.reasonCode);
        });
      });

      it('the expected output is complete: a codemod run over it changes nothing', () => {
        const again = run(fixture(), fixture().output);
        expect(again.output, describeCalls(again)).toBeUndefined();
        expect(
          again.calls.filter((c) => c.status === 'updated'),
          describeCalls(again),
        ).toEqual([]);
      });

      it(`input.ts and output.ts type-check against ${MAJORS[name].pkg} ${MAJORS[name].major} (node_modules/${MAJORS[name].dir})`, async () => {
        const { code, output } = tsc(path.join(tmp, `tsconfig.${name}.json`));
        const { pkg, dir } = MAJORS[name];
        const listed = output.split('\n').map((l) => toPosix(l.trim()));
        // The compiler lists real paths: node_modules may be a link (a git worktree sharing another checkout's).
        const loadedFrom = (d: string) =>
          listed.some((l) => l.startsWith(`${toPosix(path.join(realpathSync(nodeModules), d))}/`));
        // The mapped major was loaded, and no other install of the same package was.
        expect(loadedFrom(dir), `${pkg} types from node_modules/${dir}`).toBe(true);
        for (const other of Object.values(MAJORS)) {
          if (other.pkg === pkg && other.dir !== dir)
            expect(loadedFrom(other.dir), `no types from node_modules/${other.dir}`).toBe(false);
        }
        for (const f of ['input.ts', 'output.ts']) expect(listed).toContain(toPosix(path.join(casesRoot, name, f)));
        expect(output.split('\n').filter((l) => /error TS\d+/.test(l))).toEqual([]);
        expect(code).toBe(0);
      });
    });
  }
});
