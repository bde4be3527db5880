import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        performance: 'readonly',
        TextDecoder: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    // The core and the sandbox run under plain Node (CLI, tests): they must never reach for the editor.
    files: ['src/core/**', 'src/sandbox/**', 'src/sidecar/**', 'src/cli.ts', 'src/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'vscode', message: 'src/core, src/sandbox and the CLI must not import vscode.' }] },
      ],
    },
  },
  {
    // Text from tokens and servers reaches the terminal only through the CLI's escaping writers (src/cli/terminal.ts).
    files: ['src/cli.ts', 'src/cli/**'],
    ignores: ['src/cli/terminal.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "MemberExpression[object.object.name='process'][object.property.name=/^(stdout|stderr)$/][property.name='write']",
          message: 'Write through writeOut/writeErr (src/cli/terminal.ts), which escape control characters.',
        },
      ],
    },
  },
  {
    // Our commands run through runCommand / commandLink (commands/run.ts), whose arguments the signature map checks;
    // the workbench's own through workbench.ts.
    files: ['src/extension/**', 'test/extension/**'],
    ignores: ['src/extension/commands/run.ts', 'src/extension/workbench.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[property.name='executeCommand']",
          message:
            'Use runCommand from src/extension/commands/run.ts (typed by commands/signatures.ts), or the wrappers in src/extension/workbench.ts.',
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-console': 'off' },
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**', 'samples/**'],
    rules: { 'no-console': 'off' },
  },
);
