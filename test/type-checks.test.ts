// The whole-program type checks (test/type-check-files.ts), collected into this one file: vitest runs a file in one
// worker, and this one starts first (vitest.config.ts), beside the other tests, on a core of its own.
import { join } from 'node:path';
import { REPO } from './helpers.js';
import { TYPE_CHECK_FILES } from './type-check-files.js';

for (const file of TYPE_CHECK_FILES) await import(join(REPO, file));
