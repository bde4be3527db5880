// For contributors with VS Code desktop and a network: runs the in-host suite through @vscode/test-cli
// (`node esbuild.js --tests && npx vscode-test`). CI has no network to download VS Code, so `npm run test:vscode`
// runs the same suites in code-server instead (test/vscode/runExtensionTests.ts), with the reload phase as well.
import { defineConfig } from '@vscode/test-cli';

export default defineConfig({
  files: 'out/test/extension/suites-main.js',
  version: 'stable',
  mocha: { ui: 'bdd', timeout: 30000 },
  env: { EAT_FIXTURES: new URL('./test/fixtures', import.meta.url).pathname },
});
