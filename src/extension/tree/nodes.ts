import * as vscode from 'vscode';
import type { AgentFlow } from '../../core/engine/agentTokens';
import { CommandId } from '../commands/ids';
import { commandLink } from '../commands/run';
import { formatDuration } from '../tokens/durations';
import {
  agentUserLabel,
  CREDENTIAL_LABELS,
  isSingleInstanceAgent,
  type AgentDefinition,
  type AgentUserReference,
  type BlueprintDefinition,
} from '../definitions/definitions';
import type { AgentFailure, AgentPermissions, HeldToken } from '../tokens/tokenStore';
import type { AgentRow, AgentUserRow, BlueprintRow, FailureRow, TokenRow } from '../commands/contracts';

/** contextValue of each node kind: menus in package.json match these with `viewItem`. */
export const ContextValue = {
  blueprint: 'blueprint',
  sandboxBlueprint: 'blueprint.sandbox',
  /** Created through Graph with steps still to do: Finish Setup (`viewItem =~ /\.setup$/`). */
  unfinishedBlueprint: 'blueprint.setup',
  unfinishedSandboxBlueprint: 'blueprint.sandbox.setup',
  agent: 'agent',
  sandboxAgent: 'agent.sandbox',
  token: 'token',
  expiredToken: 'token.expired',
  failure: 'failure',
  agentUser: 'agentUser',
} as const;

export class BlueprintNode implements BlueprintRow {
  readonly kind = 'blueprint';
  constructor(
    readonly blueprint: BlueprintDefinition,
    readonly hasCredential: boolean,
  ) {}

  toTreeItem(): vscode.TreeItem {
    const b = this.blueprint;
    const item = new vscode.TreeItem(b.displayName, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `blueprint:${b.clientId}`;
    const credential = CREDENTIAL_LABELS[b.credentialKind];
    const unfinished = b.setup ? ` · setup unfinished: no ${b.setup.missing.join(', no ')}` : '';
    item.description = `${b.sandbox ? 'sandbox · ' : ''}${b.singleInstance ? 'single-instance · ' : ''}${b.tenant} · ${this.hasCredential ? credential : `no ${credential}`}${b.confirmBeforeUse ? ' · imported, confirm on first use' : ''}${unfinished}`;
    item.iconPath = new vscode.ThemeIcon(
      b.setup ? 'warning' : b.sandbox ? 'beaker' : 'shield',
      this.hasCredential && !b.setup ? undefined : new vscode.ThemeColor('problemsWarningIcon.foreground'),
    );
    item.contextValue = b.setup
      ? b.sandbox
        ? ContextValue.unfinishedSandboxBlueprint
        : ContextValue.unfinishedBlueprint
      : b.sandbox
        ? ContextValue.sandboxBlueprint
        : ContextValue.blueprint;
    item.tooltip = markdownTable([
      ['Blueprint', b.displayName],
      ['Client id', b.clientId],
      ['Tenant', b.tenant],
      ['Authority', b.authority],
      ['Credential', `${credential}${this.hasCredential ? '' : ' (not set)'}`],
      ...(b.singleInstance
        ? [
            [
              'Single-instance',
              'preview: its one agent identity shares this client id; its token is one request with this credential, no T1',
            ] as [string, string],
          ]
        : []),
      ...(b.certificatePath ? [['Certificate file', b.certificatePath] as [string, string]] : []),
      ...(b.federatedTokenFile ? [['Federated token file', b.federatedTokenFile] as [string, string]] : []),
      ...(b.credentialKind === 'managedIdentity'
        ? [['Managed identity', b.managedIdentityClientId ?? 'system-assigned'] as [string, string]]
        : []),
      ...(b.confirmBeforeUse
        ? [
            [
              'Imported',
              'not used yet: the first Get Agent Token asks you to confirm its credential and authority',
            ] as [string, string],
          ]
        : []),
      ...(b.sandbox
        ? [
            [
              'Sandbox',
              `lives in the sandbox's memory at ${b.authority}: gone when it stops, not on disk and not in Export`,
            ] as [string, string],
          ]
        : []),
      ...(b.setup
        ? [
            [
              'Setup',
              `unfinished: its ${b.setup.missing.map((m) => (m === 'principal' ? 'service principal' : 'client secret')).join(' and ')} still to make; run Finish Setup`,
            ] as [string, string],
          ]
        : []),
    ]);
    return item;
  }
}

export class AgentNode implements AgentRow {
  readonly kind = 'agent';
  constructor(
    readonly agent: AgentDefinition,
    readonly sandbox: boolean,
    readonly hasChildren: boolean,
    /** What Explain Agent Permissions… read from Graph: its own grants and what it inherits. */
    readonly permissions?: AgentPermissions,
  ) {}

  toTreeItem(): vscode.TreeItem {
    const a = this.agent;
    const item = new vscode.TreeItem(
      a.displayName,
      this.hasChildren ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
    );
    // The id changes when children appear, so VS Code shows the new token expanded instead of keeping the old state.
    item.id = `agent:${a.clientId}${this.hasChildren ? ':with-children' : ''}`;
    const single = isSingleInstanceAgent(a);
    item.description = single ? `${a.clientId} · single-instance` : a.clientId;
    item.iconPath = new vscode.ThemeIcon('hubot');
    item.contextValue = this.sandbox ? ContextValue.sandboxAgent : ContextValue.agent;
    item.tooltip = markdownTable([
      ['Agent identity', a.displayName],
      ['Client id', a.clientId],
      ['Blueprint', a.blueprintId],
      ...(single
        ? [
            [
              'Single-instance',
              "shares its blueprint's client id: one token request with the blueprint's credential, no T1, no fmi_path; the permissions are this agent identity's",
            ] as [string, string],
          ]
        : []),
      ['Default scope', a.defaultScope],
      ...(this.permissions ? [permissionsRow(this.permissions)] : []),
      ...(a.tenant
        ? [['Home tenant', `${a.tenant} (every leg goes there, not to the blueprint's tenant)`] as [string, string]]
        : []),
      ...(this.sandbox
        ? [
            ['Sandbox', "lives in the sandbox's memory: gone when it stops, not on disk and not in Export"] as [
              string,
              string,
            ],
          ]
        : []),
    ]);
    return item;
  }
}

/** Its effective permissions on a resource, each with where it comes from. */
function permissionsRow(p: AgentPermissions): [string, string] {
  const list = p.permissions.map(
    (x) =>
      `${x.value} (${x.kind === 'role' ? 'app role' : 'delegated'}, ${x.from === 'own' ? 'its own grant' : `inherited from ${p.blueprintName}'s grant`})`,
  );
  // The resource's name came from Graph: in the value (plain text), never in the key (markdown).
  return ['Permissions', `on ${p.resource}: ${list.length ? list.join('; ') : 'none, its own or inherited'}`];
}

/** Each flow's token looks different: app-only (the agent itself), an agent user's, a user's (on behalf of). */
const FLOW_ICONS: Readonly<Record<AgentFlow, string>> = {
  autonomous: 'key',
  'agent-user': 'person',
  obo: 'account',
  app: 'server',
  'single-instance': 'key',
  'local-agent': 'person',
};

export class TokenNode implements TokenRow {
  readonly kind = 'token';
  constructor(readonly token: HeldToken) {}

  toTreeItem(now = Date.now()): vscode.TreeItem {
    const { result, scope, agentId } = this.token;
    const remaining = result.expiresOn.getTime() - now;
    const expired = remaining <= 0;
    const subject = this.token.subject;
    // The countdown first, the scope second: at the default sidebar width the scope is what gets cut, not the time.
    const item = new vscode.TreeItem(
      expired ? 'expired' : `${formatDuration(remaining)} left`,
      vscode.TreeItemCollapsibleState.None,
    );
    item.id = `token:${agentId}:${scope}:${subject ?? ''}`;
    // An agent user's token sits under its agent-user row; an on-behalf-of token names its user.
    item.description = `${result.flow === 'obo' && subject ? `as ${subject} · ` : ''}${scope}`;
    item.iconPath = new vscode.ThemeIcon(
      expired ? 'warning' : FLOW_ICONS[result.flow],
      expired ? new vscode.ThemeColor('problemsWarningIcon.foreground') : undefined,
    );
    item.contextValue = expired ? ContextValue.expiredToken : ContextValue.token;
    item.tooltip = markdownTable([
      ['Scope', scope],
      ['Flow', result.flow],
      ...(subject ? [['User', subject] as [string, string]] : []),
      ['Expires', result.expiresOn.toLocaleString()],
      ['Audience', String(result.token.claims.aud ?? '')],
      ['Roles', Array.isArray(result.token.claims.roles) ? result.token.claims.roles.join(', ') : '(none)'],
    ]);
    item.command = commandLink(CommandId.copyAccessToken, 'Copy Access Token', {
      agentId,
      scope,
      ...(subject ? { subject } : {}),
    });
    return item;
  }
}

/** An agent user (the agent's own user account) under its agent identity. */
export class AgentUserNode implements AgentUserRow {
  readonly kind = 'agentUser';
  constructor(
    readonly agent: AgentDefinition,
    readonly user: AgentUserReference,
    /** Its token is held: the row expands to show it. */
    readonly hasToken = false,
  ) {}

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(
      agentUserLabel(this.user),
      this.hasToken ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
    );
    // A new id once it holds a token: VS Code keeps an id's collapse state, and a row first seen without children
    // would stay collapsed. This way the row opens on its first token.
    item.id = `agentUser:${this.agent.clientId}:${this.user.userId ?? this.user.username}${this.hasToken ? ':token' : ''}`;
    item.description = 'agent user';
    item.iconPath = new vscode.ThemeIcon('account');
    item.contextValue = ContextValue.agentUser;
    item.tooltip = markdownTable([
      ['Agent user', agentUserLabel(this.user)],
      ...(this.user.userId ? [['Object id', this.user.userId] as [string, string]] : []),
      ...(this.user.username ? [['UPN', this.user.username] as [string, string]] : []),
      ['Agent identity', this.agent.clientId],
    ]);
    return item;
  }
}

/** The failure row's context value names its fix, so the context menu offers just that one (package.json). */
const FIX_CONTEXT = { setCredential: 'credential', editBlueprint: 'blueprint', editAgent: 'agent' } as const;

export class FailureNode implements FailureRow {
  readonly kind = 'failure';
  constructor(readonly failure: AgentFailure) {}

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.failure.message, vscode.TreeItemCollapsibleState.None);
    item.id = `failure:${this.failure.agentId}`;
    item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    // failure.credential, failure.blueprint, failure.agent: the context menu offers the fix that applies.
    const fix = this.failure.actions.find((a): a is keyof typeof FIX_CONTEXT => a in FIX_CONTEXT);
    item.contextValue = fix ? `${ContextValue.failure}.${FIX_CONTEXT[fix]}` : ContextValue.failure;
    item.tooltip = new vscode.MarkdownString()
      .appendText(this.failure.message)
      .appendMarkdown('\n\nClick for the details and the fix.');
    item.command = commandLink(CommandId.showErrorDetails, 'Show Error Details', this);
    return item;
  }
}

/** A blueprint with no agent identity yet: its next step, a row that stays (a notification's button hides). */
export class NextStepNode {
  readonly kind = 'nextStep';
  constructor(readonly blueprintId: string) {}

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('New Agent Identity…', vscode.TreeItemCollapsibleState.None);
    item.id = `next:${this.blueprintId}`;
    item.description = 'no agent identity yet';
    item.iconPath = new vscode.ThemeIcon('add');
    item.command = commandLink(CommandId.createAgentIdentity, 'New Agent Identity…', { blueprintId: this.blueprintId });
    return item;
  }
}

export type TreeNode = BlueprintNode | AgentNode | AgentUserNode | TokenNode | FailureNode | NextStepNode;

/** Tooltips show ids in full. Values are escaped: they may come from tokens. */
export function markdownTable(rows: [string, string][]): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  for (const [k, v] of rows) {
    md.appendMarkdown(`**${k}:** `);
    md.appendText(v);
    md.appendMarkdown('  \n');
  }
  return md;
}
