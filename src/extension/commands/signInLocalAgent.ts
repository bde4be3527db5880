// Sign In to Local Agent…: a user signs in to a local agent (agent-id-2026 §2, PREVIEW), a single-instance agent
// registered as a public client: the authorization code flow with PKCE through a loopback redirect, in the user's
// browser (core/signin/localAgentSignIn.ts, on openid-client). The user's token is then held, counted down and
// inspected like any other.
import * as vscode from 'vscode';
import { ConfigError, firstLine, isCancelled } from '../../core/errors/errors';
import { isSingleInstanceAgent, type AgentDefinition } from '../definitions/definitions';
import { PromptDismissed } from '../errorBoundary';
import { ask, pick, plainArgs } from '../prompts';
import type { AgentNode } from '../tree/nodes';
import { withCancellableProgress } from '../workbench';
import type { CommandContext } from './context';
import type { AgentTokenSummary, SignInLocalAgentArgs } from './contracts';
import { isNode } from './nodeArgs';
import { tokenSummary } from '../tokens/tokenSummary';

const TITLE = 'Sign In to Local Agent';

export async function signInToLocalAgent(ctx: CommandContext, arg?: unknown): Promise<AgentTokenSummary> {
  const args = plainArgs<SignInLocalAgentArgs>(arg);
  const local = ctx.definitions.agents().filter(isSingleInstanceAgent);
  const agent: AgentDefinition | undefined = isNode<AgentNode>(arg, 'agent')
    ? (arg as AgentNode).agent
    : args?.agentId
      ? ctx.definitions.agent(args.agentId)
      : local.length
        ? (
            await pick(
              local.map((a) => ({ label: a.displayName, description: a.clientId, agent: a })),
              {
                title: TITLE,
                placeHolder: 'Which local agent? (a single-instance agent registered as a public client)',
              },
            )
          ).agent
        : undefined;
  if (!agent || !isSingleInstanceAgent(agent))
    throw new ConfigError(
      'Local agent',
      agent
        ? `"${agent.displayName}" is not single-instance: a local agent signs users in with its own client id.`
        : 'none is in the list.',
      'Add a single-instance blueprint (Add Blueprint…, kind Single-instance), or start the sandbox: its Desk Agent is a local agent.',
    );
  const blueprint = ctx.definitions.blueprint(agent.blueprintId)!;
  const suggested = blueprint.sandbox ? 'api://sandbox-weather/Forecast.Read' : agent.defaultScope;
  const scope = (
    args?.scope ??
    (await ask({
      title: `${TITLE}: ${agent.displayName}`,
      prompt: 'The delegated scopes the user consents to, space-separated (openid and profile are added)',
      value: suggested,
      validate: (v) => {
        if (!v.trim()) throw new Error('Give at least one scope.');
      },
    }))
  ).trim();
  const display = ctx.inspector.beginExchange({ agentId: agent.clientId, scope, flow: 'local-agent' });
  const { signInLocalAgent } = await import('../../core/signin/localAgentSignIn');
  let result: Awaited<ReturnType<typeof signInLocalAgent>>;
  try {
    result = await withCancellableProgress(`Signing in to "${agent.displayName}": finish in your browser…`, (signal) =>
      signInLocalAgent(
        {
          authority: blueprint.authority,
          tenant: blueprint.tenant,
          clientId: agent.clientId,
          scope,
          ...(args?.redirectPort ? { redirectPort: args.redirectPort } : {}),
        },
        {
          signal,
          onAuthorizeUrl: async (url) => {
            ctx.log.info(
              `Sign-in to local agent ${agent.clientId}: opening the authorize page of ${new URL(url).origin}.`,
            );
            // Spaces as %20, not '+': the URI VS Code opens is re-encoded, and a '+' would stay a '+'.
            const opened = await vscode.env.openExternal(vscode.Uri.parse(url.replace(/\+/g, '%20')));
            if (!opened) throw new PromptDismissed();
          },
        },
      ),
    );
  } catch (e) {
    if (isCancelled(e) || e instanceof PromptDismissed) display.stopped('cancelled');
    else display.stopped('failed', firstLine(e), e);
    throw e;
  }
  const subject = String(
    result.token.claims.upn ?? result.token.claims.preferred_username ?? result.token.claims.oid ?? 'user',
  );
  ctx.tokens.put({ agentId: agent.clientId, scope, result, subject });
  display.done(result, { subject });
  ctx.log.info(`Signed in to local agent ${agent.clientId} as ${subject} for ${scope}.`);
  return tokenSummary(agent.clientId, scope, result);
}
