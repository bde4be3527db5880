// The blueprint acting as itself through Microsoft Graph (no one signed in): New Agent Identity…, Discover Agent
// Identities…, New Agent User…. Each runs with progress and Cancel; what Graph created appears in the tree at once
// and can get a token in the next click. A created object that could not be added to the list is named (its id),
// never left behind silently.
import * as vscode from 'vscode';
import { defaultGraphScope, cloudOfAuthority } from '../../core/config/clouds';
import { ConfigError, PromptDismissed } from '../../core/errors/errors';
import type { GraphClient } from '../../core/graph/graphClient';
import type { AgentDefinition, BlueprintDefinition } from '../definitions/definitions';
import { agentItems, ask, pick, pickBlueprint, plainArgs } from '../prompts';
import type { AgentNode, BlueprintNode } from '../tree/nodes';
import type { CommandContext } from './context';
import { isNode } from './nodeArgs';
import type { CreateAgentIdentityArgs, CreateAgentUserArgs, DiscoverAgentIdentitiesArgs } from './contracts';
import { withCancellableProgress } from '../workbench';

interface AgentIdentityJson {
  id: string;
  appId: string;
  displayName: string;
}

/** New Agent Identity…: Graph creates it under the blueprint (AgentIdentity.CreateAsManager); the tree lists it. */
export async function createAgentIdentity(ctx: CommandContext, arg?: unknown): Promise<AgentDefinition> {
  const args = plainArgs<CreateAgentIdentityArgs>(arg);
  const blueprint = await blueprintOf(ctx, arg, args?.blueprintId, 'New Agent Identity');
  const displayName = (
    args?.displayName ??
    (await ask({
      title: `New Agent Identity under "${blueprint.displayName}"`,
      prompt: 'Its display name (Graph creates it; the blueprint manages it)',
      validate: (v) => {
        if (!v.trim()) throw new Error('Give the agent identity a name.');
        if (v.trim().length > 256) throw new Error('At most 256 characters.');
      },
    }))
  ).trim();
  const sponsors = (args?.sponsors ?? []).map((s) => String(s).trim().toLowerCase());
  const created = await withGraph(ctx, blueprint, `Creating agent identity "${displayName}"…`, (graph, signal) =>
    graph.create<AgentIdentityJson>(
      '/servicePrincipals/microsoft.graph.agentIdentity',
      {
        displayName,
        agentIdentityBlueprintId: blueprint.clientId,
        ...(sponsors.length
          ? { 'sponsors@odata.bind': sponsors.map((s) => `https://graph.microsoft.com/v1.0/users/${s}`) }
          : {}),
      },
      // The blueprint may have been created moments ago: "Object with id … not found" is retried.
      { signal, fresh: true },
    ),
  );
  const agent = await list(ctx, blueprint, created);
  ctx.log.info(
    `Agent identity ${agent.displayName} (${agent.clientId}) created through Graph under blueprint ${blueprint.clientId}.`,
  );
  void vscode.window.showInformationMessage(`Agent identity "${agent.displayName}" created: ${agent.clientId}.`);
  return agent;
}

/**
 * Discover Agent Identities…: the blueprint's agent identities in the tenant (every page), the ones not in the list
 * offered (all picked), the chosen added. A script gets them all added.
 */
export async function discoverAgentIdentities(
  ctx: CommandContext,
  arg?: unknown,
): Promise<{ inTenant: number; added: AgentDefinition[] }> {
  const args = plainArgs<DiscoverAgentIdentitiesArgs>(arg);
  const blueprint = await blueprintOf(ctx, arg, args?.blueprintId, 'Discover Agent Identities');
  const found = await withGraph(
    ctx,
    blueprint,
    `Listing the agent identities of "${blueprint.displayName}"…`,
    (graph, signal) =>
      graph.list<AgentIdentityJson>(
        `/servicePrincipals/microsoft.graph.agentIdentity?$filter=${encodeURIComponent(`agentIdentityBlueprintId eq '${blueprint.clientId}'`)}&$select=id,appId,displayName`,
        { signal },
      ),
  );
  const missing = found.filter((a) => !ctx.definitions.agent(a.appId));
  if (missing.length === 0) {
    void vscode.window.showInformationMessage(
      `All ${found.length} agent identities of "${blueprint.displayName}" are in the list already.`,
    );
    return { inTenant: found.length, added: [] };
  }
  const chosen = args ? missing : await choose(missing, blueprint);
  const added: AgentDefinition[] = [];
  for (const a of chosen) added.push(await list(ctx, blueprint, a));
  ctx.log.info(
    `Discovered ${found.length} agent identities of blueprint ${blueprint.clientId}; added ${added.length}.`,
  );
  void vscode.window.showInformationMessage(
    `Added ${added.length} agent identit${added.length === 1 ? 'y' : 'ies'} of "${blueprint.displayName}".`,
  );
  return { inTenant: found.length, added };
}

/**
 * Delete Agent Identity from Tenant…: Graph deletes it (AgentIdentity.CreateAsManager, its own blueprint's), then it
 * leaves the list and its tokens are forgotten. Asked first: its tokens stop working and its agent user is orphaned.
 */
export async function deleteAgentIdentity(ctx: CommandContext, arg?: unknown): Promise<boolean> {
  const args = plainArgs<{ agentId: string }>(arg);
  const { agent, blueprint } = await agentOf(
    ctx,
    arg,
    args?.agentId,
    'Delete Agent Identity from Tenant',
    'Which agent identity?',
  );
  if (!args) {
    const answer = await vscode.window.showWarningMessage(
      `Delete agent identity "${agent.displayName}" from tenant ${agent.tenant ?? blueprint.tenant}?`,
      {
        modal: true,
        detail: `Microsoft Graph deletes ${agent.clientId} as its blueprint "${blueprint.displayName}". Its tokens stop being issued, and whatever it was granted goes with it.${blueprint.sandbox ? " It is the sandbox's: the sandbox's tenant forgets it when the sandbox stops anyway." : ' To remove it from this list only, use "Remove Agent Identity".'}`,
      },
      'Delete from Tenant',
    );
    if (answer !== 'Delete from Tenant') return false;
  }
  await withGraph(ctx, blueprint, `Deleting agent identity "${agent.displayName}"…`, (graph, signal) =>
    graph.delete(`/servicePrincipals/${agent.clientId}`, { signal }),
  );
  await ctx.definitions.removeAgent(agent.clientId);
  ctx.tokens.forget([agent.clientId]);
  ctx.log.info(`Agent identity ${agent.displayName} (${agent.clientId}) deleted from tenant through Graph.`);
  return true;
}

/** New Agent User…: Graph creates the agent identity's agent user (one per agent), and the tree shows it under it. */
export async function createAgentUser(
  ctx: CommandContext,
  arg?: unknown,
): Promise<{ id: string; userPrincipalName: string; identityParentId: string }> {
  const args = plainArgs<CreateAgentUserArgs>(arg);
  const { agent, blueprint } = await agentOf(ctx, arg, args?.agentId, 'New Agent User', 'For which agent identity?');
  const upn = (
    args?.userPrincipalName ??
    (await ask({
      title: `New Agent User for "${agent.displayName}"`,
      prompt: "Its user principal name, in one of the tenant's verified domains",
      placeHolder: 'orders-agent@contoso.onmicrosoft.com',
      validate: (v) => {
        if (!/^[^@\s]{1,64}@[a-z0-9.-]{1,253}$/i.test(v.trim()))
          throw new Error('A user principal name looks like name@contoso.onmicrosoft.com.');
      },
    }))
  ).trim();
  const user = await withGraph(ctx, blueprint, `Creating the agent user ${upn}…`, (graph, signal) =>
    graph.create<{ id: string; userPrincipalName: string; identityParentId: string }>(
      '/users/microsoft.graph.agentUser',
      {
        accountEnabled: true,
        displayName: args?.displayName ?? upn,
        mailNickname:
          upn
            .split('@')[0]!
            .replace(/[^A-Za-z0-9._-]/g, '')
            .slice(0, 64) || 'agent',
        userPrincipalName: upn,
        identityParentId: agent.clientId,
      },
      // The agent identity may have been created moments ago: its "not found" is retried while it replicates.
      { signal, fresh: true },
    ),
  );
  await ctx.definitions.rememberAgentUser(agent.clientId, { userId: user.id, username: user.userPrincipalName });
  ctx.log.info(`Agent user ${user.userPrincipalName} (${user.id}) created for agent identity ${agent.clientId}.`);
  void vscode.window.showInformationMessage(`Agent user ${user.userPrincipalName} created for "${agent.displayName}".`);
  return { id: user.id, userPrincipalName: user.userPrincipalName, identityParentId: user.identityParentId };
}

/** The agent identity a command acts on (a tree row, a script's id, or picked) and its blueprint. */
async function agentOf(
  ctx: CommandContext,
  arg: unknown,
  agentId: string | undefined,
  title: string,
  placeHolder: string,
): Promise<{ agent: AgentDefinition; blueprint: BlueprintDefinition }> {
  const agent = isNode<AgentNode>(arg, 'agent')
    ? (arg as AgentNode).agent
    : agentId !== undefined
      ? ctx.definitions.agent(agentId)
      : (await pick(agentItems(ctx.definitions), { title, placeHolder })).agent;
  if (!agent)
    throw new ConfigError('Agent identity', `${String(agentId)} is not in the list.`, 'Pick one from the list.');
  const blueprint = ctx.definitions.blueprint(agent.blueprintId);
  if (!blueprint) throw new ConfigError('Agent identity', 'has no blueprint in the list.', 'Add its blueprint first.');
  return { agent, blueprint };
}

async function blueprintOf(
  ctx: CommandContext,
  arg: unknown,
  blueprintId: string | undefined,
  title: string,
): Promise<BlueprintDefinition> {
  const blueprint = isNode<BlueprintNode>(arg, 'blueprint')
    ? (arg as BlueprintNode).blueprint
    : blueprintId !== undefined
      ? ctx.definitions.blueprint(blueprintId)
      : await pickBlueprint(ctx.definitions, title);
  if (!blueprint)
    throw new ConfigError('Blueprint', `${String(blueprintId)} is not in the list.`, 'Add the blueprint first.');
  return blueprint;
}

/** A Graph client as the blueprint, for one task with progress and Cancel; closed after. */
async function withGraph<T>(
  ctx: CommandContext,
  blueprint: BlueprintDefinition,
  title: string,
  task: (graph: GraphClient, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  return withCancellableProgress(title, async (signal) => {
    const graph = await ctx.tokenService.graphAsBlueprint(blueprint);
    try {
      return await task(graph, signal);
    } finally {
      await graph.close();
    }
  });
}

/** Puts an agent identity Graph knows into the list; if that fails, says which object exists in the tenant. */
async function list(
  ctx: CommandContext,
  blueprint: BlueprintDefinition,
  a: AgentIdentityJson,
): Promise<AgentDefinition> {
  const agent: AgentDefinition = {
    blueprintId: blueprint.clientId,
    clientId: a.appId.toLowerCase(),
    displayName: a.displayName || 'Agent identity',
    defaultScope: defaultGraphScope(cloudOfAuthority(blueprint.authority)),
  };
  try {
    if (blueprint.sandbox) return ctx.definitions.addSandboxAgent(agent);
    return await ctx.definitions.addAgent(agent);
  } catch (e) {
    throw new ConfigError(
      'Agent identity',
      `${a.appId} exists in the tenant, but could not be added to the list: ${(e as Error).message}`,
      `Add it with "Add Agent Identity…" (client id ${a.appId}), or run "Discover Agent Identities…" on its blueprint.`,
    );
  }
}

async function choose(missing: AgentIdentityJson[], blueprint: BlueprintDefinition): Promise<AgentIdentityJson[]> {
  const items = missing.map((a) => ({ label: a.displayName, description: a.appId, picked: true, agent: a }));
  const picked = await vscode.window.showQuickPick(items, {
    title: `Discover Agent Identities of "${blueprint.displayName}"`,
    placeHolder: `${missing.length} in the tenant and not in the list: choose the ones to add`,
    canPickMany: true,
    ignoreFocusOut: true,
  });
  if (!picked) throw new PromptDismissed();
  return picked.map((p) => p.agent);
}
