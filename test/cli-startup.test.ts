/**
 * `--help`, `--version`, `sql`, `reconcile` and `report merge` never load the analyser (ts-morph's TypeScript, which
 * takes longer to load than a whole `--help` takes): the CLI's modules reach it only through the codemod's dynamic
 * import.
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { REPO } from './helpers.js';

/** Modules and packages reachable from `entry` through static imports and re-exports that load at run time. */
function loadedAtStartup(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    for (const statement of source.statements) {
      const isImport = ts.isImportDeclaration(statement) && !statement.importClause?.isTypeOnly;
      const isExport = ts.isExportDeclaration(statement) && !statement.isTypeOnly && !!statement.moduleSpecifier;
      if (!isImport && !isExport) continue;
      // `import { type A, type B } from …` loads nothing either.
      const clause = ts.isImportDeclaration(statement) ? statement.importClause : undefined;
      const bindings = clause?.namedBindings;
      if (
        bindings &&
        ts.isNamedImports(bindings) &&
        !clause?.name &&
        bindings.elements.length > 0 &&
        bindings.elements.every((e) => e.isTypeOnly)
      )
        continue;
      const specifier = ((statement as ts.ImportDeclaration | ts.ExportDeclaration).moduleSpecifier as ts.StringLiteral)
        .text;
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(specifier);
    }
  };
  visit(entry);
  return { files: [...files].map((f) => relative(REPO, f)).sort(), packages: [...packages].sort() };
}

it('the CLI loads the analyser only for the codemod itself', async () => {
  const cli = loadedAtStartup(resolve(REPO, 'src/cli.ts'));
  // '#typescript' is ts-morph's TypeScript (package.json "imports": lib/typescript.cjs).
  for (const analyser of ['#typescript', 'ts-morph', 'typescript']) expect(cli.packages).not.toContain(analyser);
  expect(cli.files.some((f) => f.startsWith('src/engine/'))).toBe(false);
  // The codemod's own module does reach it (the check above is not vacuous).
  const codemod = loadedAtStartup(resolve(REPO, 'src/codemod-command.ts'));
  expect(codemod.files).toContain('src/engine/index.ts');
  expect(codemod.packages).toContain('#typescript');

  // And `--help` / `--version` alone are answered without it, with the same text as the codemod's own parsing.
  let help = '';
  const io = {
    cwd: REPO,
    stdout: (t: string) => void (help += t),
    stderr: () => {},
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env: {},
  };
  expect(await main(['--help'], io)).toBe(0);
  const viaCodemod = { ...io, stdout: (t: string) => void (parsed += t) };
  let parsed = '';
  expect(await main(['--help', '--quiet'], viaCodemod)).toBe(0);
  expect(help).toMatch(/^Usage: recon-codemod/);
  expect(help).toBe(parsed);
});
