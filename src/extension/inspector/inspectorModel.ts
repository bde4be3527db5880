import type { AgentFlow, AgentTokenResult, LegResult } from '../../core/engine/agentTokens';
import type { ApiResponse, ResourceMetadata } from '../../core/api/apiCaller';
import type { Diagnosis } from '../../core/api/apiDiagnosis';
import { displayBody } from '../../core/api/apiRequest';
import { graphHostOfAudience } from '../../core/config/clouds';
import { explainClaims, tokenKind } from '../../core/tokens/claims';
import { isBearerTokenText, posixQuote } from '../../core/safety/shellQuote';
import type { DecodedToken } from '../../core/tokens/jwt';
import { resourceOfScope } from '../../core/config/config';
import type { AgentPermissions } from '../tokens/tokenStore';
import { compareClaims, tokenWarnings } from '../../core/tokens/tokenInsights';
import { EntraError } from '../../core/errors/entraError';
import { legWords, reportOf } from '../../core/errors/errorReport';
import { simulatedNote } from '../errorActions';
import type {
  CallView,
  ClaimRow,
  CopyWhat,
  FailureView,
  InspectorView,
  LegView,
  ProgressView,
  TokenColumn,
} from '../../webview/protocol';

export const DEFAULT_CURL_URL = 'https://graph.microsoft.com/v1.0/applications?$top=1';

/**
 * The curl box's first URL, from the token's audience: a Graph call for a Graph token (in its cloud), the API's own
 * identifier otherwise (the user completes the path). Only a suggestion: the host still decides whether to copy.
 */
export function curlUrlFor(aud: unknown): string {
  const graph = graphHostOfAudience(aud);
  if (graph) return `${graph}/v1.0/applications?$top=1`;
  return typeof aud === 'string' && aud ? aud : DEFAULT_CURL_URL;
}

/**
 * The request editor's first URL: the sandbox's sample API for its scopes (an answer either way, one click away),
 * otherwise the curl suggestion for the token's audience.
 */
export function defaultCallUrl(
  scope: string,
  claims: Readonly<Record<string, unknown>>,
  sandboxOrigin: string | undefined,
): string {
  const fromSandbox = !!sandboxOrigin && String(claims.iss ?? '').startsWith(`${sandboxOrigin}/`);
  if (fromSandbox) {
    const api = /^api:\/\/sandbox-([a-z0-9-]{1,40})\/\.default$/.exec(scope)?.[1];
    if (api) return `${sandboxOrigin}/apis/${api}/forecast`;
    // The sandbox's tokens for Graph go to its Graph subset (they are fakes to graph.microsoft.com).
    if (graphHostOfAudience(claims.aud)) return `${sandboxOrigin}/graph/v1.0/users?$top=5`;
  }
  return curlUrlFor(claims.aud);
}

/** Any claim value as display text. Strings stay as they are (rendered as text); the rest as JSON. */
function text(value: unknown): string | null {
  if (value === undefined) return null;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function column(heading: string, token: DecodedToken, now: number): TokenColumn {
  return {
    heading,
    header: text(token.header) ?? '',
    ...(typeof token.claims.exp === 'number' && Number.isFinite(token.claims.exp) ? { exp: token.claims.exp } : {}),
    warnings: tokenWarnings(token, now).map((w) => w.message),
    signature: { status: 'pending' },
  };
}

const localDate = (d: Date) => d.toLocaleString();

function meaningsAndDetails(token: DecodedToken, now: number) {
  return new Map(explainClaims(token.claims, now, localDate).map((e) => [e.name, e]));
}

const LEG_ACTORS: Record<string, string> = {
  blueprint: 'Blueprint',
  agent: 'Agent identity',
  'single-instance': 'Single-instance agent (the client id it shares with its blueprint)',
  'local-agent': 'Local agent, redeeming the code with its PKCE verifier (no credential)',
  'agent-user': 'Agent identity, for its agent user',
};
/**
 * A tab's name: the agent and the resource, so two tokens of one agent (Graph's and an API's) are told apart at a
 * glance: "Support Agent · Microsoft Graph", "Support Agent · sandbox-weather".
 */
export function exchangeTitle(agentName: string, scope: string): string {
  const resource = scope
    .trim()
    .split(/\s+/)[0]!
    .replace(/\/[^/]*$/, '');
  const graph = graphHostOfAudience(resource) !== undefined || /^https:\/\/graph\./i.test(resource);
  const name = graph
    ? 'Microsoft Graph'
    : resource
        .replace(/^api:\/\//i, '')
        .replace(/^https:\/\//i, '')
        .replace(/\/+$/, '') || scope;
  return `${agentName} · ${name.slice(0, 60)}`;
}

/** The final token's card title follows the token's kind. */
const FINAL_HEADINGS: Record<string, string> = {
  autonomous: 'Final token (agent identity)',
  'agent-user': 'Final token (agent user)',
  obo: 'Final token (on behalf of the user)',
  app: "App token (the blueprint's own)",
  'single-instance': 'Token (single-instance agent, one request)',
  'local-agent': "The user's token (signed in to the local agent)",
};
const FLOW_NAMES: Record<string, string> = {
  autonomous: 'Autonomous',
  obo: 'On behalf of a user',
  'agent-user': 'Agent user',
  app: "The blueprint's own app token",
  'single-instance': 'Single-instance agent',
  'local-agent': 'Signed in to a local agent',
};

/** The inspector's view of an exchange: T1 and the final token side by side, and the legs. */
export function exchangeView(
  agentName: string,
  scope: string,
  result: AgentTokenResult,
  now = Date.now(),
  subject?: string,
  /** What Explain Agent Permissions… read for this agent, shown when it is about this token's resource. */
  permissions?: AgentPermissions,
): InspectorView {
  if (result.flow === 'single-instance' || result.flow === 'local-agent')
    return singleInstanceView(agentName, scope, result, now, subject);
  const t1 = meaningsAndDetails(result.t1, now);
  const final = meaningsAndDetails(result.token, now);
  const rows: ClaimRow[] = compareClaims(result.t1, result.token).map((c) => ({
    name: c.name,
    values: [text(c.left), text(c.right)],
    meaning: final.get(c.name)?.meaning ?? t1.get(c.name)?.meaning,
    details: [t1.get(c.name)?.detail ?? null, final.get(c.name)?.detail ?? null],
    differs: c.differs,
  }));
  const legs: LegView[] = result.legs.map(legView);
  return {
    title: exchangeTitle(agentName, scope),
    subtitle: `${FLOW_NAMES[result.flow]}${subject ? ` as ${subject}` : ''} · ${scope}${result.fromCache ? ' · from the cache' : ''}`,
    ...permissionsNote(scope, permissions),
    columns: [
      column('T1 (blueprint → exchange)', result.t1, now),
      column(FINAL_HEADINGS[result.flow] ?? 'Final token', result.token, now),
    ],
    rows,
    legs,
    primary: 1,
    defaultCurlUrl: curlUrlFor(result.token.claims.aud),
  };
}

/**
 * A single-instance agent's token: one column, and why there is no T1 (agent-id-2026 §1): the agent shares its
 * blueprint's client id, so Entra issues its token in one request; the claims say which object id is the agent.
 */
function singleInstanceView(
  agentName: string,
  scope: string,
  result: AgentTokenResult,
  now: number,
  subject?: string,
): InspectorView {
  const claims = result.token.claims;
  const clientId = String(claims.azp ?? claims.appid ?? '');
  const rows: ClaimRow[] = explainClaims(claims, now, localDate).map((e) => ({
    name: e.name,
    values: [text(e.value)],
    meaning:
      result.flow === 'local-agent'
        ? e.meaning
        : e.name === 'oid' || e.name === 'sub'
          ? "The single-instance agent identity's own object id: not the blueprint's, though both share one client id."
          : e.name === 'azp' || e.name === 'appid'
            ? 'The client id the single-instance agent shares with its blueprint (the blueprint holds the credential).'
            : e.meaning,
    details: [e.detail ?? null],
    differs: false,
  }));
  return {
    title: exchangeTitle(agentName, scope),
    subtitle: `${FLOW_NAMES[result.flow]}${subject ? ` as ${subject}` : ''} · ${scope}${result.fromCache ? ' · from the cache' : ''}`,
    note:
      result.flow === 'local-agent'
        ? `A user signed in to the local agent ${clientId}: the authorization code flow with PKCE (S256), redeemed with no client credential. oid (${String(claims.oid ?? '')}) is the user; scp holds what the user consented to.`
        : `No T1: a single-instance agent shares its client id (${clientId}) with its blueprint, so one client-credentials request with the blueprint's credential, and no fmi_path, gets its token. Permissions are the agent identity's; oid (${String(claims.oid ?? '')}) is the agent identity.`,
    columns: [column(FINAL_HEADINGS[result.flow]!, result.token, now)],
    rows,
    legs: result.legs.map(legView),
    primary: 0,
    defaultCurlUrl: curlUrlFor(claims.aud),
  };
}

/**
 * The agent's effective permissions on the token's resource, whence each (its own grant, or inherited from its
 * blueprint's), as Explain Agent Permissions… read them: a token's roles and scp then read against them.
 */
function permissionsNote(scope: string, p: AgentPermissions | undefined): { note?: string } {
  if (!p || resourceOfScope(p.resource.replace(/\/+$/, '') + '/x') !== resourceOfScope(scope)) return {};
  const list = p.permissions.map(
    (x) =>
      `${x.value} (${x.kind === 'role' ? 'app role' : 'delegated'}, ${x.from === 'own' ? 'its own grant' : `inherited from ${p.blueprintName}'s grant`})`,
  );
  return {
    note: `Its permissions on ${p.resource}, as Graph said (Explain Agent Permissions…): ${list.length ? list.join('; ') : 'none, its own or inherited'}.`,
  };
}

/** One leg of an exchange as the timeline shows it: who asked where, the answer, the (redacted) parameters. */
export function legView(l: LegResult): LegView {
  return {
    name: l.name,
    from: LEG_ACTORS[l.name] ?? l.name,
    host: safeHost(l.url),
    status: l.status,
    durationMs: l.durationMs,
    cached: l.cached,
    parameters: Object.entries(l.parameters),
  };
}

/** The button of a 401/403 whose fix is a grant. */
export function grantLabel(value: string): string {
  return `Grant ${value}…`;
}

/** An exchange Entra refused: the leg it refused, as sent, and the explained block with its buttons. */
export interface FailedExchange {
  readonly leg?: LegView;
  readonly failure: FailureView;
}

/**
 * What the inspector shows of a failure: for Entra's refusals the leg as sent (its status, code, parameters) and one
 * cause / evidence / fix block, the same words as the notification's details and the CLI; otherwise its message.
 */
export function failedExchange(
  e: unknown,
  simulation: string | undefined,
  actions: readonly { readonly label: string }[],
  /** The fix where the face knows a better one than the catalogue's (the sandbox's own secret). */
  fix?: string,
): FailedExchange {
  const buttons = actions.map((a, action) => ({ label: a.label, action }));
  const simulated = simulation ? simulatedNote(simulation) : undefined;
  if (!(e instanceof EntraError)) {
    const report = reportOf(e);
    return { failure: { cause: report.summary, ...(simulated ? { simulated } : {}), actions: buttons } };
  }
  const code = e.code !== undefined ? `AADSTS${e.code}` : `HTTP ${e.httpStatus}`;
  const refused = `${code}${e.error ? ` ${e.error}` : ''}`;
  const where = e.where;
  const said = e.description?.split(/ Trace ID:/)[0]?.trim();
  return {
    ...(where
      ? {
          leg: {
            name: where.leg,
            from: LEG_ACTORS[where.leg] ?? where.leg,
            host: safeHost(where.endpoint),
            status: e.httpStatus,
            durationMs: where.durationMs ?? 0,
            cached: false,
            parameters: Object.entries(where.parameters ?? {}),
            refused,
          },
        }
      : {}),
    failure: {
      cause: e.explanation,
      evidence: `${where ? `${legWords(where.leg)}: ` : ''}Entra answered HTTP ${e.httpStatus}${e.error ? ` ${e.error}` : ''}${e.code !== undefined ? `, AADSTS${e.code}` : ''}.`,
      fix: fix ?? e.fix,
      ...(said ? { said } : {}),
      ...(simulated ? { simulated } : {}),
      actions: buttons,
    },
  };
}

/** How many legs each flow has: the timeline shows the ones still to come as waiting. */
export const FLOW_LEGS: Readonly<Record<AgentFlow, number>> = {
  autonomous: 2,
  obo: 2,
  'agent-user': 3,
  app: 1,
  'single-instance': 1,
  'local-agent': 1,
};

/** The inspector while an exchange runs (or after it failed): opened at the click, filled in leg by leg. */
export function progressView(
  agentName: string,
  scope: string,
  flow: AgentFlow,
  legs: readonly LegResult[],
  state: ProgressView['state'] = 'running',
  message?: string,
  call?: { method: string; url: string },
  subject?: string,
  failed?: FailedExchange,
): ProgressView {
  const doing =
    state === 'running' ? 'Getting the token…' : state === 'cancelled' ? 'Cancelled.' : 'The exchange failed.';
  return {
    title: exchangeTitle(agentName, scope),
    subtitle: `${FLOW_NAMES[flow]}${subject ? ` as ${subject}` : ''} · ${scope} · ${doing}`,
    legs: [...legs.map(legView), ...(failed?.leg ? [failed.leg] : [])],
    totalLegs: FLOW_LEGS[flow],
    state,
    ...(message ? { message } : {}),
    ...(failed ? { failure: failed.failure } : {}),
    ...(call ? { call } : {}),
  };
}

/** What the call view is made from: the request, then the answer (or why there is none), its diagnosis, metadata. */
export interface CallOutcome {
  readonly method: string;
  readonly url: string;
  readonly agentName: string;
  readonly scope: string;
  readonly flow: AgentFlow;
  readonly response?: ApiResponse;
  readonly diagnosis?: Diagnosis;
  readonly metadata?: ResourceMetadata;
  readonly error?: string;
}

/**
 * The call as the inspector shows it: status, time, headers, body (JSON pretty-printed, the rest as text), and for a
 * status of 400 or more the causes; from the API's RFC 9728 document, the scope to retry with when it names another.
 */
export function callView(outcome: CallOutcome, grantAction?: number): CallView {
  const { method, url, agentName, scope, response } = outcome;
  const base = { method, url, agentName, scope };
  if (!response) return outcome.error ? { ...base, error: outcome.error } : { ...base, pending: true };
  const body = displayBody(response.body, response.headers['content-type']);
  const metadata = outcome.metadata;
  const retryScope = metadata ? retryScopeOf(metadata.scopes, scope, outcome.flow) : undefined;
  return {
    ...base,
    status: response.status,
    statusText: response.statusText,
    durationMs: response.durationMs,
    headers: Object.entries(response.headers),
    body: body.text,
    bodyKind: body.kind,
    truncated: response.truncated,
    ...(outcome.diagnosis && response.status >= 400
      ? {
          explanation: {
            summary: outcome.diagnosis.summary,
            // The first cause whose fix is a grant gets it as a button (Grant Weather.Read…), when the host offers it.
            causes: outcome.diagnosis.causes.map(({ cause, evidence, fix, grant }, i, all) => ({
              cause,
              evidence,
              fix,
              ...(grant && grantAction !== undefined && all.findIndex((c) => c.grant) === i
                ? { action: { label: grantLabel(grant.value), action: grantAction } }
                : {}),
            })),
          },
        }
      : {}),
    ...(metadata
      ? {
          metadata: {
            ...(metadata.resource ? { resource: metadata.resource } : {}),
            scopes: metadata.scopes,
            ...(retryScope ? { retryScope } : {}),
          },
        }
      : {}),
  };
}

/** An app-only flow asks for `<resource>/.default`; a user flow for a delegated scope. Only one the token lacked. */
function retryScopeOf(scopes: readonly string[], used: string, flow: AgentFlow): string | undefined {
  const appOnly = flow === 'autonomous' || flow === 'app' || flow === 'single-instance';
  const fitting = scopes.find((s) => s.endsWith('/.default') === appOnly);
  return fitting && fitting !== used ? fitting : undefined;
}

/** The inspector's view of one token from anywhere (selection, clipboard, input). */
export function singleTokenView(token: DecodedToken, source: string, now = Date.now()): InspectorView {
  const rows: ClaimRow[] = explainClaims(token.claims, now, localDate).map((e) => ({
    name: e.name,
    values: [text(e.value)],
    meaning: e.meaning,
    details: [e.detail ?? null],
    differs: false,
  }));
  return {
    title: 'Token',
    subtitle: `from ${source} · decoded here; the only request made is for its issuer's public signing keys`,
    columns: [column(tokenKind(token.claims), token, now)],
    rows,
    legs: [],
    primary: 0,
    defaultCurlUrl: curlUrlFor(token.claims.aud),
  };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export type CopyResult = { readonly text: string } | { readonly refused: string };

/**
 * The copy variants. The token is copied as it is only on its own; in a header line or a curl command it must have a
 * bearer token's characters, and every value in the curl line is quoted for a POSIX shell (bash, zsh, sh).
 */
export function copyText(what: CopyWhat, raw: string, url: string | undefined): CopyResult {
  if (what === 'token') return { text: raw };
  if (!isBearerTokenText(raw)) {
    return {
      refused:
        'This token holds characters no bearer token has (spaces, quotes, line breaks or shell characters), so it is not put into a header or a command. Copy the token itself and check where it came from.',
    };
  }
  if (what === 'bearer') return { text: `Authorization: Bearer ${raw}` };
  let parsed: URL;
  try {
    parsed = new URL(url ?? '');
  } catch {
    return {
      refused: 'The URL for curl is not a URL. Give an https URL, such as https://graph.microsoft.com/v1.0/me.',
    };
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    return { refused: 'The URL for curl must be an http or https URL.' };
  // parsed.href is percent-encoded (no spaces or control characters); the quoting makes the rest literal.
  return { text: `curl -H ${posixQuote(`Authorization: Bearer ${raw}`)} ${posixQuote(parsed.href)}` };
}
