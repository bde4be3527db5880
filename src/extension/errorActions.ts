// Which buttons an explained error offers: the action that fixes it where one place does, Retry, and Copy Error
// Details for a support ticket. Pure, so the Node tier checks every remedy; errorBoundary.ts shows them.
import type { ErrorReport } from '../core/errors/errorReport';

export type ErrorAction =
  'setCredential' | 'editBlueprint' | 'editAgent' | 'grant' | 'openSettings' | 'retry' | 'copyDetails';

export const ERROR_ACTION_LABELS: Readonly<Record<ErrorAction, string>> = {
  setCredential: 'Set Blueprint Credential…',
  editBlueprint: 'Edit Blueprint…',
  editAgent: 'Edit Agent Identity…',
  grant: 'Grant Permissions…',
  openSettings: 'Open Settings',
  retry: 'Retry',
  copyDetails: 'Copy Error Details',
};

/** What the failing action was about: which fixes can be offered. */
export interface ErrorScope {
  /** The blueprint (the sandbox's too: its credential and tenant can be changed for practice). */
  readonly blueprintId?: string;
  readonly agentId?: string;
  /** The resource the token was asked for (what Grant Permissions… opens on). */
  readonly resource?: string;
  /** The blueprint is the sandbox's (its fixes are the sandbox's own). */
  readonly sandbox?: boolean;
  readonly canRetry?: boolean;
}

/** The buttons, most useful first: the fix, then Retry, then Copy Error Details (never more than three). */
export function errorActions(report: ErrorReport, scope: ErrorScope): ErrorAction[] {
  if (report.kind !== 'explained') return [];
  const actions: ErrorAction[] = [];
  switch (report.remedy) {
    case 'credential':
      if (scope.blueprintId) actions.push('setCredential');
      break;
    case 'blueprint':
      if (scope.blueprintId) actions.push('editBlueprint');
      break;
    case 'agent':
      if (scope.agentId && scope.blueprintId) actions.push('editAgent');
      break;
    case 'grant':
      if (scope.agentId) actions.push('grant');
      break;
    case 'settings':
      actions.push('openSettings');
      break;
  }
  if (scope.canRetry && (report.category === 'entra' || report.category === 'network')) actions.push('retry');
  if (report.details) actions.push('copyDetails');
  return actions;
}

/** The words that say an error was simulated: before its details, and in the inspector. */
export function simulatedNote(label: string): string {
  return `Simulated by the sandbox (${label}): it happens once, and the next request gets a token.`;
}
