// One context per bundle: the extension (node/cjs, vscode external) and the CLI (node/cjs, with a shebang).
const esbuild = require('esbuild');

const production = process.argv.includes('--production');
// --tests: also the in-VS-Code test bundles (out/test/extension), which the extension host loads.
const tests = process.argv.includes('--tests');
const watch = process.argv.includes('--watch');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'warning',
  legalComments: 'none',
  define: { __VERSION__: JSON.stringify(require('./package.json').version) },
};

/** In the extension, heavy libraries resolve to chunks of their own next to extension.js, required only when used. */
const azureIdentityChunk = {
  name: 'lazy-chunks',
  setup(build) {
    build.onResolve({ filter: /^@azure\/identity$/ }, () => ({ path: './azure-identity.js', external: true }));
    build.onResolve({ filter: /^node-forge$/ }, () => ({ path: './node-forge.js', external: true }));
  },
};

async function main() {
  const contexts = [
    // The banner marks when the bundle starts loading, so activation time in the log includes module evaluation.
    esbuild.context({ ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'], banner: { js: 'var __eatLoadStart = performance.now();' }, plugins: [azureIdentityChunk] }),
    esbuild.context({ ...common, entryPoints: ['src/extension/azureIdentity.ts'], outfile: 'dist/azure-identity.js' }),
    esbuild.context({ ...common, entryPoints: ['src/extension/nodeForge.ts'], outfile: 'dist/node-forge.js' }),
    // @azure/identity (about 1 MB with its msal) stays a runtime dependency, loaded only for --managed-identity,
    // so the CLI's other commands start fast.
    esbuild.context({ ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, external: ['@azure/identity', 'node-forge'] }),
  ];
  // The inspector's browser code, and the codicon font it shows icons with.
  contexts.push(
    esbuild.context({
      ...common,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      define: {},
      entryPoints: ['src/webview-ui/inspector.ts'],
      outfile: 'dist/webview.js',
    }),
  );
  if (tests) {
    const testOptions = { ...common, minify: false, sourcemap: 'inline', external: ['vscode', 'mocha'] };
    contexts.push(
      esbuild.context({ ...testOptions, entryPoints: ['test/extension/index.ts'], outfile: 'out/test/extension/index.js' }),
      esbuild.context({ ...testOptions, entryPoints: ['test/extension/commands.test.ts'], outfile: 'out/test/extension/suites-main.js' }),
      esbuild.context({ ...testOptions, entryPoints: ['test/extension/reload/persistence.test.ts'], outfile: 'out/test/extension/suites-reload.js' }),
    );
  }
  const built = await Promise.all(contexts);
  if (watch) {
    await Promise.all(built.map((c) => c.watch()));
    return;
  }
  const fs = require('node:fs');
  fs.mkdirSync('dist/codicons', { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) fs.copyFileSync(`node_modules/@vscode/codicons/dist/${f}`, `dist/codicons/${f}`);
  await Promise.all(built.map((c) => c.rebuild()));
  await Promise.all(built.map((c) => c.dispose()));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
