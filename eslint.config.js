// Lint: typescript-eslint's type-checked rules, type-only imports, and no import cycles (the flow runs one
// way: caller → manager → router → tier).
import js from '@eslint/js'
import importX from 'eslint-plugin-import-x'
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  // asm/ is AssemblyScript (decorators on functions), not TypeScript that typescript-eslint can parse.
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'asm/**',
      'bench/results/**',
      'coverage/**',
      '.cache/**',
      // developers' local experiments (git-ignored)
      'scratch/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    // Cycles are our concern, not our dependencies' (parsing binaryen's bundle overflows the stack).
    // The TypeScript resolver maps our `.js` specifiers to their `.ts` sources: without it no import
    // resolves, and no-cycle and no-restricted-paths check nothing.
    settings: {
      'import-x/ignore': ['node_modules'],
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // The one-way flow (docs/architecture.md): tiers never reach back into the manager, policy and limits
      // are used by tiers and never use one, and nothing but the command line imports the command line.
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/tiers',
              from: './src/manager',
              message: 'tiers never import the manager',
            },
            { target: './src/policy', from: './src/tiers', message: 'policy/ imports no tier' },
            { target: './src/limits', from: './src/tiers', message: 'limits/ imports no tier' },
            {
              target: './src/policy',
              from: './src/manager',
              message: 'policy/ is used by the manager',
            },
            {
              target: './src/limits',
              from: './src/manager',
              message: 'limits/ is used by the manager',
            },
            {
              target: [
                './src/*.ts',
                './src/manager',
                './src/tiers',
                './src/policy',
                './src/limits',
              ],
              from: './src/cli',
              message: 'only bin/ uses the CLI',
            },
            {
              target: ['./src/config', './src/lifecycle'],
              from: ['./src/manager', './src/tiers', './src/policy', './src/cli'],
              message: 'config/ and lifecycle/ are leaves: everyone uses them, they use no part',
            },
            {
              target: [
                './src/*.ts',
                './src/config',
                './src/lifecycle',
                './src/manager',
                './src/tiers',
                './src/policy',
                './src/limits',
              ],
              from: ['./src/mcp', './src/tools'],
              message:
                'the MCP server and the tool definitions sit on the public API, above the manager',
            },
          ],
        },
      ],
      // async methods that fulfil an async contract without awaiting are fine
      '@typescript-eslint/require-await': 'off',
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'node:vm', message: 'node:vm is no sandbox: never run guest code with it' },
            { name: 'vm', message: 'node:vm is no sandbox' },
            { name: 'vm2', message: 'vm2 is abandoned and escapable' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
)
