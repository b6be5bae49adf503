/**
 * Our own code passes the lint config (`eslint.config.mjs`: typescript-eslint's recommended rules) and Prettier
 * (`.prettierrc.json`), run here so that `npm test` keeps both true. The same checks run alone as `npm run lint` and
 * `npm run format:check`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { globbySync } from 'globby';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('our own code', () => {
  it('passes eslint.config.mjs (typescript-eslint recommended)', async () => {
    const eslint = new ESLint({ cwd: REPO });
    const results = await eslint.lintFiles(['.']);
    // The config covers the sources, the adapters, the plugin, the bench and the scripts: a config that matched
    // nothing would pass without linting.
    expect(results.length).toBeGreaterThan(50);
    const problems = results.flatMap((r) =>
      r.messages.map((m) => `${relative(REPO, r.filePath)}:${m.line}:${m.column} ${m.ruleId ?? 'parse'}: ${m.message}`),
    );
    expect(problems).toEqual([]);
  });

  it('is formatted by Prettier (.prettierrc.json)', async () => {
    const script = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).scripts['format:check'] as string;
    // The globs of `npm run format:check`, read from package.json so both check the same files.
    const globs = [...script.matchAll(/"([^"]+)"|(\S+\.m?[jt]s)\b/g)]
      .map((m) => m[1] ?? m[2])
      .filter((g) => !g.startsWith('--'));
    const ignore = readFileSync(join(REPO, '.prettierignore'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'));
    const files = globbySync(globs, { cwd: REPO, ignore, gitignore: true });
    expect(files.length).toBeGreaterThan(50);
    const unformatted: string[] = [];
    for (const file of files) {
      const path = join(REPO, file);
      const options = await prettier.resolveConfig(path);
      if (!(await prettier.check(readFileSync(path, 'utf8'), { ...options, filepath: path }))) unformatted.push(file);
    }
    expect(unformatted).toEqual([]);
  });
});
