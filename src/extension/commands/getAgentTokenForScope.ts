import { validateDefaultScope } from '../../core/config/config';
import { ask, pick, pickAgent } from '../prompts';
import { AgentNode } from '../tree/nodes';
import type { CommandContext } from './context';
import type { AgentTokenSummary } from './contracts';
import { acquireAndShow } from '../tokens/exchange';

/**
 * Get Agent Token for another scope than the agent's default: the scopes used this session are offered first, then
 * any other (the app-only flow: `<resource>/.default`).
 */
export async function getAgentTokenForScope(ctx: CommandContext, arg?: unknown): Promise<AgentTokenSummary> {
  const agent = arg instanceof AgentNode ? arg.agent : await pickAgent(ctx.definitions, 'Get Agent Token for Scope');
  const recent = [...new Set(ctx.tokens.all().map((t) => t.scope))].filter(
    (s) => s !== agent.defaultScope && s.endsWith('/.default'),
  );
  const OTHER = 'Another scope…';
  const chosen = await pick(
    [
      { label: agent.defaultScope, description: 'default' },
      ...recent.map((s) => ({ label: s, description: 'used this session' })),
      { label: OTHER, description: 'type a resource scope' },
    ],
    { title: `Get Agent Token for Scope: ${agent.displayName}`, placeHolder: 'Which resource?' },
  );
  const scope =
    chosen.label === OTHER
      ? await ask({
          title: `Get Agent Token for Scope: ${agent.displayName}`,
          prompt: 'The resource scope, ending in /.default (for example api://my-api/.default)',
          validate: (v) => validateDefaultScope(v, 'Scope'),
        })
      : chosen.label;
  return acquireAndShow(
    ctx,
    ctx.definitions.target(agent),
    { flow: 'autonomous' },
    validateDefaultScope(scope, 'Scope'),
    {
      forceRefresh: false,
      openInspector: true,
      consent: 'ask',
    },
  );
}
