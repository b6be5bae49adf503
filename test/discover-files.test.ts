/**
 * Which files a run scans: the include globs, the always-excluded trees, and what git ignores. Inside a git work tree
 * git says (`git ls-files`); outside one, the tree's own .gitignore files, each for the paths under its directory.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_INCLUDE, discoverFiles } from '../src/files.js';
import { tempDir } from './helpers.js';

function tree(files: Record<string, string>): string {
  const root = tempDir('recon-discover-');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

const APP = {
  'src/a.ts': '',
  'src/b.tsx': '',
  'src/types.d.ts': '',
  'src/generated/client.ts': '',
  'src/pkg/.gitignore': 'local.ts\n',
  'src/pkg/local.ts': '',
  'src/pkg/kept.ts': '',
  'src/other/local.ts': '',
  'scripts/seed.mjs': '',
  'node_modules/openai/index.js': '',
  '.next/server/page.js': '',
  'README.md': '',
  '.gitignore': 'src/generated/\n*.log\n',
};

const rel = (root: string, files: string[]) => files.map((f) => path.relative(root, f).split(path.sep).join('/'));

describe('discoverFiles', () => {
  it('outside git: every .gitignore in the tree applies to the paths under its own directory', async () => {
    const root = tree(APP);
    const { files } = await discoverFiles([], root, DEFAULT_INCLUDE, []);
    expect(rel(root, files)).toEqual([
      'scripts/seed.mjs',
      'src/a.ts',
      'src/b.tsx',
      'src/other/local.ts',
      'src/pkg/kept.ts',
    ]);
  });

  it('inside git: the same files, as git lists them (tracked or untracked, not ignored)', async () => {
    const root = tree(APP);
    execFileSync('git', ['init', '-q'], { cwd: root });
    const { files } = await discoverFiles([], root, DEFAULT_INCLUDE, []);
    expect(rel(root, files)).toEqual([
      'scripts/seed.mjs',
      'src/a.ts',
      'src/b.tsx',
      'src/other/local.ts',
      'src/pkg/kept.ts',
    ]);
  });

  it('--include / --exclude globs, and a link out of the target is not followed', async () => {
    const root = tree(APP);
    const outside = tree({ 'secret.ts': '' });
    symlinkSync(outside, path.join(root, 'src', 'linked'), 'dir');
    const { files } = await discoverFiles(['src'], root, ['**/*.ts'], ['**/other/**']);
    expect(rel(path.join(root, 'src'), files)).toEqual(['a.ts', 'pkg/kept.ts']);
  });
});
