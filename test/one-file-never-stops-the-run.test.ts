/**
 * One file never stops the run (issue 11, item 5):
 *  - cycles are cut, not followed: declarations that feed each other (`a = b; b = a`), wrappers and clients that call
 *    each other across modules; a graph of wrappers with many paths is classified once per wrapper;
 *  - an exception while analysing a file (here: nesting deep enough to overflow any recursive reader of the syntax
 *    tree, the TypeScript parser included) is that file's `error`, with the message, and every other file is still
 *    planned: through the programmatic API (schema step on or off), the real CLI (dry run and --write), and the
 *    jscodeshift transform;
 *  - `recon-codemod . | head`: the reader closing stdout early ends the output quietly, and the run still finishes
 *    (its --json report is written) with the exit code it would have had.
 * The property test over generated wrapper graphs is test/property-wrapper-cycles.test.ts; the lint rule's side is in
 * eslint-plugin/tests/robustness.test.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addReconciliationFields } from '../codemods/add-reconciliation-fields.js';
import type { FilePlan } from '../src/engine/types.js';
import { BIN, REPO, runCli, snapshotTree } from './helpers.js';

const TRACKING = `export interface TokenUsage {
  user_id: string;
  action_type: string;
  tokens_used: number;
  openai_request_id?: string | null;
  openai_created?: number | null;
  system_fingerprint?: string | null;
}

export async function trackTokenUsage(usage: TokenUsage): Promise<void> {
  void usage;
}
`;

/** A tracker type without the fields: the schema step has something to add. */
const TRACKING_WITHOUT_FIELDS = `export interface TokenUsage {
  user_id: string;
  action_type: string;
  tokens_used: number;
}

export async function trackTokenUsage(usage: TokenUsage): Promise<void> {
  void usage;
}
`;

/** An ordinary file whose call the engine completes; `tail` is written after the call (inside the diff's context). */
function goodFile(name = 'run', tail = ''): string {
  return `import OpenAI from 'openai';
import { trackTokenUsage } from './tracking';

const client = new OpenAI();

export async function ${name}(userId: string): Promise<void> {
  const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  await trackTokenUsage({
    user_id: userId,
    action_type: '${name}',
    tokens_used: completion.usage?.total_tokens ?? 0,
  });${tail}
}
`;
}

/** Array literals nested 20,000 deep: valid code that overflows the stack of any recursive reader of its tree. */
const DEEP = `import { trackTokenUsage } from './tracking';

export const table = ${'['.repeat(20_000)}${']'.repeat(20_000)};

export async function track(userId: string): Promise<void> {
  await trackTokenUsage({ user_id: userId, action_type: 'deep', tokens_used: table.length });
}
`;

const temps: string[] = [];
function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'recon-never-stops-'));
  temps.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** The engine over in-memory files, as the CLI calls it: every `input*` file is an input, the rest are read on demand. */
function plan(files: Record<string, string>, options: { schemaStep?: boolean } = {}): FilePlan[] {
  const all = new Map(Object.entries(files).map(([p, t]) => [`/app/${p}`, t]));
  const inputs = [...all]
    .filter(([p]) => /\/(input|good|deep)[^/]*\.ts$/.test(p))
    .map(([path, text]) => ({ path, text }));
  return addReconciliationFields(inputs, { readFile: (p) => all.get(p), ...options }).files;
}

function callOf(plans: FilePlan[], path: string) {
  const file = plans.find((p) => p.path === `/app/${path}`);
  expect(file, path).toBeDefined();
  return file!;
}

describe('cycles are cut, never followed', () => {
  it('declarations that feed each other (`a = b; b = a`): no source, no crash', () => {
    const plans = plan({
      'tracking.ts': TRACKING,
      'input.ts': `import { trackTokenUsage } from './tracking';

export async function swap(userId: string): Promise<void> {
  let a;
  let b;
  a = b;
  b = a;
  await trackTokenUsage({ user_id: userId, action_type: 'swap', tokens_used: a.usage.total_tokens });
}
`,
    });
    const file = callOf(plans, 'input.ts');
    expect(file.status, file.error).toBe('unchanged');
    expect(file.calls.map((c) => [c.status, c.reasonCode])).toEqual([['manual', 'no-source']]);
  });

  it('a `let` that holds a completion and, through a cycle of copies, itself: ambiguous, never an edit', () => {
    const plans = plan({
      'tracking.ts': TRACKING,
      'input.ts': `import OpenAI from 'openai';
import { trackTokenUsage } from './tracking';

const client = new OpenAI();

export async function run(userId: string): Promise<void> {
  let completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] });
  let previous = completion;
  completion = previous;
  await trackTokenUsage({ user_id: userId, action_type: 'copy', tokens_used: completion.usage?.total_tokens ?? 0 });
}
`,
    });
    const file = callOf(plans, 'input.ts');
    expect(file.status, file.error).toBe('unchanged');
    expect(file.calls.map((c) => [c.status, c.reasonCode])).toEqual([['manual', 'ambiguous-source']]);
  });

  it('clients declared from each other across two modules: no source, no crash', () => {
    const plans = plan({
      'tracking.ts': TRACKING,
      'a.ts': `import { b } from './b';\nexport const a = b;\n`,
      'b.ts': `import { a } from './a';\nexport const b = a;\n`,
      'input.ts': `import { a } from './a';
import { trackTokenUsage } from './tracking';

export async function run(userId: string): Promise<void> {
  const completion = await a.chat.completions.create({ model: 'gpt-4o-mini', messages: [] });
  await trackTokenUsage({ user_id: userId, action_type: 'clients', tokens_used: completion.usage?.total_tokens ?? 0 });
}
`,
    });
    const file = callOf(plans, 'input.ts');
    expect(file.status, file.error).toBe('unchanged');
    expect(file.calls.map((c) => [c.status, c.reasonCode])).toEqual([['manual', 'no-source']]);
  });

  it('a chain of wrappers in 12 modules, each returning the next on two branches (2^12 paths), reads each module a bounded number of times', () => {
    // Without the kept answers every path is classified again: the last module would be read twice per path (8,192 times).
    const files: Record<string, string> = { 'tracking.ts': TRACKING };
    for (let i = 0; i < 12; i++) {
      files[`w${i}.ts`] =
        i === 11
          ? `import OpenAI from 'openai';\nimport type { ChatCompletion } from 'openai/resources/chat/completions';\n\nconst client = new OpenAI();\n\nexport async function w11(n: number): Promise<ChatCompletion> {\n  return client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] });\n}\n`
          : `import type { ChatCompletion } from 'openai/resources/chat/completions';\nimport { w${i + 1} } from './w${i + 1}';\n\nexport async function w${i}(n: number): Promise<ChatCompletion> {\n  if (n > 0) return w${i + 1}(n - 1);\n  return w${i + 1}(n);\n}\n`;
    }
    files['input.ts'] = `import { w0 } from './w0';
import { trackTokenUsage } from './tracking';

export async function run(userId: string): Promise<void> {
  const completion = await w0(3);
  await trackTokenUsage({ user_id: userId, action_type: 'chain', tokens_used: completion.usage?.total_tokens ?? 0 });
}
`;
    const reads = new Map<string, number>();
    const all = new Map(Object.entries(files).map(([p, t]) => [`/app/${p}`, t]));
    const [file] = addReconciliationFields([{ path: '/app/input.ts', text: files['input.ts'] }], {
      readFile: (p) => {
        reads.set(p, (reads.get(p) ?? 0) + 1);
        return all.get(p);
      },
    }).files;
    expect(file.status, file.error).toBe('changed');
    expect(file.calls.map((c) => [c.status, c.added?.openai_request_id])).toEqual([['updated', 'completion.id']]);
    expect(Math.max(...[...reads.values()])).toBeLessThanOrEqual(20);
  });
});

describe("an exception in one file is that file's error; the run goes on", () => {
  for (const schemaStep of [true, false]) {
    it(`programmatic API (schema step ${schemaStep ? 'on' : 'off'})`, () => {
      const plans = plan(
        {
          'tracking.ts': schemaStep ? TRACKING_WITHOUT_FIELDS : TRACKING,
          'deep.ts': DEEP,
          'good.ts': goodFile(),
          'input.ts': goodFile('other'),
        },
        { schemaStep },
      );
      const deep = callOf(plans, 'deep.ts');
      expect(deep.status).toBe('error');
      expect(deep.error).toMatch(
        /^the analysis failed \(RangeError: Maximum call stack size exceeded\); the file is left unchanged/,
      );
      expect(deep.output).toBeUndefined();
      for (const path of ['good.ts', 'input.ts']) {
        const good = callOf(plans, path);
        expect(good.status, good.error).toBe('changed');
        expect(good.output).toContain('openai_request_id: completion.id');
      }
      // The schema step is still planned for the other files: the tracker's type gains the fields.
      if (schemaStep) expect(callOf(plans, 'tracking.ts').output).toContain('openai_request_id?: string | null;');
    });
  }

  it('the CLI: the failing file is reported with its message, every other file is planned and written, exit 1', async () => {
    const cycle = join(REPO, 'fixtures', 'recursive-wrapper-cycle');
    const dir = tempDir({ 'tracking.ts': TRACKING_WITHOUT_FIELDS, 'deep.ts': DEEP, 'good.ts': goodFile() });
    cpSync(cycle, join(dir, 'cycle'), { recursive: true });
    rmSync(join(dir, 'cycle', 'output.ts'));
    const before = snapshotTree(dir);

    const dry = await runCli(['.', '--json', 'report.json'], dir);
    expect(dry.code, dry.stderr).toBe(1);
    expect(dry.stderr).not.toMatch(/fatal/);
    expect(dry.stderr).toContain('error deep.ts: the analysis failed (RangeError: Maximum call stack size exceeded)');
    expect(dry.stdout).toContain('+    openai_request_id: completion.id,');
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.summary).toMatchObject({ updated: 1, manual: 3, errors: 1 });
    const deep = report.files.find((f: { path: string }) => f.path === 'deep.ts');
    expect(deep).toMatchObject({ status: 'error' });
    expect(deep.error).toContain('RangeError: Maximum call stack size exceeded');

    const write = await runCli(['.', '--write', '--quiet'], dir);
    expect(write.code, write.stderr).toBe(1);
    const after = snapshotTree(dir);
    expect(after.get('deep.ts')?.equals(before.get('deep.ts')!)).toBe(true);
    for (const file of ['cycle/input.ts', 'cycle/summarize.ts', 'cycle/retry.ts'])
      expect(after.get(file)?.equals(before.get(file)!), file).toBe(true);
    expect(after.get('good.ts')!.toString()).toContain('openai_request_id: completion.id,');
    expect(after.get('tracking.ts')!.toString()).toContain('openai_request_id?: string | null;');
  });

  it('the jscodeshift transform: the failing file throws (jscodeshift counts an error), the next file is still transformed', () => {
    const dir = tempDir({ 'tracking.ts': TRACKING, 'deep.ts': DEEP, 'good.ts': goodFile() });
    const require = createRequire(import.meta.url);
    const transform = require(join(REPO, 'codemods', 'jscodeshift.cjs')) as (
      file: { path: string; source: string },
      api: unknown,
      options?: Record<string, unknown>,
    ) => string | undefined;
    expect(() => transform({ path: join(dir, 'deep.ts'), source: DEEP }, {}, { root: dir })).toThrow(
      /deep\.ts: the analysis failed \(RangeError/,
    );
    expect(transform({ path: join(dir, 'good.ts'), source: goodFile() }, {}, { root: dir })).toContain(
      'openai_request_id: completion.id,',
    );

    // The real binary: one error, one file written, exit 0 without --fail-on-error.
    const jscodeshift = spawnSync(
      join(REPO, 'node_modules', '.bin', 'jscodeshift'),
      ['-t', join(REPO, 'codemods', 'jscodeshift.cjs'), '.', '--extensions=ts', '--parser=tsx', '--run-in-band'],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    );
    expect(jscodeshift.stdout, jscodeshift.stderr).toMatch(/1 errors/);
    expect(jscodeshift.stdout).toMatch(/1 ok/);
    expect(readFileSync(join(dir, 'good.ts'), 'utf8')).toContain('openai_request_id: completion.id,');
    expect(readFileSync(join(dir, 'deep.ts'), 'utf8')).toBe(DEEP);
  });
});

describe('recon-codemod . | head', () => {
  it('a reader that closes stdout early ends the output quietly; the run finishes with its own exit code', async () => {
    // 40 diffs of ~8 KB each: far more than a pipe holds, so the bin is still writing when the reader goes.
    const files: Record<string, string> = { 'tracking.ts': TRACKING };
    for (let i = 0; i < 40; i++) files[`good${i}.ts`] = goodFile(`run${i}`, `\n  // ${'context '.repeat(1000)}`);
    const dir = tempDir(files);
    const child = spawn(process.execPath, [BIN, '.', '--json', 'report.json'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    let read = '';
    child.stdout.once('data', (chunk) => {
      read = String(chunk);
      child.stdout.destroy(); // what `head` does once it has its lines
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(read).toContain('--- a/good');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    // The run went on past the closed pipe: its report is complete.
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.summary).toMatchObject({ calls: 40, updated: 40, errors: 0 });
  });
});
