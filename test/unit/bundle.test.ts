import assert from 'node:assert/strict';
import Module from 'node:module';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, root } from '../cliRunner';

// The chunk rule (esbuild.js): loading the extension's activation bundle requires only vscode, the shared chunk
// (error classes, bounded file reads) and Node built-ins. The engine, the sandbox, @azure/identity and node-forge are
// lazy chunks, required on first use; a stray import that pulls one in at activation fails here.
describe('the activation bundle', () => {
  it('requires nothing at load but vscode, ./shared.js and Node built-ins', function () {
    this.timeout(60_000);
    buildCli();
    const seen = new Set<string>();
    const loader = Module as unknown as {
      _load(request: string, parent: { filename?: string } | undefined, isMain: boolean): unknown;
    };
    const original = loader._load;
    // Only to load the file: any property of this stand-in is a callable that returns itself.
    const stand: unknown = new Proxy(function () {}, {
      get: (target, key) => (key === 'then' ? undefined : target),
      apply: (target) => target,
    });
    const dist = join(root, 'dist');
    loader._load = function (request, parent, isMain) {
      if (parent?.filename?.startsWith(dist)) seen.add(request);
      if (request === 'vscode') return stand;
      return original.call(this, request, parent, isMain);
    };
    try {
      const path = join(dist, 'extension.js');
      const load = Module.createRequire(__filename);
      delete load.cache[path];
      load(path);
    } finally {
      loader._load = original;
    }
    const extra = [...seen].filter((r) => r !== 'vscode' && r !== './shared.js' && !r.startsWith('node:'));
    assert.deepEqual(extra, [], `required at activation: ${extra.join(', ')}`);
    assert.ok(seen.has('./shared.js') && seen.has('vscode'), `saw ${[...seen].join(', ')}`);
  });

  it('stays within 150 KiB loaded at activation (extension.js + shared.js, production build)', function () {
    this.timeout(60_000);
    const out = mkdtempSync(join(tmpdir(), 'eat-dist-'));
    try {
      execFileSync(process.execPath, [join(root, 'esbuild.js'), '--production'], {
        cwd: root,
        env: { ...process.env, EAT_DIST: out },
      });
      const bytes = ['extension.js', 'shared.js'].reduce((n, f) => n + statSync(join(out, f)).size, 0);
      // BENCHMARKS.md's budget, in KiB (the .vsix ships these two files as built here).
      assert.ok(bytes <= 150 * 1024, `${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB) at activation, over 150 KiB`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("bundles no module that belongs to a chunk, and of the packages only jose's JWT decoding", () => {
    // The dev build has source maps: their `sources` are exactly what each bundle holds.
    const sources = (file: string) =>
      (JSON.parse(readFileSync(join(root, 'dist', `${file}.map`), 'utf8')) as { sources: string[] }).sources.map((s) =>
        s.replace(/^\.\.\//, ''),
      );
    const activation = sources('extension.js');
    // What src/chunks/ states: each chunk's entry re-exports its modules.
    const chunkMembers = readdirSync(join(root, 'src', 'chunks')).flatMap((f) =>
      [...readFileSync(join(root, 'src', 'chunks', f), 'utf8').matchAll(/from '\.\.\/([^']+)'/g)].map(
        (m) => `src/${m[1]}.ts`,
      ),
    );
    assert.ok(
      chunkMembers.includes('src/core/engine/agentTokens.ts') && chunkMembers.includes('src/core/errors/errors.ts'),
      chunkMembers.join(', '),
    );
    assert.deepEqual(
      activation.filter((s) => chunkMembers.includes(s)),
      [],
    );
    const packages = activation.filter((s) => s.startsWith('node_modules/'));
    assert.deepEqual(
      packages.filter(
        (s) =>
          !/^node_modules\/jose\/dist\/webapi\/(util\/(errors|base64url|decode_jwt|decode_protected_header)|lib\/(buffer_utils|validate))\.js$/.test(
            s,
          ),
      ),
      [],
    );
  });
});
