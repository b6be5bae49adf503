// Rewrites README.md's field mapping table from src/engine/result-kinds.ts (`npm run docs:kinds`); `--check` only
// says whether it is up to date (exit 1 if not). test/result-kinds.test.ts checks it too.
import { readFileSync, writeFileSync } from 'node:fs';
import { withMappingTable } from '../src/engine/result-kinds-table.js';

const readmePath = new URL('../README.md', import.meta.url);
const readme = readFileSync(readmePath, 'utf8');
const updated = withMappingTable(readme);
if (updated === undefined) {
  console.error('README.md: the result-kinds markers are missing');
  process.exit(1);
}
if (process.argv.includes('--check')) {
  if (updated !== readme) {
    console.error('README.md: the mapping table is out of date: run `npm run docs:kinds`');
    process.exit(1);
  }
} else if (updated !== readme) {
  writeFileSync(readmePath, updated);
  console.log('README.md: mapping table updated');
}
