/**
 * The demo app (fixtures/demo-app) and its hand-written expected output after the codemod
 * (fixtures/demo-app-expected):
 *  - both type-check with the real TypeScript compiler against the installed `openai` (v6) and `ai` (v5) types
 *    (`tsc -p` in process: test/helpers.ts's typeCheck);
 *  - the expected tree only *adds* to the input: the three reconciliation fields inside trackTokenUsage literals,
 *    a comma after a last property that had none, and `, response` in an onFinish destructuring.
 */
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { typeCheck } from './helpers.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const inputRoot = path.join(repoRoot, 'fixtures', 'demo-app');
const expectedRoot = path.join(repoRoot, 'fixtures', 'demo-app-expected');

const FIELDS = ['openai_request_id', 'openai_created', 'system_fingerprint'] as const;
const ADDED_LINE = /^(\s*)(openai_request_id|openai_created|system_fingerprint): (.+?)(,?)$/;

function listFiles(root: string, dir = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(root, rel));
    else out.push(rel);
  }
  return out.sort();
}

const read = (root: string, rel: string) => readFileSync(path.join(root, rel), 'utf8');
const indentOf = (line: string) => /^\s*/.exec(line)![0];

/** Property names of every `trackTokenUsage({...})` literal in a file, plus onFinish destructurings. */
function inspect(rel: string, text: string) {
  const sf = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const calls: { line: number; keys: string[] }[] = [];
  const onFinishBindings: string[][] = [];
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'trackTokenUsage') {
      const [arg] = node.arguments;
      expect(arg && ts.isObjectLiteralExpression(arg), `${rel}: literal argument`).toBe(true);
      const keys = (arg as ts.ObjectLiteralExpression).properties.map((p) => (p.name as ts.Identifier).text);
      calls.push({ line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1, keys });
    }
    if (
      ts.isPropertyAssignment(node) &&
      ts.isIdentifier(node.name) &&
      node.name.text === 'onFinish' &&
      ts.isArrowFunction(node.initializer)
    ) {
      const [param] = node.initializer.parameters;
      if (param && ts.isObjectBindingPattern(param.name)) {
        onFinishBindings.push(param.name.elements.map((e) => (e.name as ts.Identifier).text));
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { calls, onFinishBindings };
}

describe('demo app fixtures', () => {
  for (const [name, root] of [
    ['fixtures/demo-app', inputRoot],
    ['fixtures/demo-app-expected', expectedRoot],
  ] as const) {
    it(`${name} type-checks with 0 diagnostics against the real openai and ai types`, () => {
      // Every error `tsc -p tsconfig.json --noEmit` would print (config, global and per-file): none, so it would exit 0.
      const { errors, files } = typeCheck(path.join(root, 'tsconfig.json'));
      expect(errors).toEqual([]);
      // The SDK types really were loaded from the repository's node_modules (not skipped or stubbed).
      expect(files).toContain(path.join(realpathSync(path.join(repoRoot, 'node_modules')), 'openai', 'index.d.mts'));
      expect(files).toContain(path.join(realpathSync(path.join(repoRoot, 'node_modules')), 'ai', 'dist', 'index.d.ts'));
      for (const rel of listFiles(root).filter((f) => f.endsWith('.ts'))) {
        expect(files).toContain(path.join(root, rel));
      }
    });
  }

  it('both trees hold the same files: the 11 seed routes plus the in-house wrapper route', () => {
    const input = listFiles(inputRoot);
    expect(listFiles(expectedRoot)).toEqual(input);
    expect(input.filter((f) => f.endsWith('/route.ts'))).toHaveLength(12);
  });

  it('the expected tree only adds the fields (plus a comma, plus `, response` in onFinish)', () => {
    let changedFiles = 0;
    let addedBlocks = 0;
    for (const rel of listFiles(inputRoot)) {
      const before = read(inputRoot, rel).split('\n');
      const after = read(expectedRoot, rel).split('\n');
      if (before.join('\n') !== after.join('\n')) changedFiles++;
      let i = 0; // index into `before`
      let j = 0; // index into `after`
      let lastCommaAdded = false;
      while (j < after.length) {
        const line = after[j];
        if (ADDED_LINE.test(line) && before[i] !== line) {
          // A block of added lines: the fields in order, indented like the property before them.
          const block: RegExpExecArray[] = [];
          while (j < after.length && ADDED_LINE.test(after[j]) && before[i] !== after[j]) {
            block.push(ADDED_LINE.exec(after[j])!);
            j++;
          }
          addedBlocks++;
          const where = `${rel}:${j - block.length + 1}`;
          const names = block.map((m) => m[2]);
          expect(names, where).toEqual(FIELDS.filter((f) => names.includes(f)));
          const propIndent = indentOf(after[j - block.length - 1]);
          for (const m of block) expect(m[1], where).toBe(propIndent);
          // Commas: all but the last; the last one only if the original last property had one.
          block.slice(0, -1).forEach((m) => expect(m[4], where).toBe(','));
          expect(block.at(-1)![4], where).toBe(lastCommaAdded ? '' : ',');
          // The block closes the trackTokenUsage call: `})` follows, one level out.
          expect(after[j], where).toMatch(/^\s*\}\);?$/);
          expect(indentOf(after[j]).length, where).toBe(propIndent.length - 2);
          lastCommaAdded = false;
          continue;
        }
        const old = before[i];
        expect(old, `${rel}:${j + 1} has no counterpart in the input`).not.toBeUndefined();
        lastCommaAdded = false;
        if (line !== old) {
          const where = `${rel}:${j + 1}: ${JSON.stringify(old)} -> ${JSON.stringify(line)}`;
          const k = Array.from({ length: old.length + 1 }, (_, idx) => idx).findIndex(
            (idx) => old.slice(0, idx) + ',' + old.slice(idx) === line,
          );
          if (k >= 0 && /^\s*(\/\/.*)?$/.test(old.slice(k)) && !old.slice(0, k).trimEnd().endsWith(',')) {
            // A comma after the last property (before any trailing comment), then the added block.
            expect(ADDED_LINE.test(after[j + 1]), where).toBe(true);
            lastCommaAdded = true;
          } else {
            expect(old, where).toMatch(/onFinish: async \(\{ [^}]*\}\) =>/);
            expect(line, where).toBe(old.replace(/ \}\) =>/, ', response }) =>'));
          }
        }
        i++;
        j++;
      }
      expect(i, `${rel}: lines of the input missing from the expected output`).toBe(before.length);
    }
    expect(changedFiles).toBe(11); // 12 routes, category-summary already migrated
    expect(addedBlocks).toBe(12); // final-assembly has two calls
  });

  it('every trackTokenUsage call is incomplete before (but category-summary) and complete after', () => {
    let calls = 0;
    for (const rel of listFiles(inputRoot).filter((f) => f.endsWith('.ts'))) {
      const before = inspect(rel, read(inputRoot, rel));
      const after = inspect(rel, read(expectedRoot, rel));
      expect(after.calls.length, rel).toBe(before.calls.length);
      calls += after.calls.length;
      for (const [n, call] of after.calls.entries()) {
        for (const field of FIELDS) expect(call.keys, `${rel}:${call.line}`).toContain(field);
        // No duplicated keys, and the original keys keep their order in front.
        expect(new Set(call.keys).size, `${rel}:${call.line}`).toBe(call.keys.length);
        const original = before.calls[n].keys;
        const alreadyComplete = FIELDS.every((f) => original.includes(f));
        expect(alreadyComplete, `${rel}:${call.line}`).toBe(rel.includes('category-summary'));
        if (!alreadyComplete) expect(call.keys, rel).toEqual([...original, ...FIELDS]);
        else expect(call.keys, rel).toEqual(original);
      }
      if (rel.endsWith('viva/chat/route.ts')) {
        expect(before.onFinishBindings).toEqual([['usage']]);
        expect(after.onFinishBindings).toEqual([['usage', 'response']]);
      }
    }
    expect(calls).toBe(13);
  });
});
