import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandId, ContextKey } from '../../src/extension/commands/ids';
import { LM_TOOLS } from '../../src/extension/agentMode/lmToolIds';

interface Manifest {
  activationEvents: string[];
  contributes: {
    commands: { command: string; title: string; category?: string; icon?: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    views: Record<string, { id: string }[]>;
    viewsWelcome: { contents: string; when?: string }[];
    walkthroughs: { steps: { description: string; completionEvents?: string[] }[] }[];
    configuration: { properties: Record<string, { scope?: string }> };
    languageModelTools: { name: string; toolReferenceName: string; inputSchema: { properties: object } }[];
    chatInstructions: { name: string; path: string; description?: string }[];
  };
  capabilities: { untrustedWorkspaces: { supported: boolean | string; description?: string } };
}

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as Manifest;

describe('package.json manifest', () => {
  it('contributes exactly the language-model tools the code registers; the reading one takes GET and HEAD only', () => {
    const tools = manifest.contributes.languageModelTools;
    assert.deepEqual(tools.map((t) => t.name).sort(), Object.values(LM_TOOLS).sort());
    const read = tools.find((t) => t.name === LM_TOOLS.callApi)!.inputSchema.properties as Record<string, object>;
    assert.deepEqual(read.method, { type: 'string', enum: ['GET', 'HEAD'], description: 'GET (default) or HEAD.' });
    assert.equal(read.body, undefined);
  });
  it("contributes agent mode's instructions as VS Code takes them, naming only tools that exist", () => {
    // chatPromptFilesContribution.ts (microsoft/vscode): a name of [\w.-]+, a path inside the extension, and a
    // description, or the entry is refused.
    const root = join(__dirname, '..', '..');
    const references = new Set(manifest.contributes.languageModelTools.map((t) => t.toolReferenceName));
    assert.ok(manifest.contributes.chatInstructions.length > 0);
    for (const entry of manifest.contributes.chatInstructions) {
      assert.match(entry.name, /^[\w.-]+$/);
      assert.ok((entry.description ?? '').length > 20, entry.name);
      assert.match(entry.path, /^\.\/media\/[\w./-]+\.instructions\.md$/);
      const text = readFileSync(join(root, entry.path), 'utf8');
      assert.match(text, /^---\ndescription: '[^']+'\n---\n/);
      for (const m of text.matchAll(/#(entra\w+)/g)) assert.ok(references.has(m[1]!), `#${m[1]} is no tool`);
    }
  });
  it('contributes exactly the command ids the code registers', () => {
    assert.deepEqual(manifest.contributes.commands.map((c) => c.command).sort(), Object.values(CommandId).sort());
  });
  it('gives every command the category and a codicon', () => {
    for (const c of manifest.contributes.commands) {
      assert.equal(c.category, 'Entra Agent Tokens', c.command);
      assert.match(c.icon ?? '', /^\$\([a-z-]+\)$/, c.command);
    }
  });
  it('only names known commands in menus, the welcome view and the walkthrough', () => {
    const known = new Set<string>(Object.values(CommandId));
    for (const [menu, items] of Object.entries(manifest.contributes.menus))
      for (const i of items) assert.ok(known.has(i.command), `${menu}: ${i.command}`);
    const links = [
      ...manifest.contributes.viewsWelcome.map((w) => w.contents),
      ...manifest.contributes.walkthroughs.flatMap((w) => w.steps.map((s) => s.description)),
    ].join('\n');
    for (const m of links.matchAll(/command:([\w.]+)/g)) assert.ok(known.has(m[1]!), m[1]);
    // A step is ticked when its result exists (a context key the code sets), not when its button was clicked.
    const keys = new Set<string>(Object.values(ContextKey));
    for (const e of manifest.contributes.walkthroughs.flatMap((w) => w.steps.flatMap((s) => s.completionEvents ?? [])))
      assert.ok(e.startsWith('onContext:') && keys.has(e.slice('onContext:'.length)), e);
  });
  it('reads in its when-clauses and walkthrough only the context keys the code sets', () => {
    const whens = [
      ...Object.values(manifest.contributes.menus).flatMap((items) => items.map((i) => i.when ?? '')),
      ...manifest.contributes.viewsWelcome.map((w) => w.when ?? ''),
      ...manifest.contributes.walkthroughs.flatMap((w) => w.steps.flatMap((st) => st.completionEvents ?? [])),
    ].join(' ');
    // View ids (`view == entraAgentTokens.sidecar`) are not context keys.
    const views = new Set(Object.values(manifest.contributes.views).flatMap((v) => v.map((x) => x.id)));
    const read = new Set(
      [...whens.matchAll(/entraAgentTokens\.(\w+)(?![\w.])/g)].map((m) => m[0]).filter((k) => !views.has(k)),
    );
    assert.deepEqual([...read].sort(), Object.values(ContextKey).sort());
  });
  it('ships every lazy chunk in the .vsix (a chunk left out fails only when first required)', () => {
    const shipped = readFileSync(join(__dirname, '..', '..', '.vscodeignore'), 'utf8').split('\n');
    const chunks = readdirSync(join(__dirname, '..', '..', 'src', 'chunks')).map(
      (f) => `dist/${f.replace(/\.ts$/, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}.js`,
    );
    assert.ok(chunks.includes('dist/sidecar.js') && chunks.includes('dist/azure-identity.js'), chunks.join(', '));
    assert.deepEqual(
      chunks.filter((c) => !shipped.includes(`!${c}`)),
      [],
    );
  });
  it("ships every chunk the CLI can load in the CLI's npm package (.npmignore)", () => {
    const shipped = readFileSync(join(__dirname, '..', '..', '.npmignore'), 'utf8').split('\n');
    const chunks = readdirSync(join(__dirname, '..', '..', 'src', 'chunks'))
      .map((f) => `dist/${f.replace(/\.ts$/, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}.js`)
      // The Graph commands of the extension import vscode: the CLI never loads them.
      .filter((c) => c !== 'dist/provisioning.js');
    assert.deepEqual(
      [...chunks, 'dist/cli.js'].filter((c) => !shipped.includes(`!${c}`)),
      [],
    );
  });
  it('activates lazily: no "*" and no startup activation', () => {
    assert.ok(!manifest.activationEvents.some((e) => e === '*' || e === 'onStartupFinished'));
    assert.deepEqual(manifest.activationEvents, ['onWebviewPanel:entraAgentTokens.inspector']);
  });
  it('declares Restricted Mode, and no workspace can set what decides where a credential goes', () => {
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, true);
    assert.match(manifest.capabilities.untrustedWorkspaces.description ?? '', /credential/);
    // Every setting is application-scoped (user level) except the request timeout, which only bounds a wait.
    const workspaceSettable = Object.entries(manifest.contributes.configuration.properties)
      .filter(([, p]) => p.scope !== 'application')
      .map(([k]) => k);
    assert.deepEqual(workspaceSettable, ['entraAgentTokens.requestTimeoutSeconds']);
  });
});
