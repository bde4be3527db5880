// One context per bundle: the extension's activation bundle (node/cjs, vscode external), the CLI (node/cjs, with a
// shebang), the lazy chunks both share (one per file in src/chunks/, see readChunks), the inspector's browser bundle (iife), and with --tests the
// in-VS-Code test bundles. test/unit/bundle.test.ts holds the activation bundle to the chunk rule.
const esbuild = require('esbuild');

const production = process.argv.includes('--production');
// EAT_DIST: build into another folder than dist/ (the bundle test measures a production build there).
const dist = process.env.EAT_DIST || 'dist';
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
 * The node bundles share lazily loaded chunks in dist/, one file each, required only when first used. The chunk map
 * is stated once, by the files in src/chunks/: each file is a chunk (src/chunks/azureIdentity.ts → dist/azure-identity.js),
 * and what it re-exports (`export … from '../core/x'` or `from 'package'`) belongs to it. An import of a module or a
 * package that belongs to a chunk becomes a require of that chunk, except inside the chunk itself. So a new module
 * goes into a chunk by being exported from its entry; one the engine only imports is bundled into engine.js with its
 * importer. The extension's activation bundle and the CLI's entry therefore hold only what registration and
 * argument parsing need (test/unit/bundle.test.ts holds them to it).
 */
const path = require('node:path');
const fs = require('node:fs');
function readChunks() {
  const dir = path.join(__dirname, 'src', 'chunks');
  const chunks = {};
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort()) {
    const name = file.replace(/\.ts$/, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const modules = [];
    const packages = [];
    for (const [, from] of text.matchAll(/^(?:export|import)\b[^;]*?\bfrom '([^']+)';/gms)) {
      if (from.startsWith('.'))
        modules.push(path.relative(path.join(__dirname, 'src'), path.resolve(dir, from)).replace(/\\/g, '/'));
      else packages.push(from);
    }
    chunks[name] = { entry: `src/chunks/${file}`, modules, packages };
  }
  return chunks;
}
const CHUNKS = readChunks();
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
          const rel = path
            .relative(srcDir, path.resolve(args.resolveDir, args.path))
            .replace(/\\/g, '/')
            .replace(/\.ts$/, '');
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

/**
 * The main phase's in-host suites: every `test/extension/*.test.ts`, found by name, so a new suite runs without being
 * listed. Order matters only for the ones named in `first` (the secrets suite leaves nothing behind for the others);
 * the rest run in name order.
 */
function mainPhaseSuites() {
  const first = ['secrets.test.ts'];
  const found = fs.readdirSync('test/extension').filter((f) => f.endsWith('.test.ts'));
  const rest = found.filter((f) => !first.includes(f)).sort();
  return [...first.filter((f) => found.includes(f)), ...rest].map((f) => `import './${f.slice(0, -3)}';`).join('\n');
}

async function main() {
  const contexts = [
    // The banner marks when the bundle starts loading, so activation time in the log includes module evaluation.
    esbuild.context({
      ...common,
      entryPoints: ['src/extension/extension.ts'],
      outfile: `${dist}/extension.js`,
      external: ['vscode'],
      banner: { js: 'var __eatLoadStart = performance.now();' },
      plugins: [chunksPlugin('extension')],
    }),
    esbuild.context({
      ...common,
      entryPoints: ['src/cli.ts'],
      outfile: `${dist}/cli.js`,
      banner: { js: '#!/usr/bin/env node' },
      plugins: [chunksPlugin('cli')],
    }),
    ...Object.entries(CHUNKS).map(([name, chunk]) =>
      esbuild.context({
        ...common,
        entryPoints: [chunk.entry],
        outfile: `${dist}/${name}.js`,
        // A chunk loaded by the extension may use its API (the provisioning commands); the CLI never loads those.
        external: ['vscode'],
        plugins: name === 'engine' ? [chunksPlugin(name), withoutHttp2] : [chunksPlugin(name)],
      }),
    ),
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
      outfile: `${dist}/webview.js`,
    }),
  );
  if (tests) {
    const testOptions = { ...common, minify: false, sourcemap: 'inline', external: ['vscode', 'mocha'] };
    contexts.push(
      esbuild.context({
        ...testOptions,
        entryPoints: ['test/extension/index.ts'],
        outfile: 'out/test/extension/index.js',
      }),
      esbuild.context({
        ...testOptions,
        stdin: {
          contents: mainPhaseSuites(),
          resolveDir: 'test/extension',
          sourcefile: 'suites-main.ts',
          loader: 'ts',
        },
        outfile: 'out/test/extension/suites-main.js',
      }),
      esbuild.context({
        ...testOptions,
        entryPoints: ['test/extension/reload/persistence.test.ts'],
        outfile: 'out/test/extension/suites-reload.js',
      }),
      esbuild.context({
        ...testOptions,
        entryPoints: ['test/extension/restricted/restricted.test.ts'],
        outfile: 'out/test/extension/suites-restricted.js',
      }),
      esbuild.context({
        ...testOptions,
        entryPoints: ['bench/vscode/treeScale.bench.ts'],
        outfile: 'out/test/extension/suites-bench.js',
      }),
    );
  }
  const built = await Promise.all(contexts);
  // Watching, the server may change under a listing written before: the CLI's MCP front then starts the SDK at once.
  fs.rmSync(`${dist}/mcp-listings.json`, { force: true });
  if (watch) {
    await Promise.all(built.map((c) => c.watch()));
    return;
  }
  fs.mkdirSync(`${dist}/codicons`, { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf'])
    fs.copyFileSync(`node_modules/@vscode/codicons/dist/${f}`, `${dist}/codicons/${f}`);
  await Promise.all(built.map((c) => c.rebuild()));
  await Promise.all(built.map((c) => c.dispose()));
  writeMcpListings();
}

/**
 * What the CLI's MCP front (src/cli/mcp/fastStart.ts) answers before the SDK loads: initialize and the lists, as the
 * server just built answers them (frontListings asks it through the SDK), so the two cannot differ.
 */
function writeMcpListings() {
  const chunk = path.resolve(dist, 'mcp.js');
  const file = path.resolve(dist, 'mcp-listings.json');
  const version = require('./package.json').version;
  const script = `require(${JSON.stringify(chunk)}).frontListings(${JSON.stringify(version)}).then((l) => require('node:fs').writeFileSync(${JSON.stringify(file)}, JSON.stringify(l)))`;
  require('node:child_process').execFileSync(process.execPath, ['-e', script], { stdio: 'inherit' });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
