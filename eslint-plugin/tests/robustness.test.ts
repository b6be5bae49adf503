/**
 * One file never stops the lint run: a file the rule cannot analyse (here the engine made to throw for one file) gets
 * no report, and the next file is reported as usual. (Wrappers that call each other, through the real `eslint` CLI,
 * are in cli.test.ts.)
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Linter } from 'eslint';
import { afterAll, describe, expect, it, vi } from 'vitest';
import recon from '../index.js';

const REPO = resolve(import.meta.dirname, '../..');
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
