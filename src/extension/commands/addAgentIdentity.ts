import { cloudOfAuthority, defaultGraphScope } from '../../core/config/clouds';
import { DEFAULT_SCOPE, validateClientId, validateDefaultScope } from '../../core/config/config';
import type { AgentDefinition } from '../definitions/definitions';
import { nonEmpty, notListed, pickBlueprint, plainArgs, textStep } from '../prompts';
import { runWizard } from '../wizard';
import { BlueprintNode } from '../tree/nodes';
import type { CommandContext } from './context';
import type { AddAgentIdentityArgs } from './contracts';

const TITLE = 'Add Agent Identity';

/**
 * Asks for the blueprint, name, client id and default scope (a script's argument gives them: only what it leaves out
 * is asked, and a scope it leaves out is the default), then saves the agent identity.
 */
export async function addAgentIdentity(ctx: CommandContext, arg?: unknown): Promise<AgentDefinition> {
  const args = plainArgs<AddAgentIdentityArgs>(arg);
  const blueprint =
    arg instanceof BlueprintNode
      ? arg.blueprint
      : args?.blueprintId !== undefined
        ? undefined
        : await pickBlueprint(ctx.definitions, TITLE, (b) => !b.sandbox);
  const blueprintId = blueprint?.clientId ?? args?.blueprintId ?? '';
  const under = blueprint ?? ctx.definitions.blueprint(blueprintId);
  const authority = under?.authority ?? '';
  const answers = await runWizard<Partial<AddAgentIdentityArgs>>(TITLE, { ...args }, [
    textStep('displayName', {
      prompt: `A display name for the agent identity under "${under?.displayName ?? blueprintId}"`,
      validate: nonEmpty('the agent identity'),
      skipWhenSet: true,
    }),
    textStep('clientId', {
      prompt: "The agent identity's client id",
      placeHolder: '00000000-0000-0000-0000-000000000000',
      validate: (v) => notListed(ctx.definitions, validateClientId(v, 'Client id', 'agent identity')),
      skipWhenSet: true,
    }),
    {
      // A script that names no scope means the default one.
      ...textStep<Partial<AddAgentIdentityArgs>>('defaultScope', {
        prompt: 'The resource scope to ask for by default',
        fallback: graphScopeFor(authority),
        validate: (v) => validateDefaultScope(v, 'Scope'),
      }),
      given: (a) => !!args || a.defaultScope !== undefined,
    },
  ]);
  return save(ctx, {
    blueprintId,
    clientId: answers.clientId ?? '',
    displayName: answers.displayName ?? '',
    defaultScope: answers.defaultScope ?? (authority ? graphScopeFor(authority) : DEFAULT_SCOPE),
    ...(answers.tenant ? { tenant: answers.tenant } : {}),
  });
}

async function save(ctx: CommandContext, agent: AgentDefinition): Promise<AgentDefinition> {
  const blueprint = ctx.definitions.blueprint(agent.blueprintId);
  if (blueprint && !ctx.definitions.agent(agent.clientId)) await ctx.sandbox.registerOwnAgent(blueprint, agent);
  const saved = await ctx.definitions.addAgent(agent);
  ctx.log.info(`Agent identity ${saved.displayName} (${saved.clientId}) added under blueprint ${saved.blueprintId}.`);
  return saved;
}

/** The blueprint's cloud's Graph, as the default scope; the public one for loopback and unknown hosts. */
function graphScopeFor(authority: string): string {
  return defaultGraphScope(cloudOfAuthority(authority));
}
