import * as vscode from 'vscode';
import { PromptDismissed } from '../core/errors/errors';
import { EntraError } from '../core/errors/entraError';
import { reportOf } from '../core/errors/errorReport';
import { CommandId } from './commands/ids';
import { runCommand } from './commands/run';
import { openSettings } from './workbench';
import { ERROR_ACTION_LABELS, errorActions, simulatedNote, type ErrorAction, type ErrorScope } from './errorActions';
import type { ExtensionLog } from './log';

/** The user dismissed a prompt: ends a command silently, like a cancel. */
export { PromptDismissed };

/** Errors already shown: a failure that crosses two boundaries (a webview message that runs a command) is shown once. */
const shown = new WeakSet<object>();
/** What a failure was about (set where it is known, read by the boundary): which fixes to offer. */
const scopes = new WeakMap<object, Omit<ErrorScope, 'canRetry'>>();

/** Errors the sandbox gave on purpose (Simulate an Entra Error…), by the simulation's label. */
const simulated = new WeakMap<object, string>();

/** Marks an error as one the sandbox simulated: every face says so, and that it happens once. */
export function markSimulated(e: unknown, label: string): void {
  if (typeof e === 'object' && e !== null) simulated.set(e, label);
}

/** The simulation an error came from, if the sandbox gave it on purpose. */
export function simulationOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null ? simulated.get(e) : undefined;
}

/**
 * What every face of the extension shows for an error (the notification, the tree's failure row, the inspector): its
 * summary and details, said to be simulated when they were, and the actions that fix it.
 */
export function explained(
  e: unknown,
  canRetry: boolean,
): { scope: ErrorScope; actions: ErrorAction[]; details?: string; summary: string; fix?: string } {
  const report = reportOf(e);
  const scope = { ...(typeof e === 'object' && e !== null ? scopes.get(e) : undefined), canRetry };
  const simulation = simulationOf(e);
  // The sandbox has no portal page: its credential's fix is the command that puts its own secret back.
  const catalogueFix = e instanceof EntraError ? e.fix : undefined;
  const fix =
    scope.sandbox && report.kind === 'explained' && report.remedy === 'credential' ? SANDBOX_CREDENTIAL_FIX : undefined;
  const withFix = (text: string) => (fix && catalogueFix ? text.replace(catalogueFix, fix) : text);
  const details =
    report.kind === 'explained' && report.details
      ? withFix(simulation ? `${simulatedNote(simulation)}\n${report.details}` : report.details)
      : undefined;
  const summary = withFix(simulation ? `Simulated (happens once): ${report.summary}` : report.summary);
  return {
    scope,
    actions: errorActions(report, scope),
    ...(details ? { details } : {}),
    summary,
    ...(fix ? { fix } : {}),
  };
}

const SANDBOX_CREDENTIAL_FIX =
  "On the sandbox, Set Blueprint Credential… puts its own secret back; in a real tenant, create a new secret on the blueprint's Certificates & secrets page.";

/** Marks an error with the blueprint and agent it is about, so the boundary can offer their fixes. */
export function scopeError(e: unknown, scope: Omit<ErrorScope, 'canRetry'>): void {
  if (typeof e === 'object' && e !== null && !scopes.has(e)) scopes.set(e, scope);
}

/**
 * The one boundary for commands and webview messages (and next, sidecar requests and language-model tools): a cancel
 * or a dismissed prompt is quiet; an Entra, configuration or credential error is explained in one sentence, with
 * buttons for its fix; anything else is logged in full. Each is shown once, with a "Show Log" button.
 */
export function reportError(where: string, e: unknown, log: ExtensionLog, retry?: () => Thenable<unknown>): void {
  if (e instanceof PromptDismissed) {
    log.trace(`${where}: prompt dismissed`);
    return;
  }
  const report = reportOf(e);
  if (report.kind === 'cancelled') {
    log.info(`${where}: ${report.logLine}`);
    return;
  }
  if (typeof e === 'object' && e !== null) {
    if (shown.has(e)) return;
    shown.add(e);
  }
  if (report.kind === 'unexpected' || (report.kind === 'explained' && report.category === 'entra'))
    log.error(`${where}: ${report.logLine}`);
  else log.warn(`${where}: ${report.logLine}`);
  const { scope, actions, details, summary } = explained(e, !!retry);
  const labels = [...actions.map((a) => ERROR_ACTION_LABELS[a]), 'Show Log'];
  const show = (): void => {
    void vscode.window.showErrorMessage(summary, ...labels).then((choice) => {
      const action = actions.find((a) => ERROR_ACTION_LABELS[a] === choice);
      // Copying the details keeps the other buttons (Retry, the fix): the notification comes back.
      if (action === 'copyDetails') void runErrorAction(action, scope, details, retry).then(show);
      else if (action) void runErrorAction(action, scope, details, retry);
      else if (choice === 'Show Log') log.show();
    });
  };
  show();
}

/** Runs one of an error's actions (the toast's buttons, the tree's failure rows). */
export function runErrorAction(
  action: ErrorAction,
  scope: Omit<ErrorScope, 'canRetry'>,
  details: string | undefined,
  retry: (() => Thenable<unknown>) | undefined,
): Thenable<unknown> {
  switch (action) {
    case 'setCredential':
      return runCommand(CommandId.setBlueprintCredential, { blueprintId: scope.blueprintId! });
    case 'editBlueprint':
      return runCommand(CommandId.editBlueprint, { blueprintId: scope.blueprintId! });
    case 'editAgent':
      return runCommand(CommandId.editAgentIdentity, { agentId: scope.agentId! });
    case 'grant':
      return runCommand(CommandId.grantPermissions, {
        agentId: scope.agentId!,
        ...(scope.resource ? { resource: scope.resource } : {}),
      });
    case 'openSettings':
      return openSettings('entraAgentTokens.additionalAuthorityHosts');
    case 'retry':
      return retry ? retry() : Promise.resolve();
    case 'copyDetails':
      return vscode.env.clipboard
        .writeText(details ?? '')
        .then(() => vscode.window.setStatusBarMessage('$(copy) Error details copied', 3000));
  }
}

/** Runs `work` behind the boundary: resolves to its result, or to undefined once the error has been reported. */
export async function guarded<T>(
  where: string,
  log: ExtensionLog,
  work: () => T | Promise<T>,
  retry?: () => Thenable<unknown>,
): Promise<T | undefined> {
  try {
    return await work();
  } catch (e) {
    reportError(where, e, log, retry);
    return undefined;
  }
}
