import { cloudOfAuthority, defaultGraphScope } from '../../core/clouds';
import { DEFAULT_SCOPE, validateClientId, validateDefaultScope } from '../../core/config';
import type { AgentDefinition } from '../definitions';
import { ask, notListed, pickBlueprint, plainArgs, steps } from '../prompts';
import { BlueprintNode } from '../tree/nodes';
import type { CommandContext } from './context';
import type { AddAgentIdentityArgs } from './contracts';

const TITLE = 'Add Agent Identity';

export async function addAgentIdentity(ctx: CommandContext, arg?: unknown): Promise<AgentDefinition> {
  const args = plainArgs<AddAgentIdentityArgs>(arg);
  if (args) {
    return save(ctx, {
      blueprintId: args.blueprintId ?? '',
      clientId: args.clientId ?? '',
      displayName: args.displayName ?? '',
      defaultScope: args.defaultScope ?? DEFAULT_SCOPE,
      ...(args.tenant ? { tenant: args.tenant } : {}),
    });
  }
  const blueprint =
    arg instanceof BlueprintNode ? arg.blueprint : await pickBlueprint(ctx.definitions, TITLE, (b) => !b.sandbox);
  const { displayName, clientId, defaultScope } = await steps(
    { displayName: '', clientId: '', defaultScope: graphScopeFor(blueprint.authority) },
    [
      async (a, back) => {
        a.displayName = await ask({
          title: `${TITLE} (1/3)`,
          prompt: `A display name for the agent identity under "${blueprint.displayName}"`,
          value: a.displayName,
          validate: (v) => {
            if (!v.trim()) throw new Error('Give the agent identity a name.');
          },
          back,
        });
      },
      async (a, back) => {
        a.clientId = await ask({
          title: `${TITLE} (2/3)`,
          prompt: "The agent identity's client id",
          placeHolder: '00000000-0000-0000-0000-000000000000',
          value: a.clientId,
          validate: (v) => notListed(ctx.definitions, validateClientId(v, 'Client id', 'agent identity')),
          back,
        });
      },
      async (a, back) => {
        a.defaultScope = await ask({
          title: `${TITLE} (3/3)`,
          prompt: 'The resource scope to ask for by default',
          value: a.defaultScope,
          validate: (v) => validateDefaultScope(v, 'Scope'),
          back,
        });
      },
    ],
  );
  return save(ctx, { blueprintId: blueprint.clientId, clientId, displayName, defaultScope });
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
