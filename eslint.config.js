// `npm run lint` (part of `npm test`): typescript-eslint's recommended rules — the syntactic set, not the
// type-checked one, so linting stays fast and needs no program — and a line width of 160 characters.
import stylistic from '@stylistic/eslint-plugin';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // Not ours to lint: builds, run outputs (all git-ignored) and recorded API answers.
  { ignores: ['dist/', 'coverage/', 'exports/', 'storage/', 'bench/results/', 'test/fixtures/'] },
  tseslint.configs.recommended,
  {
    plugins: { '@stylistic': stylistic },
    rules: {
      // Strings and template literals count too: a long message is wrapped into concatenated pieces.
      // Only import lines may run longer. No `ignoreUrls`: it exempts every line that merely contains a
      // URL (a long log message with `s3://…` in it), and no URL here is anywhere near 160 characters.
      '@stylistic/max-len': ['error', { code: 160, ignorePattern: '^\\s*import\\s' }],
      // Deliberately unused: `_`-prefixed parameters (hooks with a default no-op body, signatures kept),
      // and keys dropped from an object by destructuring it into `...rest`.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // The sandbox's own tests read its raw JSON answers, untyped on purpose: they check the wire format.
    files: ['test/sandbox/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // CommonJS (jest loads reporters with require), so `require` is the way to import here.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
