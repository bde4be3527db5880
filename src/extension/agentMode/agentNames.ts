// Which agent identity of the view a model means: by client id or display name, one only. No `vscode`: shared by the
// language-model tools (at activation) and their calls (lmCalls.ts, loaded on first use).
import { ConfigError } from '../../core/errors/errors';
import type { AgentDefinition } from '../definitions/definitionRules';

/** The agents a definitions list holds: what these functions need of the command context. */
interface AgentsOf {
  readonly definitions: { agents(): readonly AgentDefinition[] };
}

export function agentMatching(ctx: AgentsOf, named: unknown): AgentDefinition | undefined {
  return ctx.definitions.agents().find((a) => matches(a, String(named ?? '')));
}

function matches(agent: AgentDefinition, named: string): boolean {
  const n = named.trim().toLowerCase();
  return agent.clientId === n || agent.displayName.toLowerCase() === n;
}

/** An agent identity of the view, by client id or display name (one only). */
export function agentNamed(ctx: AgentsOf, named: string): AgentDefinition {
  const found = ctx.definitions.agents().filter((a) => matches(a, String(named ?? '')));
  if (found.length === 1) return found[0]!;
  throw new ConfigError(
    'Agent',
    found.length
      ? `"${String(named).slice(0, 80)}" names ${found.length} agent identities.`
      : `"${String(named).slice(0, 80)}" is not an agent identity in the Entra Agent Tokens view.`,
    'Give its client id; the list-agents tool lists them.',
  );
}
