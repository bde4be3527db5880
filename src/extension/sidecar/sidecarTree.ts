import * as vscode from 'vscode';
import { CommandId } from '../commands/ids';
import { commandLink } from '../commands/run';
import type { DefinitionStore } from '../definitions/definitions';
import type { SidecarController, SidecarEntry } from './sidecarController';
import { requestFlow, requestRow } from './sidecarRules';
import { markdownTable } from '../tree/nodes';
import type { SidecarRequestRow } from '../commands/contracts';

const FLOW_ICONS = { autonomous: 'key', 'agent-user': 'person', app: 'server', other: 'pulse' } as const;

/** One request the sidecar answered: who asked, when, the answer, and whether the cache gave it. */
export class SidecarRequestNode implements SidecarRequestRow {
  readonly kind = 'sidecarRequest';
  constructor(
    readonly entry: SidecarEntry,
    private readonly agentName: (clientId: string) => string | undefined,
  ) {}

  toTreeItem(): vscode.TreeItem {
    const { record, result } = this.entry;
    const row = requestRow(record, this.agentName);
    const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.None);
    item.id = `sidecarRequest:${this.entry.id}`;
    item.description = row.description;
    const failed = record.status >= 400;
    const flow = requestFlow(record);
    // A request the container on its defaults would answer differently: the warning icon (its tooltip names the key).
    item.iconPath = failed
      ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'))
      : row.differs
        ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
        : new vscode.ThemeIcon(FLOW_ICONS[flow]);
    item.contextValue = failed ? 'sidecarRequest.failed' : result ? 'sidecarRequest.token' : 'sidecarRequest';
    item.tooltip = markdownTable(row.tooltip);
    item.accessibilityInformation = {
      label: `${row.label}${flow === 'agent-user' ? ', agent user' : ''}, ${row.description.replaceAll(' · ', ', ')}${row.differs ? ', the container would answer differently' : ''}`,
    };
    if (result || failed)
      item.command = commandLink(CommandId.openSidecarRequest, 'Open Sidecar Request', { id: this.entry.id });
    return item;
  }
}

/** The Agent Sidecar view: the requests of the sidecar's last run, newest first; its welcome before the first. */
export class SidecarTreeProvider implements vscode.TreeDataProvider<SidecarRequestNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly sidecar: SidecarController,
    private readonly definitions: DefinitionStore,
  ) {
    this.subscription = sidecar.onDidChange(() => this.changed.fire());
  }

  getTreeItem(node: SidecarRequestNode): vscode.TreeItem {
    return node.toTreeItem();
  }

  getChildren(node?: SidecarRequestNode): SidecarRequestNode[] {
    if (node) return [];
    const name = (id: string) => this.definitions.agent(id)?.displayName;
    return this.sidecar.requests.map((e) => new SidecarRequestNode(e, name));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** The view's header line: where it listens and for whom, or that it stopped; empty before any run (the welcome). */
export function sidecarViewMessage(sidecar: SidecarController): string | undefined {
  const s = sidecar.status;
  const last = sidecar.stoppedStatus;
  if (!s && last && sidecar.requests.length)
    return `Stopped. The requests it answered at ${last.url} for ${last.blueprintName} stay listed until it starts again (Start Agent Sidecar… in this view's title).`;
  if (!s) return undefined;
  return `Listening at ${s.url} for ${s.blueprintName}. ${sidecar.requestCount} request${sidecar.requestCount === 1 ? '' : 's'}${sidecar.requestCount > sidecar.requests.length ? ` (the last ${sidecar.requests.length} listed)` : ''}.`;
}
