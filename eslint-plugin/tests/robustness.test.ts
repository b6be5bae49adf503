/**
 * One file never stops the lint run:
 *  - wrappers that call themselves or each other across modules (fixtures/recursive-wrapper-cycle) are reported as
 *    manual, through the real `eslint` CLI with `recon.configs.recommended`, next to an ordinary file: no "Oops!
 *    Something went wrong", every file linted;
 *  - a file the rule cannot analyse (here the engine made to throw for one file) gets no report, and the next file is
 *    reported as usual.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Linter } from 'eslint';
import { afterAll, describe, expect, it, vi } from 'vitest';
import recon from '../index.js';

const REPO = resolve(import.meta.dirname, '../..');
const ESLINT_BIN = join(REPO, 'node_modules', 'eslint', 'bin', 'eslint.js');
const PLUGIN_DIST = join(REPO, 'dist', 'eslint-plugin', 'index.js');
const RULE_ID = 'recon/require-reconciliation-fields';
const THROW = '/* make the engine throw */';

// The engine never throws on its own (analyzeFile turns an exception into the file's error); this stands for whatever
// else could go wrong in the rule around it.
vi.mock('../../src/engine/analyze.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/engine/analyze.js')>();
  return {
    ...real,
    analyzeFile: (...args: Parameters<typeof real.analyzeFile>) => {
      if (args[0].text.includes(THROW)) throw new RangeError('Maximum call stack size exceeded');
      return real.analyzeFile(...args);
    },
  };
});

const work = mkdtempSync(join(tmpdir(), 'recon-eslint-robust-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the rule on a file it cannot analyse', () => {
  it('reports nothing for it, and reports the next file as usual', () => {
    cpSync(join(REPO, 'fixtures', 'chat-completion', 'tracking.ts'), join(work, 'tracking.ts'));
    const linter = new Linter({ configType: 'flat', cwd: work });
    const config = [{ ...(recon.configs.recommended as Linter.Config), files: ['**/*.ts'] }];
    const input = `import { trackTokenUsage } from './tracking';\n\nexport async function run(): Promise<void> {\n  await trackTokenUsage({ user_id: 'u', action_type: 'a', model_used: 'm', tokens_used: 1, success: true });\n}\n`;
    const failing = linter.verify(`${THROW}\n${input}`, config, { filename: join(work, 'failing.ts') });
    expect(failing).toEqual([]);
    const ordinary = linter.verify(input, config, { filename: join(work, 'ordinary.ts') });
    expect(ordinary.map((m) => m.ruleId)).toEqual([RULE_ID]);
  });
});

describe('the real eslint CLI over wrappers that call each other', () => {
  it('reports every call of every file, and exits 1 (problems found), not 2', () => {
    if (!existsSync(PLUGIN_DIST)) spawnSync('npm', ['run', 'build'], { cwd: REPO, encoding: 'utf8' });
    const app = join(work, 'app');
    cpSync(join(REPO, 'fixtures', 'recursive-wrapper-cycle'), join(app, 'cycle'), { recursive: true });
    rmSync(join(app, 'cycle', 'output.ts'));
    cpSync(join(REPO, 'fixtures', 'chat-completion'), join(app, 'plain'), { recursive: true });
    rmSync(join(app, 'plain', 'output.ts'));
    symlinkSync(join(REPO, 'node_modules'), join(app, 'node_modules'), 'junction');
    writeFileSync(
      join(app, 'eslint.config.js'),
      `import recon from ${JSON.stringify(pathToFileURL(PLUGIN_DIST).href)};\nexport default [recon.configs.recommended];\n`,
    );
    const result = spawnSync(process.execPath, [ESLINT_BIN, '--format', 'json', '.'], {
      cwd: app,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(result.stderr).not.toMatch(/Oops|Maximum call stack/);
    expect(result.status, result.stderr).toBe(1);
    const files = JSON.parse(result.stdout) as Array<{
      filePath: string;
      messages: Array<{ ruleId: string | null; message: string }>;
    }>;
    const reported = (suffix: string) =>
      files.find((f) => f.filePath.endsWith(suffix))?.messages.filter((m) => m.ruleId === RULE_ID) ?? [];
    const cycle = reported('cycle/input.ts');
    expect(cycle).toHaveLength(3);
    expect(cycle.every((m) => /leaves this call to you.*calls itself/.test(m.message))).toBe(true);
    expect(reported('plain/input.ts')).toHaveLength(1);
  });
});
