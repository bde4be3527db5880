// Which buttons an explained error offers: the action that fixes it where one place does, Retry, and Copy Error
// Details for a support ticket. Pure, so the Node tier checks every remedy; errorBoundary.ts shows them.
import type { ErrorReport } from '../core/errorReport';

export type ErrorAction = 'setCredential' | 'editBlueprint' | 'editAgent' | 'openSettings' | 'retry' | 'copyDetails';

export const ERROR_ACTION_LABELS: Readonly<Record<ErrorAction, string>> = {
  setCredential: 'Set Blueprint Credential…',
  editBlueprint: 'Edit Blueprint…',
  editAgent: 'Edit Agent Identity…',
  openSettings: 'Open Settings',
  retry: 'Retry',
  copyDetails: 'Copy Error Details',
};

/** What the failing action was about: which fixes can be offered. */
export interface ErrorScope {
  /** A blueprint the user added (the sandbox's cannot be edited). */
  readonly blueprintId?: string;
  readonly agentId?: string;
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
    case 'settings':
      actions.push('openSettings');
      break;
  }
  if (scope.canRetry && (report.category === 'entra' || report.category === 'network')) actions.push('retry');
  if (report.details) actions.push('copyDetails');
  return actions;
}
