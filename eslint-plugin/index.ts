/**
 * `recon-codemod/eslint-plugin`: keeps a repository migrated after `recon-codemod --write`.
 *
 * ```js
 * // eslint.config.js
 * import recon from 'recon-codemod/eslint-plugin'
 * export default [ ...otherConfigs, recon.configs.recommended ]
 * ```
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TSESLint } from '@typescript-eslint/utils';
import { DEFAULT_CONFIG } from '../src/config.js';
import { requireOptional } from '../src/optional.js';
import { rule as requireReconciliationFields } from './rules/require-reconciliation-fields.js';

// An optional peer dependency (the codemod alone does not need it): missing, it is asked for in one line.
const tsParser = requireOptional<typeof import('@typescript-eslint/parser')>(
  '@typescript-eslint/parser',
  'recon-codemod/eslint-plugin',
);

/**
 * The package's version, from its package.json: found by walking up from this module, so it is the same whether this
 * runs from source (`eslint-plugin/index.ts`) or compiled (`dist/eslint-plugin/index.js`).
 */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'recon-codemod' && pkg.version) return pkg.version;
    } catch {
      // no package.json here: keep walking up
    }
    if (dirname(dir) === dir) return '0.0.0';
  }
}

export const rules = {
  'require-reconciliation-fields': requireReconciliationFields,
};

type Plugin = {
  meta: { name: string; version: string };
  rules: typeof rules;
  configs: { recommended: TSESLint.FlatConfig.Config };
};

const plugin: Plugin = {
  meta: { name: 'recon-codemod', version: packageVersion() },
  rules,
  configs: {} as Plugin['configs'],
};

/**
 * Registers the plugin as `recon` and turns the rule on as an error for JavaScript and TypeScript sources. It sets
 * `@typescript-eslint/parser` (which parses JavaScript too) so TypeScript files parse without further setup; the rule
 * itself needs no type information and no `parserOptions.project`. It skips the files the codemod skips by default
 * (tests: `DEFAULT_CONFIG.exclude`), so `eslint` and `recon-codemod --check` look at the same files.
 */
const recommended: TSESLint.FlatConfig.Config = {
  name: 'recon-codemod/recommended',
  files: ['**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}'],
  ignores: [...DEFAULT_CONFIG.exclude],
  plugins: { recon: plugin as unknown as TSESLint.FlatConfig.Plugin },
  languageOptions: {
    parser: tsParser as TSESLint.FlatConfig.Parser,
  },
  rules: {
    'recon/require-reconciliation-fields': 'error',
  },
};

plugin.configs.recommended = recommended;

export const configs = plugin.configs;
export const meta = plugin.meta;
export default plugin;
