// The signed-in developer through Microsoft Graph: New Blueprint… (blueprint, principal, client secret straight into
// SecretStorage), Finish Setup (the steps a failure or Cancel left), Discover Blueprints… (the tenant's, with their
// agent identities and agent users) and Grant Permissions… (app roles or delegated scopes, from the resource's own
// list). Each runs with progress and Cancel; what Graph made is in the tree at once, and what is half-made says so.
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import type {
  BlueprintObject,
  ResourcePrincipal,
  SetupResult,
  SetupStep,
  SignInTask,
} from '../../core/graph/blueprintSetup';
import { CLOUDS, cloudOfAuthority, defaultGraphScope, isCloudName, type CloudName } from '../../core/config/clouds';
import { isGuid, validateTenant } from '../../core/config/config';
import { CancelledError, ConfigError, PromptDismissed } from '../../core/errors/errors';
import type { GraphClient } from '../../core/graph/graphClient';
import type { AgentDefinition, BlueprintDefinition } from '../definitions/definitions';
import { graphAsUser, type SignInTarget } from '../graph/userGraph';
import { agentItems, ask, pick, plainArgs } from '../prompts';
import type { AgentNode, BlueprintNode } from '../tree/nodes';
import type { CommandContext } from './context';
import { isNode } from './nodeArgs';
import { CommandId } from './ids';
import { runCommand } from './run';
import { writePrivateFile } from '../../core/credentials/privateFile';
import type {
  AddCertificateArgs,
  AddFederatedCredentialArgs,
  GrantPermissionsArgs,
  NewBlueprintArgs,
  NewBlueprintResult,
} from './contracts';
import { withCancellableProgress } from '../workbench';

const SECRET_NAME = 'Entra Agent Tokens (VS Code)';

/** New Blueprint…: sign in, create it with you as sponsor, its principal, a secret; the tree lists it at once. */
export async function newBlueprint(ctx: CommandContext, arg?: unknown): Promise<NewBlueprintResult> {
  const args = plainArgs<NewBlueprintArgs>(arg);
  const target = await targetOf(ctx, args, 'New Blueprint');
  const displayName = (
    args?.displayName ??
    (await ask({
      title: 'New Blueprint',
      prompt: 'Its display name (you become its sponsor; a client secret is made and kept in SecretStorage)',
      validate: (v) => {
        if (!v.trim()) throw new Error('Give the blueprint a name.');
        if (v.trim().length > 256) throw new Error('At most 256 characters.');
      },
    }))
  ).trim();
  if (!displayName) throw new ConfigError('Display name', 'is empty.', 'Give the blueprint a name.');
  // A script asks for the classic kind unless it says otherwise.
  const single = args
    ? args.singleInstance === true
    : (
        await pick(
          [
            {
              label: 'Classic',
              description: 'a principal, agent identities of their own; tokens by T1',
              single: false,
            },
            {
              label: 'Single-instance (preview)',
              description: 'no principal; one agent identity sharing its client id; one-request tokens',
              single: true,
            },
          ],
          { title: 'New Blueprint', placeHolder: 'Which kind of blueprint?' },
        )
      ).single;
  if (single) return newSingleInstanceBlueprint(ctx, target, displayName);
  const result = await withUserGraph(
    ctx,
    target,
    'create',
    `Creating blueprint "${displayName}"…`,
    async (graph, signal, report) => {
      const { createBlueprint, me } = await import('../../core/graph/blueprintSetup');
      const user = await me(graph, signal);
      // Once Graph has made the blueprint, it goes into the list whatever happens next: nothing is orphaned silently.
      return createBlueprint(
        graph,
        { displayName, sponsorId: user.id, secretName: SECRET_NAME },
        (step) => report(STEP_TITLES[step]),
        signal,
      );
    },
  );
  const blueprint = await record(ctx, target, result);
  return report(ctx, blueprint, result, 'created');
}

/**
 * New Blueprint… of the single-instance kind (agent-id-2026 §1, Graph beta): the blueprint, its secret (straight into
 * SecretStorage), its one agent identity; both into the list. A failure after the blueprint exists says what is left.
 */
async function newSingleInstanceBlueprint(
  ctx: CommandContext,
  target: SignInTarget,
  displayName: string,
): Promise<NewBlueprintResult> {
  const made = await withUserGraph(
    ctx,
    target,
    'createSingleInstance',
    `Creating single-instance blueprint "${displayName}"…`,
    async (graph, signal, report) => {
      const { createSingleInstanceBlueprint, me } = await import('../../core/graph/blueprintSetup');
      const user = await me(graph, signal);
      return createSingleInstanceBlueprint(
        graph,
        { displayName, sponsorId: user.id, secretName: SECRET_NAME, agentName: displayName },
        (step) => report(step === 'agent' ? 'Creating its agent identity…' : STEP_TITLES[step]),
        signal,
      );
    },
  );
  const clientId = made.blueprint.appId.toLowerCase();
  const definition = {
    clientId,
    displayName: made.blueprint.displayName,
    tenant: target.tenant,
    authority: target.authority,
    credentialKind: 'secret' as const,
    singleInstance: true as const,
  };
  const agent = {
    clientId,
    blueprintId: clientId,
    displayName,
    defaultScope: defaultGraphScope(cloudOfAuthority(target.authority)),
  };
  if (made.secret) await ctx.credentials.set(clientId, 'clientSecret', made.secret.secretText);
  if (isSandbox(ctx, target)) {
    ctx.sandbox.adopt(clientId);
    ctx.definitions.addSandboxBlueprint(definition);
    if (made.agentObjectId) ctx.definitions.addSandboxAgent(agent);
  } else {
    await ctx.definitions.addBlueprint(definition);
    if (made.agentObjectId) await ctx.definitions.addAgent(agent);
  }
  const out = { clientId, objectId: made.blueprint.id, displayName: definition.displayName, missing: [] as never[] };
  if (made.failure) {
    const why = made.failure instanceof Error ? made.failure.message : String(made.failure);
    throw new ConfigError(
      'Single-instance blueprint',
      `${clientId} was created${made.secret ? ' with its secret' : ''}, but ${made.secret ? 'its agent identity' : 'its client secret'} could not be made: ${why.slice(0, 300)}`,
      made.secret
        ? 'Create its agent identity in the Entra admin center (or Graph beta), then Get Agent Token on it.'
        : 'Add a credential with Set Blueprint Credential…, then create its agent identity in the Entra admin center.',
    );
  }
  ctx.log.info(
    `Single-instance blueprint ${displayName} (${clientId}) created with its agent identity (secret in SecretStorage).`,
  );
  void vscode.window.showInformationMessage(
    `Single-instance blueprint "${displayName}" is ready, with its agent identity: ${clientId}.`,
  );
  return out;
}

/** Finish Setup: the steps a failure or Cancel left (its principal, its secret), resumed where they stopped. */
export async function finishBlueprintSetup(ctx: CommandContext, arg?: unknown): Promise<NewBlueprintResult> {
  const args = plainArgs<{ blueprintId: string }>(arg);
  const blueprint = isNode<BlueprintNode>(arg, 'blueprint')
    ? (arg as BlueprintNode).blueprint
    : args?.blueprintId
      ? ctx.definitions.blueprint(args.blueprintId)
      : (
          await pick(
            ctx.definitions
              .blueprints()
              .filter((b) => b.setup)
              .map((b) => ({ label: b.displayName, description: b.clientId, blueprint: b })),
            { title: 'Finish Setup', placeHolder: 'Which blueprint?' },
          )
        ).blueprint;
  if (!blueprint) throw new ConfigError('Blueprint', 'is not in the list.', 'Pick one from the list.');
  if (!blueprint.setup) {
    void vscode.window.showInformationMessage(`"${blueprint.displayName}" is set up already.`);
    return { clientId: blueprint.clientId, objectId: '', displayName: blueprint.displayName, missing: [] };
  }
  const setup = blueprint.setup;
  const target = { authority: blueprint.authority, tenant: blueprint.tenant };
  const object: BlueprintObject = { id: setup.objectId, appId: blueprint.clientId, displayName: blueprint.displayName };
  const result = await withUserGraph(
    ctx,
    target,
    'create',
    `Finishing the setup of "${blueprint.displayName}"…`,
    async (graph, signal, report) => {
      const { finishSetup } = await import('../../core/graph/blueprintSetup');
      return finishSetup(
        graph,
        object,
        setup.missing,
        { secretName: SECRET_NAME },
        (s) => report(STEP_TITLES[s]),
        signal,
      );
    },
  );
  await keep(ctx, blueprint.clientId, result);
  return report(ctx, ctx.definitions.blueprint(blueprint.clientId) ?? blueprint, result, 'finished');
}

/**
 * Discover Blueprints…: the tenant's blueprints not in the list, offered (all picked), added with their agent
 * identities and agent users. A blueprint found without its principal is added as unfinished (Finish Setup). Their
 * credentials stay where they are: Set Blueprint Credential… adds one.
 */
export async function discoverBlueprints(
  ctx: CommandContext,
  arg?: unknown,
): Promise<{ inTenant: number; added: { blueprints: BlueprintDefinition[]; agents: AgentDefinition[] } }> {
  const args = plainArgs<{ tenant: string; cloud?: CloudName }>(arg);
  const target = await targetOf(ctx, args, 'Discover Blueprints');
  const sandbox = isSandbox(ctx, target);
  const outcome = await withUserGraph(
    ctx,
    target,
    'discover',
    'Discovering the blueprints of the tenant…',
    async (graph, signal, progress) => {
      const { listBlueprints, principalOf } = await import('../../core/graph/blueprintSetup');
      const all = await listBlueprints(graph, signal);
      const missing = all.filter((b) => !ctx.definitions.blueprint(b.appId));
      const added = { blueprints: [] as BlueprintDefinition[], agents: [] as AgentDefinition[] };
      if (missing.length === 0) return { all, added };
      const chosen = args ? missing : await chooseBlueprints(missing);
      for (const b of chosen) {
        progress(b.displayName);
        // Without its principal it cannot sign in: added as unfinished, with Finish Setup on its row.
        const principal = await principalOf(graph, b.appId, signal);
        const definition = {
          clientId: b.appId.toLowerCase(),
          displayName: b.displayName || 'Blueprint',
          tenant: target.tenant,
          authority: target.authority,
          credentialKind: 'secret' as const,
          ...(principal ? {} : { setup: { objectId: b.id, missing: ['principal' as const] } }),
        };
        const blueprint = sandbox
          ? ctx.definitions.addSandboxBlueprint(definition)
          : await ctx.definitions.addBlueprint(definition);
        if (sandbox) ctx.sandbox.adopt(blueprint.clientId);
        added.blueprints.push(blueprint);
        added.agents.push(...(await addAgentsOf(ctx, graph, blueprint, signal)));
      }
      return { all, added };
    },
  );
  const { all, added } = outcome;
  ctx.log.info(
    `Discovered ${all.length} blueprints in tenant ${target.tenant}; added ${added.blueprints.length} with ${added.agents.length} agent identities.`,
  );
  if (added.blueprints.length === 0)
    void vscode.window.showInformationMessage(`All ${all.length} blueprints of the tenant are in the list already.`);
  else
    void vscode.window
      .showInformationMessage(
        `Added ${added.blueprints.length} blueprint${added.blueprints.length === 1 ? '' : 's'} and ${added.agents.length} agent identit${added.agents.length === 1 ? 'y' : 'ies'}. Their credentials are not here yet: set one on each.`,
        'Set Blueprint Credential…',
      )
      .then((a) => a && runCommand(CommandId.setBlueprintCredential, { blueprintId: added.blueprints[0]!.clientId }));
  return { inTenant: all.length, added };
}

/**
 * Grant Permissions…: app roles or delegated scopes for an agent identity, picked from the resource's own list
 * (those it holds already are shown as such). Its held token is forgotten: the next one carries the grant.
 */
export async function grantPermissions(
  ctx: CommandContext,
  arg?: unknown,
): Promise<{ appRoles: string[]; scopes: string[] }> {
  const args = plainArgs<GrantPermissionsArgs>(arg);
  if (isNode<BlueprintNode>(arg, 'blueprint') || args?.blueprintId)
    return grantToBlueprint(ctx, blueprintArg(ctx, arg, args?.blueprintId), args);
  const agent = isNode<AgentNode>(arg, 'agent')
    ? (arg as AgentNode).agent
    : args?.agentId
      ? ctx.definitions.agent(args.agentId)
      : (
          await pick(agentItems(ctx.definitions), {
            title: 'Grant Permissions',
            placeHolder: 'To which agent identity?',
          })
        ).agent;
  if (!agent)
    throw new ConfigError('Agent identity', `${String(args?.agentId)} is not in the list.`, 'Pick one from the list.');
  const blueprint = ctx.definitions.blueprint(agent.blueprintId);
  if (!blueprint) throw new ConfigError('Agent identity', 'has no blueprint in the list.', 'Add its blueprint first.');
  const target = { authority: blueprint.authority, tenant: agent.tenant ?? blueprint.tenant };
  const resourceName =
    args?.resource ??
    (await pickResource(agent.displayName, agent.defaultScope.replace(/\/\.default$/, ''), !!blueprint.sandbox));
  const granted = await withUserGraph(
    ctx,
    target,
    'grant',
    `Granting permissions to "${agent.displayName}"…`,
    async (graph, signal, progress) => {
      const { appRoleAssignments, findResource, grantAppRole, grantScopes } =
        await import('../../core/graph/blueprintSetup');
      const resource = await findResource(graph, resourceName, signal);
      if (!resource)
        throw new ConfigError(
          'Resource',
          `${resourceName.slice(0, 200)} has no service principal in tenant ${target.tenant}.`,
          'Give its identifier URI (api://…) or app id as registered in that tenant.',
        );
      const held = new Set(
        (await appRoleAssignments(graph, agent.clientId, signal))
          .filter((a) => a.resourceId === resource.id)
          .map((a) => a.appRoleId),
      );
      const wanted =
        args?.appRoles?.length || args?.scopes?.length
          ? {
              roles: byValue(resource.appRoles, args?.appRoles ?? [], 'app role', resource),
              scopes: byValue(resource.oauth2PermissionScopes, args?.scopes ?? [], 'delegated scope', resource).map(
                (s) => s.value,
              ),
            }
          : await choosePermissions(resource, held);
      for (const role of wanted.roles.filter((r) => !held.has(r.id))) {
        progress(`App role ${role.value}…`);
        await grantAppRole(graph, agent.clientId, resource, role.id, signal);
      }
      if (wanted.scopes.length) {
        progress(`Delegated ${wanted.scopes.join(', ')}…`);
        await grantScopes(graph, agent.clientId, resource, wanted.scopes, signal);
      }
      return { appRoles: wanted.roles.map((r) => r.value), scopes: wanted.scopes, resource };
    },
  );
  // The next token must carry the grant: the held one and the cached ones are let go.
  ctx.tokens.forget([agent.clientId]);
  ctx.tokenService.clearCache();
  const what = [
    ...granted.appRoles.map((r) => `${r} (app role)`),
    ...granted.scopes.map((s) => `${s} (delegated, all users)`),
  ].join(', ');
  ctx.log.info(`Granted ${what || 'nothing'} on ${granted.resource.displayName} to agent identity ${agent.clientId}.`);
  void vscode.window
    .showInformationMessage(
      `Granted ${what || 'nothing new'} on ${granted.resource.displayName} to "${agent.displayName}".${blueprint.sandbox ? '' : ' New tokens carry it within 30–120 s.'}`,
      'Get Agent Token',
    )
    .then((a) => a && runCommand(CommandId.getAgentToken, { agentId: agent.clientId }));
  return { appRoles: granted.appRoles, scopes: granted.scopes };
}

/**
 * Grant Permissions… on a blueprint (agent-id-2026 §3): grants app roles or delegated scopes to its principal (the
 * admin's half) and lists the resource as inheritable (the blueprint's half), so its agent identities inherit them.
 */
async function grantToBlueprint(
  ctx: CommandContext,
  blueprint: BlueprintDefinition,
  args: GrantPermissionsArgs | undefined,
): Promise<{ appRoles: string[]; scopes: string[] }> {
  if (blueprint.singleInstance)
    throw new ConfigError(
      'Blueprint',
      `"${blueprint.displayName}" is single-instance: it has no principal, so nothing can be inherited from it.`,
      'Grant the permission to its agent identity (Grant Permissions… on the agent).',
    );
  const target = { authority: blueprint.authority, tenant: blueprint.tenant };
  const resourceName =
    args?.resource ?? (await pickResource(blueprint.displayName, DEFAULT_RESOURCE, !!blueprint.sandbox));
  const inherit = args?.inherit ?? 'picked';
  const done = await withUserGraph(
    ctx,
    target,
    'inherit',
    `Granting permissions for the agents of "${blueprint.displayName}" to inherit…`,
    async (graph, signal, progress) => {
      const setup = await import('../../core/graph/blueprintSetup');
      const inheritance = await import('../../core/graph/inheritablePermissions');
      const { resource, principal, object } = await inheritance.inheritanceParts(
        graph,
        { clientId: blueprint.clientId, ...(blueprint.setup?.objectId ? { objectId: blueprint.setup.objectId } : {}) },
        resourceName,
        target.tenant,
        signal,
      );
      const held = new Set(
        (await setup.appRoleAssignments(graph, principal.id, signal))
          .filter((a) => a.resourceId === resource.id)
          .map((a) => a.appRoleId),
      );
      const wanted =
        inherit === 'none'
          ? { roles: [], scopes: [] }
          : args?.appRoles?.length || args?.scopes?.length
            ? {
                roles: byValue(resource.appRoles, args?.appRoles ?? [], 'app role', resource),
                scopes: byValue(resource.oauth2PermissionScopes, args?.scopes ?? [], 'delegated scope', resource).map(
                  (s) => s.value,
                ),
              }
            : await choosePermissions(resource, held, 'inherit');
      for (const role of wanted.roles.filter((r) => !held.has(r.id))) {
        progress(`App role ${role.value} for the blueprint's principal…`);
        await setup.grantAppRole(graph, principal.id, resource, role.id, signal);
      }
      if (wanted.scopes.length) {
        progress(`Delegated ${wanted.scopes.join(', ')} for the blueprint's principal…`);
        await setup.grantScopes(graph, principal.id, resource, wanted.scopes, signal);
      }
      progress('Listing them as inheritable…');
      if (inherit === 'none') {
        const listed = (await inheritance.listInheritable(graph, object, signal)).some(
          (s) => s.resourceAppId === resource.appId,
        );
        if (listed) await inheritance.removeInheritable(graph, object, resource.appId, signal);
      } else
        await inheritance.setInheritable(
          graph,
          object,
          {
            resourceAppId: resource.appId,
            scopes: inherit === 'all' ? 'allAllowed' : wanted.scopes.length ? wanted.scopes : 'none',
            roles: inherit === 'all' || wanted.roles.length ? 'allAllowed' : 'none',
          },
          signal,
        );
      return { appRoles: wanted.roles.map((r) => r.value), scopes: wanted.scopes, resource };
    },
  );
  // Its agents' next tokens must carry (or lose) what they inherit.
  const agents = ctx.definitions.agents().filter((a) => a.blueprintId === blueprint.clientId);
  ctx.tokens.forget(agents.map((a) => a.clientId));
  ctx.tokenService.clearCache();
  const what = [...done.appRoles.map((r) => `${r} (app role)`), ...done.scopes.map((s) => `${s} (delegated)`)].join(
    ', ',
  );
  const said =
    inherit === 'none'
      ? `The agent identities of "${blueprint.displayName}" no longer inherit anything on ${done.resource.displayName}.`
      : `The agent identities of "${blueprint.displayName}" inherit ${inherit === 'all' ? 'every permission granted to the blueprint' : what || 'nothing new'} on ${done.resource.displayName}.`;
  ctx.log.info(`${said} (blueprint ${blueprint.clientId}: granted to its principal and listed as inheritable)`);
  void vscode.window.showInformationMessage(
    `${said}${blueprint.sandbox ? '' : ' New tokens carry it within 30–120 s.'}`,
  );
  return { appRoles: done.appRoles, scopes: done.scopes };
}

const DEFAULT_RESOURCE = 'https://graph.microsoft.com';

const STEP_TITLES: Record<'blueprint' | SetupStep, string> = {
  blueprint: 'Creating the blueprint…',
  principal: 'Creating its service principal…',
  secret: 'Adding a client secret (kept in SecretStorage only)…',
};

/**
 * Where to act: for a script, the sandbox unless it names a tenant (and its cloud); interactively, the sandbox, a
 * tenant of the global cloud, or one of a national cloud.
 */
async function targetOf(
  ctx: CommandContext,
  args: { tenant?: string; cloud?: string } | undefined,
  title: string,
): Promise<SignInTarget> {
  const sandboxChoice = async (): Promise<SignInTarget> => {
    // Through its command, like a click (the same cache reset and status message); a failure is already reported.
    const status = await runCommand(CommandId.startSandbox);
    if (!status) throw new PromptDismissed();
    return { authority: status.authority, tenant: status.tenantId };
  };
  const cloudOf = (name: string | undefined): CloudName => {
    if (name === undefined) return 'public';
    if (!isCloudName(name))
      throw new ConfigError(
        'Cloud',
        `"${name.slice(0, 20)}" is not a cloud.`,
        `Use one of ${Object.keys(CLOUDS).join(', ')}.`,
      );
    return name;
  };
  if (args) {
    if (args.tenant === undefined || args.tenant === 'sandbox') return sandboxChoice();
    return { authority: CLOUDS[cloudOf(args.cloud)].authority, tenant: validateTenant(args.tenant, 'Tenant') };
  }
  const choice = await pick(
    [
      {
        label: '$(beaker) Sandbox tenant',
        description: ctx.sandbox.status ? 'running' : 'starts it',
        detail: 'Signs in as the sandbox user Ada; everything stays in memory.',
        where: 'sandbox' as const,
      },
      {
        label: '$(organization) A Microsoft Entra tenant…',
        detail: 'Signs you in with your own app registration (setting entraAgentTokens.signIn.clientId).',
        where: 'public' as const,
      },
      {
        label: '$(globe) A tenant in a national cloud…',
        detail: 'US Government or China: the same, on that cloud’s sign-in and Graph hosts.',
        where: 'national' as const,
      },
    ],
    { title, placeHolder: 'Where?' },
  );
  if (choice.where === 'sandbox') return sandboxChoice();
  const cloud =
    choice.where === 'public'
      ? CLOUDS.public
      : (
          await pick(
            Object.values(CLOUDS)
              .filter((c) => c.name !== 'public')
              .map((c) => ({ label: c.displayName, description: c.authority, cloud: c })),
            { title, placeHolder: 'Which cloud?' },
          )
        ).cloud;
  const typed = await ask({
    title,
    prompt: `The tenant in ${cloud.displayName}: its id (GUID) or a verified domain`,
    placeHolder: 'contoso.onmicrosoft.com',
    validate: (v) => void validateTenant(v.trim(), 'Tenant'),
  });
  return { authority: cloud.authority, tenant: validateTenant(typed.trim(), 'Tenant') };
}

function isSandbox(ctx: CommandContext, target: SignInTarget): boolean {
  return ctx.sandbox.status?.authority === target.authority;
}

/** Graph as the signed-in user for one task, with progress and Cancel; the client is closed after. */
export async function withUserGraph<T>(
  ctx: CommandContext,
  target: SignInTarget,
  task: SignInTask,
  title: string,
  run: (
    graph: GraphClient,
    signal: AbortSignal,
    report: (message: string) => void,
    tenantId: string | undefined,
  ) => Promise<T>,
): Promise<T> {
  // Sign-in first, outside the progress: VS Code's consent and the browser need the user's attention.
  const { graph, tenantId } = await graphAsUser(ctx.sandbox, ctx.log, target, task);
  try {
    return await withCancellableProgress(title, (signal, report) => run(graph, signal, report, tenantId));
  } finally {
    await graph.close();
  }
}

/** Puts a (possibly half-made) blueprint into the list, with its secret in SecretStorage. */
async function record(ctx: CommandContext, target: SignInTarget, result: SetupResult): Promise<BlueprintDefinition> {
  const b = result.blueprint;
  const definition = {
    clientId: b.appId.toLowerCase(),
    displayName: b.displayName,
    tenant: target.tenant,
    authority: target.authority,
    credentialKind: 'secret' as const,
    ...(result.missing.length ? { setup: { objectId: b.id, missing: [...result.missing] } } : {}),
  };
  try {
    if (result.secret) await ctx.credentials.set(definition.clientId, 'clientSecret', result.secret.secretText);
    if (isSandbox(ctx, target)) {
      ctx.sandbox.adopt(definition.clientId);
      return ctx.definitions.addSandboxBlueprint(definition);
    }
    return await ctx.definitions.addBlueprint(definition);
  } catch (e) {
    // Nothing half-kept here: a secret for a blueprint that is not in the list goes too.
    await ctx.credentials.deleteAll(definition.clientId).catch(() => undefined);
    throw new ConfigError(
      'Blueprint',
      `${b.appId} (object ${b.id}) exists in the tenant, but could not be added to the list: ${(e as Error).message}`,
      'Run "Discover Blueprints…" to add it; then "Set Blueprint Credential…" (its new secret was not kept).',
    );
  }
}

/** After Finish Setup: the secret kept, and what is still missing recorded (nothing: the row is a plain blueprint). */
async function keep(ctx: CommandContext, clientId: string, result: SetupResult): Promise<void> {
  if (result.secret) await ctx.credentials.set(clientId, 'clientSecret', result.secret.secretText);
  const current = ctx.definitions.blueprint(clientId);
  await ctx.definitions.setBlueprintSetup(
    clientId,
    result.missing.length && current?.setup
      ? { objectId: current.setup.objectId, missing: [...result.missing] }
      : undefined,
  );
}

function report(
  ctx: CommandContext,
  blueprint: BlueprintDefinition,
  result: SetupResult,
  verb: 'created' | 'finished',
): NewBlueprintResult {
  const out = {
    clientId: blueprint.clientId,
    objectId: result.blueprint.id,
    displayName: blueprint.displayName,
    missing: [...result.missing],
  };
  if (result.missing.length) {
    const why = result.failure instanceof Error ? result.failure.message : String(result.failure);
    ctx.log.warn(`Blueprint ${blueprint.clientId}: setup stopped before its ${result.missing.join(' and ')}: ${why}`);
    if (result.failure instanceof CancelledError) return out;
    void vscode.window
      .showWarningMessage(
        `Blueprint "${blueprint.displayName}" ${verb === 'created' ? 'was created, but' : ':'} its ${result.missing.map((m) => (m === 'principal' ? 'service principal' : 'client secret')).join(' and ')} could not be made. It is in the list as unfinished.`,
        { detail: why.slice(0, 600) },
        'Finish Setup',
      )
      .then((a) => a && runCommand(CommandId.finishBlueprintSetup, { blueprintId: blueprint.clientId }));
    return out;
  }
  ctx.log.info(
    `Blueprint ${blueprint.displayName} (${blueprint.clientId}) ${verb}: principal and client secret made (secret in SecretStorage).`,
  );
  void vscode.window
    .showInformationMessage(
      `Blueprint "${blueprint.displayName}" is ready: ${blueprint.clientId}.`,
      'New Agent Identity…',
    )
    .then((a) => a && runCommand(CommandId.createAgentIdentity, { blueprintId: blueprint.clientId }));
  return out;
}

async function addAgentsOf(
  ctx: CommandContext,
  graph: GraphClient,
  blueprint: BlueprintDefinition,
  signal: AbortSignal,
): Promise<AgentDefinition[]> {
  const agents = await graph.list<{ appId: string; displayName: string }>(
    `/servicePrincipals/microsoft.graph.agentIdentity?$filter=${encodeURIComponent(`agentIdentityBlueprintId eq '${blueprint.clientId}'`)}&$select=id,appId,displayName`,
    { signal },
  );
  const added: AgentDefinition[] = [];
  for (const a of agents) {
    if (ctx.definitions.agent(a.appId)) continue;
    const users = await graph.list<{ id: string; userPrincipalName: string }>(
      `/users/microsoft.graph.agentUser?$filter=${encodeURIComponent(`identityParentId eq '${a.appId}'`)}&$select=id,userPrincipalName`,
      { signal },
    );
    const agent: AgentDefinition = {
      blueprintId: blueprint.clientId,
      clientId: a.appId.toLowerCase(),
      displayName: a.displayName || 'Agent identity',
      defaultScope: defaultGraphScope(cloudOfAuthority(blueprint.authority)),
      ...(users.length ? { agentUsers: users.map((u) => ({ userId: u.id, username: u.userPrincipalName })) } : {}),
    };
    added.push(blueprint.sandbox ? ctx.definitions.addSandboxAgent(agent) : await ctx.definitions.addAgent(agent));
  }
  return added;
}

async function chooseBlueprints(missing: BlueprintObject[]): Promise<BlueprintObject[]> {
  const picked = await vscode.window.showQuickPick(
    missing.map((b) => ({ label: b.displayName, description: b.appId, picked: true, blueprint: b })),
    {
      title: 'Discover Blueprints',
      placeHolder: `${missing.length} in the tenant and not in the list: choose the ones to add`,
      canPickMany: true,
      ignoreFocusOut: true,
    },
  );
  if (!picked) throw new PromptDismissed();
  return picked.map((p) => p.blueprint);
}

/** The agent's default resource and Microsoft Graph first, or another the user names. */
export async function pickResource(name: string, own: string, sandbox: boolean): Promise<string> {
  const graph = 'https://graph.microsoft.com';
  const sample = 'api://sandbox-weather';
  const items = [
    ...(own !== graph ? [{ label: own, description: "the agent's default scope", resource: own }] : []),
    ...(sandbox && own !== sample
      ? [{ label: sample, description: "the sandbox's sample API", resource: sample }]
      : []),
    { label: graph, description: 'Microsoft Graph', resource: graph },
    { label: '$(edit) Another resource…', description: 'its identifier URI or app id', resource: '' },
  ];
  const choice = await pick(items, {
    title: `Grant Permissions to "${name}"`,
    placeHolder: 'On which resource?',
  });
  if (choice.resource) return choice.resource;
  return (
    await ask({
      title: `Grant Permissions to "${name}"`,
      prompt: "The resource's identifier URI (api://…) or app id",
      validate: (v) => {
        if (!v.trim()) throw new Error('Name the resource.');
      },
    })
  ).trim();
}

async function choosePermissions(
  resource: ResourcePrincipal,
  held: Set<string>,
  forWhom: 'agent' | 'inherit' = 'agent',
): Promise<{ roles: ResourcePrincipal['appRoles'][number][]; scopes: string[] }> {
  const inherit = forWhom === 'inherit';
  const items = [
    ...resource.appRoles
      .filter((r) => !r.allowedMemberTypes || r.allowedMemberTypes.includes('Application'))
      .map((r) => ({
        label: r.value,
        description: held.has(r.id)
          ? 'app role · granted already'
          : inherit
            ? 'app role (its agents, as themselves, inherit it)'
            : 'app role (the agent as itself)',
        picked: held.has(r.id),
        role: r,
      })),
    ...resource.oauth2PermissionScopes.map((s) => ({
      label: s.value,
      description: inherit
        ? 'delegated (its agents inherit it for users; admin consent)'
        : 'delegated (on behalf of users; consent for all users)',
      scope: s.value,
    })),
  ];
  if (items.length === 0)
    throw new ConfigError(
      'Resource',
      `${resource.displayName} defines no app roles or scopes.`,
      'Define them on its app registration first.',
    );
  const picked = await vscode.window.showQuickPick(items, {
    title: `Grant Permissions on ${resource.displayName}`,
    placeHolder: inherit
      ? "Granted to the blueprint's principal and made inheritable: its agent identities get them"
      : 'App roles: the agent itself. Delegated: on behalf of users.',
    canPickMany: true,
    ignoreFocusOut: true,
  });
  if (!picked) throw new PromptDismissed();
  return {
    roles: picked.flatMap((p) => ('role' in p && p.role ? [p.role] : [])),
    scopes: picked.flatMap((p) => ('scope' in p && p.scope ? [p.scope] : [])),
  };
}

function byValue<T extends { value: string }>(
  list: readonly T[],
  values: readonly string[],
  what: string,
  resource: ResourcePrincipal,
): T[] {
  return values.map((v) => {
    const found = list.find((x) => x.value === v);
    if (!found)
      throw new ConfigError(
        what === 'app role' ? 'App role' : 'Scope',
        `${resource.displayName} defines no ${what} "${v.slice(0, 80)}".`,
        `Use one of: ${list.map((x) => x.value).join(', ') || '(none)'}.`,
      );
    return found;
  });
}

/**
 * Add Certificate…: a new RSA key and self-signed certificate made here, written with its key only to the file the
 * user picks (mode 0600), its public part uploaded to the blueprint; the blueprint signs with it from then on, and
 * the client secret kept here is let go (it stays valid in the tenant until removed there).
 */
export async function addCertificate(
  ctx: CommandContext,
  arg?: unknown,
): Promise<{ path: string; thumbprint: string; notAfter: string }> {
  const args = plainArgs<AddCertificateArgs>(arg);
  const blueprint = blueprintArg(ctx, arg, args?.blueprintId);
  let path = args?.path;
  if (!path) {
    const home = vscode.Uri.file(homedir());
    const chosen = await vscode.window.showSaveDialog({
      title: `Save the certificate and private key of "${blueprint.displayName}"`,
      defaultUri: vscode.Uri.joinPath(home, `${blueprint.displayName.replace(/[^\w.-]+/g, '-').slice(0, 60)}.pem`),
      filters: { 'PEM (certificate and private key)': ['pem'] },
      saveLabel: 'Save Key Here',
    });
    if (!chosen) throw new PromptDismissed();
    path = chosen.fsPath;
  }
  const file = path;
  const target = { authority: blueprint.authority, tenant: blueprint.tenant };
  const made = await withUserGraph(
    ctx,
    target,
    'credentials',
    `Adding a certificate to "${blueprint.displayName}"…`,
    async (graph, signal, progress) => {
      const { blueprintByAppId, makeSelfSignedCertificate, uploadFirstCertificate } =
        await import('../../core/graph/blueprintSetup');
      const object = blueprint.setup?.objectId ?? (await blueprintByAppId(graph, blueprint.clientId, signal))?.id;
      if (!object)
        throw new ConfigError(
          'Blueprint',
          `${blueprint.clientId} is not a blueprint of tenant ${blueprint.tenant}.`,
          'Check its tenant, or discover it again.',
        );
      progress('Making an RSA key and a self-signed certificate…');
      const certificate = await makeSelfSignedCertificate(blueprint.displayName);
      // The key is on disk (0600 from its first byte, never through a link) before anything is sent: an upload
      // without its key would be a lock without a key.
      await writePrivateFile(file, certificate.pem);
      progress('Uploading its public part…');
      await uploadFirstCertificate(
        graph,
        object,
        certificate,
        `Entra Agent Tokens ${certificate.thumbprint.slice(0, 8)}`,
        signal,
      );
      return certificate;
    },
  );
  if (blueprint.sandbox)
    ctx.definitions.updateSandboxBlueprint(blueprint.clientId, {
      credentialKind: 'certificate',
      certificatePath: file,
    });
  else
    await ctx.definitions.updateBlueprint(blueprint.clientId, {
      credentialKind: 'certificate',
      certificatePath: file,
      assertionAlgorithm: 'PS256',
      federatedTokenFile: undefined,
      managedIdentityClientId: undefined,
    });
  await ctx.credentials.deleteAll(blueprint.clientId);
  ctx.tokenService.clearCache();
  ctx.log.info(
    `Certificate ${made.thumbprint} added to blueprint ${blueprint.clientId}; its key is in ${file} (0600).`,
  );
  void vscode.window.showInformationMessage(
    `Certificate ${made.thumbprint} uploaded to "${blueprint.displayName}"; it signs with ${file} from now on. Its client secret stays valid in the tenant until you remove it there.`,
  );
  return { path: file, thumbprint: made.thumbprint, notAfter: made.notAfter };
}

/**
 * Add Federated Credential…: the blueprint trusts a managed identity (its object id as subject, the tenant as issuer)
 * or another workload, so it needs no secret where that identity runs.
 */
export async function addFederatedCredential(
  ctx: CommandContext,
  arg?: unknown,
): Promise<{ issuer: string; subject: string; name: string }> {
  const args = plainArgs<AddFederatedCredentialArgs>(arg);
  const blueprint = blueprintArg(ctx, arg, args?.blueprintId);
  const subject = (
    args?.subject ??
    (await ask({
      title: `Add Federated Credential to "${blueprint.displayName}"`,
      prompt: "The managed identity's object (principal) id: the blueprint accepts its tokens as its credential",
      placeHolder: '00000000-0000-0000-0000-000000000000',
      validate: (v) => {
        if (!isGuid(v.trim()))
          throw new Error(
            "A managed identity's object id is a GUID (Azure portal: the identity's Object (principal) ID).",
          );
      },
    }))
  ).trim();
  const target = { authority: blueprint.authority, tenant: blueprint.tenant };
  const done = await withUserGraph(
    ctx,
    target,
    'credentials',
    `Adding a federated credential to "${blueprint.displayName}"…`,
    async (graph, signal, _p, tenantId) => {
      const { trustFederatedIdentity, blueprintByAppId } = await import('../../core/graph/blueprintSetup');
      const object = blueprint.setup?.objectId ?? (await blueprintByAppId(graph, blueprint.clientId, signal))?.id;
      if (!object)
        throw new ConfigError(
          'Blueprint',
          `${blueprint.clientId} is not a blueprint of tenant ${blueprint.tenant}.`,
          'Check its tenant, or discover it again.',
        );
      const issuer = args?.issuer ?? `${blueprint.authority.replace(/\/+$/, '')}/${tenantId ?? blueprint.tenant}/v2.0`;
      const name = args?.name ?? `managed-identity-${subject.slice(0, 8)}`;
      await trustFederatedIdentity(graph, object, { name, issuer, subject }, signal);
      return { issuer, subject, name };
    },
  );
  ctx.log.info(`Blueprint ${blueprint.clientId} now trusts ${done.subject} (issuer ${done.issuer}) as its credential.`);
  void vscode.window.showInformationMessage(
    `"${blueprint.displayName}" now accepts tokens of ${done.subject} as its credential. Where that managed identity runs, set the blueprint's credential to "Managed identity" (Set Blueprint Credential…).`,
  );
  return done;
}

function blueprintArg(ctx: CommandContext, arg: unknown, blueprintId: string | undefined): BlueprintDefinition {
  const blueprint = isNode<BlueprintNode>(arg, 'blueprint')
    ? (arg as BlueprintNode).blueprint
    : ctx.definitions.blueprint(blueprintId ?? '');
  if (!blueprint)
    throw new ConfigError(
      'Blueprint',
      `${String(blueprintId)} is not in the list.`,
      'Run it on a blueprint in the list.',
    );
  return blueprint;
}
