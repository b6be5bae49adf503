import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Every module reachable from `entry` through relative imports (static, dynamic, type-only), and the packages named. */
function importGraph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(specifier);
    }
  };
  visit(entry);
  return { files: [...files].map((f) => relative(root, f)).sort(), packages: [...packages].sort() };
}

it('recon-codemod/tracking reaches neither the analyser nor the compiler', () => {
  const { files, packages } = importGraph(resolve(root, 'src/tracking/index.ts'));
  // src/optional.ts: the one-line install hint for a missing driver (it imports only node:module).
  // src/engine/result-kinds.ts: the table of SDK result shapes, pure data that the runtime extractor reads too (it
  // imports only types from src/schema/fields.ts, checked below), never the analyser.
  expect(files.filter((f) => !f.startsWith('src/tracking/') && !f.startsWith('src/schema/'))).toEqual([
    'src/engine/result-kinds.ts',
    'src/optional.ts',
  ]);
  expect(importGraph(resolve(root, 'src/engine/result-kinds.ts'))).toEqual({
    files: ['src/engine/result-kinds.ts', 'src/schema/fields.ts'],
    packages: [],
  });
  expect(packages.filter((p) => !p.startsWith('node:'))).toEqual(['@electric-sql/pglite', 'pg', 'zod/v4']);
  // The drivers are loaded on first use only, so an app that uses one store does not need the others.
  const stores = readFileSync(resolve(root, 'src/tracking/stores.ts'), 'utf8');
  expect(stores).toMatch(/await importOptional\('@electric-sql\/pglite', .*\(\) => import\('@electric-sql\/pglite'\)/);
  expect(stores).toMatch(/await importOptional\('pg', .*\(\) => import\('pg'\)/);
  expect(stores).not.toMatch(/^import (?!type)[^;]*from '(pg|@electric-sql\/pglite)'/m);
  // zod too (an optional peer, the first row loads it): only the schema module imports it, and the tracker imports
  // that module on use; the entries re-export its types only.
  const tracker = readFileSync(resolve(root, 'src/tracking/tracker.ts'), 'utf8');
  expect(tracker).toMatch(/importOptional\('zod', .*\(\) => import\('\.\.\/schema\/zod\.js'\)/);
  for (const file of ['src/tracking/index.ts', 'src/tracking/tracker.ts', 'src/schema/index.ts']) {
    expect(readFileSync(resolve(root, file), 'utf8'), file).not.toMatch(
      /^(import|export) (?!type)[^;]*from '[^']*zod(\/v4|\.js)?'/m,
    );
  }
});
