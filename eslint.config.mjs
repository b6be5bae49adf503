// Lint for our own code (`npm run lint`): typescript-eslint's recommended config over the sources, the adapters,
// lib/, the lint plugin, the bench and the scripts. Fixtures, tests' inputs and build output are not ours to lint.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'fixtures/**',
      'test/**',
      'bench/real-world/corpus/**',
      'scratch/**',
      '**/*.d.ts',
    ],
  },
  {
    files: [
      'src/**/*.ts',
      'codemods/**/*.{ts,mjs,cjs}',
      'lib/**/*.cjs',
      'eslint-plugin/**/*.ts',
      'bench/**/*.{ts,mjs}',
      'scripts/**/*.{ts,mjs}',
    ],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `const { edit: _, ...rest } = plan` drops a property on purpose: the rest is what is used.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: {
      // A CommonJS transform (jscodeshift loads it with require): require() is the module system here.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
);
