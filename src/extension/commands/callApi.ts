import * as vscode from 'vscode';
import type { ApiCallOutcome } from '../../core/api/apiCall';
import type { HostContext } from '../../core/api/apiHosts';
import { methodOf, parseHeaderLines } from '../../core/api/apiRequest';
import { resourceOfScope, validateDefaultScope } from '../../core/config/config';
import { ConfigError, isCancelled, NetworkError } from '../../core/errors/errors';
import type { CallView, RequestDraft } from '../../webview/protocol';
import type { AgentDefinition, AgentTarget } from '../definitions/definitions';
import { PromptDismissed } from '../errorBoundary';
import type { InspectorPanel, PanelAction } from '../inspector/inspectorPanel';
import { callView, grantLabel } from '../inspector/inspectorModel';
import { agentItems, ask, pick, plainArgs } from '../prompts';
import { addApiHost, readSettings } from '../settings';
import { AgentNode, TokenNode } from '../tree/nodes';
import type { CommandContext } from './context';
import { acquireWithProgress } from '../tokens/exchange';
import type { HeldToken } from '../tokens/tokenStore';
import { CommandId, ContextKey } from './ids';
import { runCommand } from './run';
import { setContext, withCancellableProgress } from '../workbench';
import type { CallApiArgs, CallApiSummary } from './contracts';

interface CallPlan {
  readonly agent: AgentDefinition;
  readonly method: string;
  readonly url: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly headerText: string;
  readonly body?: string;
  readonly scope?: string;
  /** A local agent's signed-in user's token, held in the tree: the call uses it, no token is asked for. */
  readonly userToken?: HeldToken;
}

type HostConsent = 'ask' | 'given' | 'refuse';

/** Hosts the user confirmed for a scope in this window (asked once each; forgotten when VS Code closes). */
const confirmedHosts = new Map<string, Set<string>>();

/** The token of the user signed in to this local agent for the URL's (or the given scope's) resource. */
function signedInUserToken(ctx: CommandContext, agent: AgentDefinition, url: string, scope?: string): HeldToken {
  const held = ctx.tokens
    .tokensOf(agent.clientId)
    .filter((t) => t.result.flow === 'local-agent' && t.result.expiresOn.getTime() > Date.now());
  const wanted = scope ? resourceOfScope(scope) : undefined;
  const found = held.find((t) => !wanted || resourceOfScope(t.scope) === wanted) ?? (wanted ? undefined : held[0]);
  if (!found)
    throw new ConfigError(
      'Signed-in user',
      `no one is signed in to "${agent.displayName}"${wanted ? ` for ${wanted}` : ''} (or the token expired).`,
      `Run Sign In to Local Agent… first, then call ${new URL(url).host} again.`,
    );
  return found;
}

/** Call API…: from the palette, an agent or a token in the tree, or a script. */
export async function callApi(ctx: CommandContext, arg?: unknown): Promise<CallApiSummary> {
  const args = plainArgs<CallApiArgs>(arg);
  if (args) return scripted(ctx, args);
  const agent =
    arg instanceof AgentNode
      ? arg.agent
      : arg instanceof TokenNode
        ? ctx.definitions.agent(arg.token.agentId)
        : (
            await pick(agentItems(ctx.definitions), {
              title: 'Call API',
              placeHolder: 'Call as which agent identity?',
              matchOnDetail: true,
            })
          ).agent;
  if (!agent) throw new ConfigError('Agent identity', 'is no longer in the list.', 'Choose another one.');
  // From a signed-in user's token (a local agent's): that token calls, for its resource.
  const userToken = arg instanceof TokenNode && arg.token.result.flow === 'local-agent' ? arg.token : undefined;
  const scopeHint =
    arg instanceof TokenNode
      ? userToken
        ? `${resourceOfScope(userToken.scope)}/.default`
        : arg.token.scope
      : undefined;
  const last = ctx.calls.of(agent.clientId)[0];
  const url = (
    await ask({
      title: `Call API as ${agent.displayName}`,
      prompt: 'The URL to call with GET (the inspector then lets you change the method, headers and body)',
      value: last?.url ?? suggestedUrl(ctx, agent, scopeHint),
      validate: (v) => {
        try {
          const u = new URL(v.trim());
          if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error();
        } catch {
          throw new ConfigError(
            'URL',
            'is not an http(s) URL.',
            'Give one such as https://graph.microsoft.com/v1.0/me.',
          );
        }
      },
    })
  ).trim();
  return perform(
    ctx,
    {
      agent,
      method: 'GET',
      url,
      headers: [],
      headerText: '',
      ...(scopeHint ? { scope: scopeHint } : {}),
      ...(userToken ? { userToken } : {}),
    },
    { hosts: 'ask', consent: 'ask', openInspector: true },
  );
}

/** A Send in an inspector's request editor: the call, shown in that same tab. */
export async function callFromEditor(
  ctx: CommandContext,
  draft: RequestDraft,
  panel: InspectorPanel,
): Promise<{ ok: boolean; message: string }> {
  const agent = ctx.definitions.agent(draft.agentId);
  if (!agent) return { ok: false, message: 'That agent identity is no longer in the list.' };
  const method = methodOf(draft.method);
  if (!method) return { ok: false, message: `"${draft.method.slice(0, 20)}" is not an HTTP method.` };
  const parsed = parseHeaderLines(draft.headers);
  if ('problem' in parsed) return { ok: false, message: parsed.problem };
  try {
    const summary = await perform(
      ctx,
      {
        agent,
        method,
        url: draft.url.trim(),
        headers: parsed.headers,
        headerText: draft.headers,
        ...(draft.body ? { body: draft.body } : {}),
        ...(draft.scope ? { scope: draft.scope } : {}),
      },
      { hosts: 'ask', consent: 'ask', openInspector: true, panel },
    );
    return { ok: true, message: `HTTP ${summary.status} ${summary.statusText} in ${summary.durationMs} ms.` };
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false, message: e.message };
    if (e instanceof PromptDismissed) return { ok: false, message: 'Not sent.' };
    throw e;
  }
}

async function scripted(ctx: CommandContext, args: Partial<CallApiArgs>): Promise<CallApiSummary> {
  const agent = ctx.definitions.agent(args.agentId ?? '');
  if (!agent)
    throw new ConfigError(
      'Agent identity',
      `${String(args.agentId)} is not in the list.`,
      'Add it first, or start the sandbox tenant.',
    );
  if (typeof args.url !== 'string') throw new ConfigError('URL', 'is missing.', 'Pass { agentId, url }.');
  const method = methodOf(args.method ?? (args.body !== undefined ? 'POST' : 'GET'));
  if (!method)
    throw new ConfigError('Method', `"${String(args.method).slice(0, 20)}" is not an HTTP method.`, 'Use GET, POST, …');
  const headerText =
    typeof args.headers === 'string'
      ? args.headers
      : Object.entries(args.headers ?? {})
          .map(([k, v]) => `${k}: ${String(v)}`)
          .join('\n');
  const parsed = parseHeaderLines(headerText);
  if ('problem' in parsed) throw new ConfigError('Headers', parsed.problem, 'Pass { "Name": "value" }.');
  return perform(
    ctx,
    {
      agent,
      method,
      url: args.url.trim(),
      headers: parsed.headers,
      headerText,
      ...(typeof args.body === 'string' ? { body: args.body } : {}),
      ...(args.scope ? { scope: args.scope } : {}),
      ...(args.asSignedInUser ? { userToken: signedInUserToken(ctx, agent, args.url.trim(), args.scope) } : {}),
    },
    {
      hosts: args.confirmHost === true ? 'given' : 'refuse',
      consent: args.confirmImportedCredential === true ? 'given' : 'refuse',
      openInspector: args.openInspector !== false,
      modelChoseScope: args.scopeFromModel === true && typeof args.scope === 'string',
    },
  );
}

/**
 * The call: the scope, the host rule (before any token exists), the exchange shown as it happens, the request, and
 * the answer with its explanation, in the inspector and in the agent's recent calls.
 */
async function perform(
  ctx: CommandContext,
  plan: CallPlan,
  options: {
    hosts: HostConsent;
    consent: 'ask' | 'given' | 'refuse';
    openInspector: boolean;
    panel?: InspectorPanel;
    modelChoseScope?: boolean;
  },
): Promise<CallApiSummary> {
  const { agent, method, url } = plan;
  // Resolved once: the agent with its blueprint, passed down to the wire.
  const target = ctx.definitions.target(agent);
  const context = { ...hostContext(ctx, target), ...(options.modelChoseScope ? { modelChoseScope: true } : {}) };
  const scope = validateDefaultScope(await scopeFor(plan, context, options.hosts === 'ask'), 'Scope');
  await checkHost(url, scope, context, options.hosts);

  const draft: RequestDraft = {
    agentId: agent.clientId,
    method,
    url,
    headers: plan.headerText,
    body: plan.body ?? '',
  };
  if (plan.userToken && resourceOfScope(plan.userToken.scope) !== resourceOfScope(scope))
    throw new ConfigError(
      'Signed-in user',
      `holds a token for ${resourceOfScope(plan.userToken.scope)}, not for ${resourceOfScope(scope)}.`,
      'Sign In to Local Agent… again with a scope of this API.',
    );
  const flow = plan.userToken ? ('local-agent' as const) : ('autonomous' as const);
  const display = options.openInspector
    ? ctx.inspector.beginExchange({
        agentId: agent.clientId,
        scope,
        flow,
        call: { method, url },
        draft,
        ...(options.panel ? { panel: options.panel } : {}),
      })
    : undefined;
  const held =
    plan.userToken ??
    (await acquireWithProgress(
      ctx,
      target,
      { flow: 'autonomous' },
      scope,
      { forceRefresh: false, consent: options.consent },
      display,
    ));
  if (held.result.expiresOn.getTime() <= Date.now())
    throw new ConfigError('Signed-in token', 'has expired.', 'Sign In to Local Agent… again.');
  const base = { method, url, agentName: agent.displayName, scope, flow };
  display?.done(held.result, { call: callView(base), draft });

  const { callWithToken } = await import('../../core/api/apiCall');
  const { toolExplanation } = await import('../../core/tools/agentTools');
  let answer: ApiCallOutcome;
  try {
    // The one door: the capped caller; for ≥ 400 why, and the API's RFC 9728 document from its own origin only; the
    // token scrubbed from all of it (an API that echoes the request would hand it back) before the webview, the log
    // or a script's result sees any.
    answer = await withCancellableProgress(`${method} ${new URL(url).host} as ${agent.displayName}…`, (signal) =>
      callWithToken(
        {
          url,
          method,
          headers: plan.headers,
          ...(plan.body !== undefined ? { body: plan.body } : {}),
          timeoutMs: readSettings().requestTimeoutMs,
          signal,
        },
        { accessToken: held.result.accessToken, claims: held.result.token.claims },
      ),
    );
  } catch (e) {
    const error = isCancelled(e)
      ? 'Cancelled before the API answered.'
      : e instanceof NetworkError
        ? e.message
        : undefined;
    if (error) display?.panel.showCall(callView({ ...base, error }));
    throw e;
  }
  const { response, diagnosis, metadata } = answer;
  const outcome = { ...base, response, ...(diagnosis ? { diagnosis } : {}), ...(metadata ? { metadata } : {}) };
  const view: CallView = callView(outcome);
  // A missing role or scope is granted from here in one click (Grant Permissions…, prefilled), where the user may.
  const grant = response.status >= 400 ? diagnosis?.causes.find((c) => c.grant)?.grant : undefined;
  const grantAction: PanelAction[] = grant
    ? [
        {
          label: grantLabel(grant.value),
          run: () =>
            runCommand(CommandId.grantPermissions, {
              agentId: agent.clientId,
              resource: resourceOfScope(scope),
              ...(grant.kind === 'appRole' ? { appRoles: [grant.value] } : { scopes: [grant.value] }),
            }),
        },
      ]
    : [];
  display?.panel.showCall(grant ? callView(outcome, 0) : view, grantAction);
  ctx.calls.record(agent.clientId, { at: new Date(), method, url, headers: plan.headerText, scope, view });
  void setContext(ContextKey.hasCalledApi, true);
  ctx.log.info(
    `Call API: ${method} ${new URL(url).origin}${new URL(url).pathname} as ${agent.displayName} (${scope}): HTTP ${response.status} in ${response.durationMs} ms.`,
  );
  return {
    agentId: agent.clientId,
    scope,
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
    body: response.body,
    truncated: response.truncated,
    durationMs: response.durationMs,
    ...(diagnosis ? { explanation: toolExplanation(diagnosis) } : {}),
    ...(metadata
      ? { resourceMetadata: { ...(metadata.resource ? { resource: metadata.resource } : {}), scopes: metadata.scopes } }
      : {}),
    ...(view.metadata?.retryScope ? { retryScope: view.metadata.retryScope } : {}),
  };
}

/**
 * Whether a call would send the agent's token to a host of the resource itself (Graph's own host, the sandbox's for
 * its APIs, an https resource URI's host the user typed): what agent mode's reading tool may do without asking each
 * time. A host the user listed, or one that would be refused or confirmed, is not.
 */
export async function callsOwnHost(
  ctx: CommandContext,
  input: { agent: AgentDefinition; url: string; scope?: string; scopeFromModel?: boolean },
): Promise<boolean> {
  const { scopeForUrl, tokenDestination } = await import('../../core/api/apiHosts');
  const { sandboxOrigin } = hostContext(ctx, ctx.definitions.target(input.agent));
  const context: HostContext = {
    ...(sandboxOrigin ? { sandboxOrigin } : {}),
    ...(input.scopeFromModel && input.scope ? { modelChoseScope: true } : {}),
  };
  const scope = input.scope ?? scopeForUrl(input.url, context) ?? input.agent.defaultScope;
  return tokenDestination(input.url, scope, context).send;
}

/** The sandbox's APIs take only the sandbox's tokens: its origin counts only for an agent whose blueprint is on it. */
function hostContext(ctx: CommandContext, { blueprint }: AgentTarget): HostContext {
  const origin = ctx.sandbox.status?.authority;
  const userHosts: Record<string, string[]> = {};
  for (const [scope, hosts] of Object.entries(readSettings().apiHosts)) userHosts[scope] = [...hosts];
  for (const [scope, hosts] of confirmedHosts) userHosts[scope] = [...(userHosts[scope] ?? []), ...hosts];
  return {
    ...(origin && blueprint.authority === origin ? { sandboxOrigin: origin } : {}),
    userHosts,
  };
}

/**
 * The scope: as given, else inferred from the URL where that is safe (Graph, the sandbox's APIs), else the agent's
 * default scope if the URL's host is that resource's; otherwise the user is asked (a script is told to give one).
 */
async function scopeFor(plan: CallPlan, context: HostContext, interactive: boolean): Promise<string> {
  if (plan.scope) return plan.scope;
  const { scopeForUrl, tokenDestination, urlInMessage } = await import('../../core/api/apiHosts');
  const inferred = scopeForUrl(plan.url, context);
  if (inferred) return inferred;
  if (tokenDestination(plan.url, plan.agent.defaultScope, context).send) return plan.agent.defaultScope;
  if (!interactive)
    throw new ConfigError(
      'Scope',
      `cannot be inferred for ${urlInMessage(plan.url)}.`,
      'Pass the scope of the API, such as api://contoso-jobs/.default.',
    );
  return ask({
    title: `Call ${urlInMessage(plan.url)}`,
    prompt: "The scope of the API's token (its app ID URI or URL, then /.default)",
    placeHolder: 'api://contoso-jobs/.default',
    validate: (v) => validateDefaultScope(v, 'Scope'),
  });
}

/** The host rule: https (http only on loopback), and a host of the scope's resource unless the user confirms it. */
async function checkHost(url: string, scope: string, context: HostContext, consent: HostConsent): Promise<void> {
  const { tokenDestination } = await import('../../core/api/apiHosts');
  const verdict = tokenDestination(url, scope, context);
  if (verdict.send) return;
  if (!verdict.confirm || consent === 'refuse') throw new ConfigError('URL', verdict.reason, verdict.fix);
  if (consent === 'given') return;
  const host = new URL(url).host.toLowerCase();
  const once = 'Send to This Host';
  const always = 'Always for This Scope';
  const answer = await vscode.window.showWarningMessage(
    `Send the agent's token for ${scope} to ${host}?`,
    {
      modal: true,
      detail: `${verdict.reason} A token sent there lets ${host} act as the agent until it expires. "${once}" asks no more until VS Code closes; "${always}" lists ${host} for ${scope} in your user settings (entraAgentTokens.apiHosts).`,
    },
    once,
    always,
  );
  if (!answer) throw new PromptDismissed();
  if (answer === always) await addApiHost(scope, host);
  else confirmedHosts.set(scope, new Set([...(confirmedHosts.get(scope) ?? []), host]));
}

/** The first URL offered: the sandbox's sample API for a sandbox agent, Graph's applications otherwise. */
function suggestedUrl(ctx: CommandContext, agent: AgentDefinition, scope: string | undefined): string {
  const origin = ctx.sandbox.status?.authority;
  const blueprint = ctx.definitions.blueprint(agent.blueprintId);
  const api = /^api:\/\/sandbox-([a-z0-9-]{1,40})\/\.default$/.exec(scope ?? '')?.[1];
  if (origin && blueprint?.authority === origin)
    return scope?.startsWith('https://graph.microsoft.com/')
      ? `${origin}/graph/v1.0/users?$top=5`
      : `${origin}/apis/${api ?? 'weather'}/forecast`;
  const resource = (scope ?? agent.defaultScope).replace(/\/\.default$/, '');
  return resource.startsWith('https://') ? `${resource}/v1.0/applications?$top=1` : 'https://';
}
