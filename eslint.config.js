// ESLint (flat config): typescript-eslint's recommended rules over the sources, tests and build scripts.
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/', 'node_modules/', 'bench/results/', 'coverage/']},
  ...tseslint.configs.recommended,
  // A core ESLint rule the sources already annotate; not in test/, which matches terminal escape
  // sequences on purpose.
  {files: ['src/**'], rules: {'no-control-regex': 'error'}},
  {
    files: ['**/*.cjs'],
    languageOptions: {sourceType: 'commonjs', globals: {require: 'readonly', module: 'writable', process: 'readonly'}},
    // CommonJS files (the build's stand-ins for oclif and the lock addon) load with require().
    rules: {'@typescript-eslint/no-require-imports': 'off'},
  },
)
