import assert from 'node:assert/strict';
import Module from 'node:module';
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
    const loader = Module as unknown as { _load(request: string, parent: { filename?: string } | undefined, isMain: boolean): unknown };
    const original = loader._load;
    // Only to load the file: any property of this stand-in is a callable that returns itself.
    const stand: unknown = new Proxy(function () {}, { get: (target, key) => (key === 'then' ? undefined : target), apply: (target) => target });
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
});
