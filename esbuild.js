// One context per bundle: the extension's activation bundle (node/cjs, vscode external), the CLI (node/cjs, with a
// shebang), the lazy chunks both share (CHUNKS below), the inspector's browser bundle (iife), and with --tests the
// in-VS-Code test bundles. test/unit/bundle.test.ts holds the activation bundle to the chunk rule.
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
  // A lazy chunk is required, not import()ed: import() of a file would start Node's ESM loader for a CommonJS chunk.
  supported: { 'dynamic-import': false },
};

/**
 * The node bundles share lazily loaded chunks in dist/, one file each, required only when first used:
 *   shared.js          the error classes (one copy, so instanceof holds across bundles)
 *   engine.js          the token engine, undici, jose signing, certificate files, signature checks
 *   sandbox.js         the sandbox tenant
 *   azure-identity.js  @azure/identity, for managed identities
 *   node-forge.js      node-forge, for PFX files
 * An import of a module that belongs to a chunk becomes a require of that chunk, except inside the chunk itself.
 * The extension's activation bundle and the CLI's entry therefore hold only what registration and argument parsing need.
 */
const path = require('node:path');
const CHUNKS = {
  shared: { entry: 'src/chunks/shared.ts', modules: ['core/errors', 'core/entraError', 'core/errorCatalog', 'core/boundedFile'] },
  engine: { entry: 'src/chunks/engine.ts', modules: ['core/acquisition', 'core/credentialSource', 'core/agentTokens', 'core/credentials', 'core/certificateFile', 'core/signature', 'core/managedIdentity'] },
  sandbox: { entry: 'src/chunks/sandbox.ts', modules: ['sandbox/server', 'sandbox/directory'] },
  'azure-identity': { entry: 'src/chunks/azureIdentity.ts', packages: ['@azure/identity'] },
  'node-forge': { entry: 'src/chunks/nodeForge.ts', packages: ['node-forge'] },
};
const srcDir = path.join(__dirname, 'src');
function chunksPlugin(self) {
  const byModule = new Map();
  const byPackage = new Map();
  for (const [name, chunk] of Object.entries(CHUNKS)) {
    if (name === self) continue;
    for (const m of chunk.modules ?? []) byModule.set(m, name);
    for (const p of chunk.packages ?? []) byPackage.set(p, name);
  }
  return {
    name: 'chunks',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        let chunk;
        if (args.path.startsWith('.')) {
          const rel = path.relative(srcDir, path.resolve(args.resolveDir, args.path)).replace(/\\/g, '/').replace(/\.ts$/, '');
          chunk = byModule.get(rel);
        } else {
          chunk = byPackage.get(args.path);
        }
        return chunk ? { path: `./${chunk}.js`, external: true } : undefined;
      });
    },
  };
}

const { withoutHttp2 } = require('./scripts/esbuild-plugins');

async function main() {
  const contexts = [
    // The banner marks when the bundle starts loading, so activation time in the log includes module evaluation.
    esbuild.context({ ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'], banner: { js: 'var __eatLoadStart = performance.now();' }, plugins: [chunksPlugin('extension')] }),
    esbuild.context({ ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, plugins: [chunksPlugin('cli')] }),
    ...Object.entries(CHUNKS).map(([name, chunk]) => esbuild.context({ ...common, entryPoints: [chunk.entry], outfile: `dist/${name}.js`, plugins: name === 'engine' ? [chunksPlugin(name), withoutHttp2] : [chunksPlugin(name)] })),
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
      esbuild.context({ ...testOptions, entryPoints: ['test/extension/main.ts'], outfile: 'out/test/extension/suites-main.js' }),
      esbuild.context({ ...testOptions, entryPoints: ['test/extension/reload/persistence.test.ts'], outfile: 'out/test/extension/suites-reload.js' }),
      esbuild.context({ ...testOptions, entryPoints: ['test/extension/restricted/restricted.test.ts'], outfile: 'out/test/extension/suites-restricted.js' }),
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
