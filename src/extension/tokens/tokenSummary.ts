// What a command that gets a token gives back to a script (Get Agent Token's variants, Sign In to Local Agent…): the
// token's facts and the token itself, which a script asked for. No `vscode`: the Node tier reads it.
import type { AgentTokenResult } from '../../core/engine/agentTokens';
import type { AgentTokenSummary } from '../commands/contracts';

export function tokenSummary(agentId: string, scope: string, result: AgentTokenResult): AgentTokenSummary {
  return {
    agentId,
    flow: result.flow,
    scope,
    accessToken: result.accessToken,
    expiresOn: result.expiresOn.toISOString(),
    fromCache: result.fromCache,
    claims: result.token.claims,
    t1Claims: result.t1.claims,
    legs: result.legs.map((l) => ({ name: l.name, status: l.status, durationMs: l.durationMs, cached: l.cached })),
  };
}
