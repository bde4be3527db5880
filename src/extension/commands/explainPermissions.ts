// Explain Agent Permissions…: what an agent identity holds on a resource, its own grants and what it inherits from
// its blueprint (agent-id-2026 §3: listed as inheritable AND granted to the blueprint's principal), read from Graph as
// the signed-in user. The answer goes into the agent's tooltip; an expected permission that is missing is explained
// by the half that is missing.
import * as vscode from 'vscode';
import { ConfigError } from '../../core/errors/errors';
import { isSingleInstanceAgent } from '../definitions/definitions';
import { agentItems, pick, plainArgs } from '../prompts';
import type { AgentNode } from '../tree/nodes';
import type { CommandContext } from './context';
import type { ExplainPermissionsArgs, PermissionsExplanation } from './contracts';
import { pickResource, withUserGraph } from './graphBlueprints';
import { isNode } from './nodeArgs';

export async function explainPermissions(ctx: CommandContext, arg?: unknown): Promise<PermissionsExplanation> {
  const args = plainArgs<ExplainPermissionsArgs>(arg);
  const agent = isNode<AgentNode>(arg, 'agent')
    ? (arg as AgentNode).agent
    : args?.agentId
      ? ctx.definitions.agent(args.agentId)
      : (
          await pick(agentItems(ctx.definitions), {
            title: 'Explain Agent Permissions',
            placeHolder: 'Which agent identity?',
          })
        ).agent;
  if (!agent)
    throw new ConfigError('Agent identity', `${String(args?.agentId)} is not in the list.`, 'Pick one from the list.');
  const blueprint = ctx.definitions.blueprint(agent.blueprintId);
  if (!blueprint) throw new ConfigError('Agent identity', 'has no blueprint in the list.', 'Add its blueprint first.');
  if (isSingleInstanceAgent(agent))
    throw new ConfigError(
      'Agent identity',
      'is single-instance: its blueprint has no principal, so it inherits nothing; its permissions are its own grants.',
      'Grant what it needs to it directly (Grant Permissions… on the agent).',
    );
  const ownResource = agent.defaultScope.replace(/\/\.default$/, '');
  const resourceName =
    args?.resource ?? (args ? ownResource : await pickResource(agent.displayName, ownResource, !!blueprint.sandbox));
  const target = { authority: blueprint.authority, tenant: agent.tenant ?? blueprint.tenant };
  const { resource, halves } = await withUserGraph(
    ctx,
    target,
    'inherit',
    `Reading the permissions of "${agent.displayName}"…`,
    async (graph, signal) => {
      const { inheritanceParts, readPermissionHalves } = await import('../../core/graph/inheritablePermissions');
      const {
        resource: found,
        principal,
        object,
      } = await inheritanceParts(
        graph,
        { clientId: blueprint.clientId, ...(blueprint.setup?.objectId ? { objectId: blueprint.setup.objectId } : {}) },
        resourceName,
        target.tenant,
        signal,
      );
      const read = await readPermissionHalves(
        graph,
        { agent: agent.clientId, principal: principal.id, blueprintObject: object },
        found,
        signal,
      );
      return { resource: found, halves: read };
    },
  );
  const { effectivePermissions, whyMissing } = await import('../../core/graph/inheritablePermissions');
  const permissions = effectivePermissions(halves);
  ctx.tokens.setPermissions(agent.clientId, {
    resource: resourceName,
    blueprintName: blueprint.displayName,
    permissions,
  });
  const expected = args?.expected?.trim();
  const kind = expected && resource.appRoles.some((r) => r.value === expected) ? 'role' : 'scope';
  const missing = expected ? whyMissing(halves, kind, expected) : undefined;
  const inherited = permissions.filter((p) => p.from === 'inherited').map((p) => p.value);
  const own = permissions.filter((p) => p.from === 'own').map((p) => p.value);
  ctx.log.info(
    `Permissions of agent identity ${agent.clientId} on ${resourceName}: its own ${own.join(', ') || 'none'}; inherited from blueprint ${blueprint.clientId} ${inherited.join(', ') || 'none'}.`,
  );
  if (!args)
    void vscode.window.showInformationMessage(
      `"${agent.displayName}" on ${resourceName}: its own ${own.join(', ') || 'none'}; inherited from "${blueprint.displayName}" ${inherited.join(', ') || 'none'}. The tooltip of its row keeps this.`,
    );
  return {
    resource: resourceName,
    permissions: permissions.map((p) => ({ ...p })),
    ...(missing ? { missing } : {}),
  };
}
