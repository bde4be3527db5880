import { validateDefaultScope, validateTenant } from '../../core/config/config';
import type { AgentDefinition } from '../definitions/definitions';
import { nonEmpty, onlyTarget, pickAgent, plainArgs, textStep } from '../prompts';
import { runWizard } from '../wizard';
import { ConfigError } from '../../core/errors/errors';
import type { CommandContext } from './context';
import type { EditAgentIdentityArgs } from './contracts';
import type { AgentRow, FailureRow } from './contracts';
import { isNode } from './nodeArgs';

const TITLE = 'Edit Agent Identity';

/** Renames an agent identity, changes its default scope, or sets its home tenant (where every leg goes). */
export async function editAgentIdentity(ctx: CommandContext, arg?: unknown): Promise<AgentDefinition> {
  const given = plainArgs<EditAgentIdentityArgs>(arg);
  const args = onlyTarget(given, 'agentId') ? undefined : given;
  const onSandbox = (a: AgentDefinition) => !!ctx.definitions.blueprint(a.blueprintId)?.sandbox;
  const agent = given
    ? ctx.definitions.agent(given.agentId ?? '')
    : isNode<AgentRow>(arg, 'agent')
      ? arg.agent
      : isNode<FailureRow>(arg, 'failure')
        ? ctx.definitions.agent(arg.failure.agentId)
        : await pickAgent(ctx.definitions, TITLE);
  if (!agent) throw new ConfigError('Agent identity', `${String(given?.agentId)} is not in the list.`, 'Add it first.');
  // A sandbox agent is edited for practice (another home tenant shows Entra's error), in memory until the next start.
  const practice = onSandbox(agent);
  const blueprint = ctx.definitions.blueprint(agent.blueprintId)!;
  const patch =
    args ??
    (await runWizard(
      `${TITLE}: ${agent.displayName}`,
      { displayName: agent.displayName, defaultScope: agent.defaultScope, tenant: agent.tenant ?? '' },
      [
        textStep('displayName', { prompt: 'Display name', validate: nonEmpty('the agent identity') }),
        textStep('defaultScope', {
          prompt: 'The resource scope to ask for by default',
          validate: (v) => validateDefaultScope(v, 'Scope'),
        }),
        textStep('tenant', {
          prompt: `The agent identity's home tenant, where both legs go. Leave it empty for the blueprint's (${blueprint.tenant}).${practice ? " For practice: another tenant shows Entra's error; the sandbox's next start resets it." : ''}`,
          validate: (v) => {
            if (v.trim()) validateTenant(v, 'Agent home tenant');
          },
        }),
      ],
    ));
  const next = practice
    ? ctx.definitions.updateSandboxAgent(agent.clientId, patch)
    : await ctx.definitions.updateAgent(agent.clientId, patch);
  ctx.tokenService.clearCache();
  ctx.tokens.clearFailures([next.clientId]);
  ctx.log.info(
    `Agent identity ${next.displayName} (${next.clientId}) edited; its legs go to tenant ${next.tenant ?? blueprint.tenant}${next.tenant ? " (its home tenant, not the blueprint's)" : ''}.`,
  );
  return next;
}
