// The exchange as VS Code shows it: a notification's progress with Cancel, each leg into the inspector as it
// completes, a failure or a cancel shown there too, then the token in the tree. Get Agent Token (every variant) and
// Call API end here; the error itself still goes to the error boundary.
import * as vscode from 'vscode';
import { firstLine, isCancelled } from '../../core/errors/errors';
import type { AgentTokenSummary } from '../commands/contracts';
import type { CommandContext } from '../commands/context';
import { agentUserLabel, type AgentTarget } from '../definitions/definitions';
import { PromptDismissed } from '../errorBoundary';
import type { ExchangeDisplay } from '../inspector/inspectorController';
import { legsDestination } from './tokenRequests';
import type { FlowChoice, ImportedCredentialConsent } from './tokenService';
import type { HeldToken } from './tokenStore';
import { withCancellableProgress } from '../workbench';
import { tokenSummary } from './tokenSummary';

/** The exchange with progress and Cancel, then the inspector: what every Get Agent Token variant ends in. */
export async function acquireAndShow(
  ctx: CommandContext,
  target: AgentTarget,
  choice: FlowChoice,
  scope: string,
  options: { forceRefresh: boolean; openInspector: boolean; consent: ImportedCredentialConsent },
): Promise<AgentTokenSummary> {
  const { agent } = target;
  // The inspector opens at the click and fills in leg by leg: its page loads while the exchange runs.
  const display = options.openInspector
    ? ctx.inspector.beginExchange({
        agentId: agent.clientId,
        scope,
        flow: choice.flow,
        ...(choice.flow === 'agent-user' ? { subject: agentUserLabel(choice.user) } : {}),
      })
    : undefined;
  const held = await acquireWithProgress(ctx, target, choice, scope, options, display);
  const { result, subject } = held;
  display?.done(result, subject ? { subject } : {});
  vscode.window.setStatusBarMessage(
    `$(key) Token for ${agent.displayName} ${result.fromCache ? 'reused from cache' : 'acquired'}`,
    4000,
  );
  return tokenSummary(agent.clientId, scope, result);
}

/**
 * The exchange with a notification's progress and Cancel; each leg goes to the inspector as it completes, and a
 * failure or a cancel is shown there too (the error itself still goes to the error boundary).
 */
export async function acquireWithProgress(
  ctx: CommandContext,
  target: AgentTarget,
  choice: FlowChoice,
  scope: string,
  options: { forceRefresh: boolean; consent: ImportedCredentialConsent },
  display: ExchangeDisplay | undefined,
): Promise<HeldToken> {
  try {
    return await withCancellableProgress(`Getting a token for ${target.agent.displayName}…`, (signal, report) => {
      report(legsDestination(target.blueprint, target.agent));
      return ctx.tokenService.acquire(target, scope, {
        signal,
        forceRefresh: options.forceRefresh,
        choice,
        consent: options.consent,
        onLeg: (leg) => display?.leg(leg),
      });
    });
  } catch (e) {
    if (isCancelled(e) || e instanceof PromptDismissed) display?.stopped('cancelled');
    else display?.stopped('failed', firstLine(e), e);
    throw e;
  }
}
