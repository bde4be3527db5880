// The tree at scale, measured inside a real VS Code (code-server): 1,000 agent identities under 20 blueprints, 100 of
// them holding a token. Run by `npm run bench` (bench/index.ts), which prints the figures; nothing here is timed
// against a goal. It checks only that the tree it measured is the tree it built, so a broken benchmark fails.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DirectoryFile } from '../../src/sandbox/directory';
import { SandboxTenant } from '../../src/sandbox/server';
import { CommandId } from '../../src/extension/commands/ids';
import type { TreeNode } from '../../src/extension/tree/nodes';
import { api, run } from '../../test/extension/helpers';

const BLUEPRINTS = 20;
const AGENTS_PER_BLUEPRINT = 50;
const WITH_TOKENS = 100;
const TENANT = '5a5a5a5a-0000-4000-8000-000000000001';
const SECRET = 'tree-bench-secret';
const id = (b: number, a: number) => `5b5b5b5b-${String(b).padStart(4, '0')}-4000-8000-${String(a).padStart(12, '0')}`;

describe('tree benchmark', () => {
  let sandbox: SandboxTenant;
  const directory: DirectoryFile = {
    tenants: [
      {
        id: TENANT,
        blueprints: Array.from({ length: BLUEPRINTS }, (_, b) => ({
          clientId: id(b + 1, 0),
          displayName: `Blueprint ${b + 1}`,
          clientSecrets: [SECRET],
          agents: Array.from({ length: AGENTS_PER_BLUEPRINT }, (_, a) => ({
            clientId: id(b + 1, a + 1),
            displayName: `Agent ${b + 1}.${a + 1}`,
            roles: { 'https://graph.microsoft.com': ['User.Read.All'] },
          })),
        })),
      },
    ],
  };
  const blueprints = directory.tenants[0]!.blueprints;

  before(async () => (sandbox = await SandboxTenant.start({ directory })));
  after(async () => {
    for (const b of blueprints) await run(CommandId.removeBlueprint, { blueprintId: b.clientId });
    await sandbox.stop();
  });

  it('1,000 agents under 20 blueprints: time to build the children, refresh events per tick', async function () {
    this.timeout(10 * 60_000);
    const figures: Record<string, number> = {};
    let t = performance.now();
    for (const b of blueprints) {
      await run(CommandId.addBlueprint, {
        tenant: TENANT,
        clientId: b.clientId,
        displayName: b.displayName!,
        credentialKind: 'secret',
        clientSecret: SECRET,
        authority: sandbox.authority,
      });
      for (const a of b.agents)
        await run(CommandId.addAgentIdentity, {
          blueprintId: b.clientId,
          clientId: a.clientId!,
          displayName: a.displayName!,
        });
    }
    figures.addMs = performance.now() - t;
    const agents = blueprints.flatMap((b) => b.agents);
    t = performance.now();
    for (const a of agents.slice(0, WITH_TOKENS))
      assert.ok(await run(CommandId.getAgentToken, { agentId: a.clientId!, openInspector: false }), a.clientId!);
    figures.tokensMs = performance.now() - t;

    const { tree } = await api();
    const walk = async () => {
      const started = performance.now();
      let nodes = 0;
      const visit = async (node: TreeNode | undefined) => {
        for (const child of await tree.getChildren(node)) {
          tree.getTreeItem(child);
          nodes++;
          await visit(child);
        }
      };
      await visit(undefined);
      return { ms: performance.now() - started, nodes };
    };
    tree.refresh(); // forgets the cached credential reads: the first walk reads SecretStorage once per blueprint
    const cold = await walk();
    const warm = await walk();
    // 20 blueprints + 1,000 agents + one token row for each agent with a token.
    assert.equal(cold.nodes, BLUEPRINTS + BLUEPRINTS * AGENTS_PER_BLUEPRINT + WITH_TOKENS);
    assert.equal(warm.nodes, cold.nodes);
    figures.nodes = cold.nodes;
    figures.coldWalkMs = cold.ms;
    figures.warmWalkMs = warm.ms;

    // What one countdown tick (every 30 s) re-renders: the token rows only, in one change event.
    let events = 0;
    let rows = 0;
    const listening = tree.onDidChangeTreeData((e) => {
      events++;
      rows += e === undefined ? cold.nodes : Array.isArray(e) ? e.length : 1;
    });
    t = performance.now();
    const ticked = tree.tick();
    figures.tickMs = performance.now() - t;
    listening.dispose();
    assert.equal(ticked.length, WITH_TOKENS);
    figures.eventsPerMinute = events * 2;
    figures.rowsPerMinute = rows * 2;
    writeFileSync(join(process.env.EAT_TEST_RESULTS_DIR!, 'bench-tree.json'), JSON.stringify(figures));
  });
});
