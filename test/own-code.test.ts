/**
 * Our own code passes the lint config (`eslint.config.mjs`: typescript-eslint's recommended rules) and Prettier
 * (`.prettierrc.json`), run here so that `npm test` keeps both true. The same checks run alone as `npm run lint` and
 * `npm run format:check`. Both keep a cache in node_modules/.cache, as `eslint --cache` and `prettier --cache` do: a
 * file whose content, config and tool version are unchanged since it last passed is not checked again.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { globbySync } from 'globby';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
// Per checkout: node_modules (and so its .cache) may be shared by several checkouts, whose suites may run at once.
const CACHE = join(
  REPO,
  'node_modules',
  '.cache',
  'recon-codemod-tests',
  `own-code-${createHash('sha256').update(REPO).digest('hex').slice(0, 12)}`,
);

describe('our own code', () => {
  it('passes eslint.config.mjs (typescript-eslint recommended)', async () => {
    // ESLint's own cache: by content, and it starts over when the config or ESLint's version changes.
    const eslint = new ESLint({
      cwd: REPO,
      cache: true,
      cacheStrategy: 'content',
      cacheLocation: join(CACHE, 'eslint'),
    });
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
    // The hashes of what passed: Prettier's version, the file's options and its content.
    const cacheFile = join(CACHE, 'prettier.json');
    let passed = new Set<string>();
    try {
      passed = new Set(JSON.parse(readFileSync(cacheFile, 'utf8')) as string[]);
    } catch {
      // No cache yet (or an unreadable one): every file is checked.
    }
    const passing: string[] = [];
    const unformatted: string[] = [];
    for (const file of files) {
      const path = join(REPO, file);
      const options = await prettier.resolveConfig(path);
      const text = readFileSync(path, 'utf8');
      const key = createHash('sha256')
        .update(`${prettier.version}\0${JSON.stringify(options)}\0${file}\0${text}`)
        .digest('hex');
      if (passed.has(key) || (await prettier.check(text, { ...options, filepath: path }))) passing.push(key);
      else unformatted.push(file);
    }
    mkdirSync(CACHE, { recursive: true });
    // Beside, then renamed: a run reading it meanwhile sees the old list or the new, never half of one.
    writeFileSync(`${cacheFile}.${process.pid}.tmp`, JSON.stringify(passing));
    renameSync(`${cacheFile}.${process.pid}.tmp`, cacheFile);
    expect(unformatted).toEqual([]);
  });
});
