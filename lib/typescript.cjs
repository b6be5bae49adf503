/**
 * The TypeScript compiler API the engine reads syntax with: the copy ts-morph ships (@ts-morph/common's), loaded from
 * ts-morph's own dependency without ts-morph itself. `import { ts } from 'ts-morph'` also compiled ts-morph's 950 KB
 * (its Project API, which the engine does not use) and had Node scan it for named exports: about 0.3 CPU s of every
 * process that loads the engine (the CLI, ESLint with the plugin, each jscodeshift worker). Imported as `#typescript`
 * (package.json "imports"); its types are lib/typescript.d.cts: ts-morph's `ts`, namespace and value.
 */
'use strict';

const { createRequire } = require('node:module');

module.exports = createRequire(require.resolve('ts-morph'))('@ts-morph/common').ts;
