// The bench's reference figure: walk the tree, read every .ts/.tsx file, and parse with TypeScript's
// `createSourceFile` only the files whose text mentions the callee. No edits, no analysis: what the codemod's
// prefiltered parse costs at the least. Usage: node bench/parse-candidates.mjs <dir> [callee]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const [dir, callee = 'trackTokenUsage'] = process.argv.slice(2);
const SKIP = new Set(['node_modules', '.git', 'dist', 'build', '.next']);
let files = 0;
let parsed = 0;
let nodes = 0;
const walk = (d) => {
  for (const entry of readdirSync(d, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const full = join(d, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (/\.(ts|tsx)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      files++;
      const text = readFileSync(full, 'utf8');
      if (!text.includes(callee)) continue;
      const sf = ts.createSourceFile(
        full,
        text,
        ts.ScriptTarget.Latest,
        true,
        full.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
      );
      parsed++;
      nodes += sf.statements.length;
    }
  }
};
walk(dir);
console.log(`${files} files, ${parsed} parsed, ${nodes} top-level statements`);
