// Why did an API answer 401 or 403 to this token? Pure (no network, no vscode): from the status, the
// WWW-Authenticate challenges (RFC 6750, RFC 9728, Entra's claims challenge), the body (Microsoft Graph's error
// shape) and the token's claims, the likely causes, each with its evidence (which claim, which value) and its fix.
// Everything read here came from the API or the token: it is quoted as data, never followed. Each cause is written
// once, as catalogue text naming the values it quotes ({scope}); people read it filled in, a model reads the
// catalogue text with the values apart, inside its untrusted-data block.
import { graphPermissionFor, knownGraphCode, parseGraphErrorBody } from '../graph/graphErrors';
import { CLOUDS, graphHostOfAudience } from '../config/clouds';

/** One challenge of a WWW-Authenticate header: its scheme and its auth-params (names lower-cased). */
export interface Challenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/** One likely cause: what is wrong, what shows it, and what fixes it. */
export interface Cause {
  /** For people: the catalogue text with the quoted values filled in. */
  readonly cause: string;
  readonly evidence: string;
  readonly fix: string;
  /** What the API or the token said that this cause quotes, by name. */
  readonly quoted: Readonly<Record<string, string>>;
  /** For a model: the catalogue text alone, naming the quoted values as {name}; nothing from outside. */
  readonly catalogue: { readonly cause: string; readonly fix: string };
  /** The fix is a grant: the app role (app-only token) or delegated scope the token lacks, by its value. */
  readonly grant?: { readonly kind: 'appRole' | 'scope'; readonly value: string };
}

export interface Diagnosis {
  /** One sentence: the status and the most likely cause. */
  readonly summary: string;
  /** The same from catalogue text alone (the first cause's names in braces): what a model may read outside a quote. */
  readonly catalogueSummary: string;
  /** Most likely first. Empty when the status is not an error. */
  readonly causes: readonly Cause[];
  /** RFC 9728: where the API describes itself (its `resource` and `scopes_supported`), to fetch on the same host. */
  readonly resourceMetadata?: string;
}

/** What the caller knows the API expects (from its own configuration, a known API such as Graph, or its metadata). */
export interface ApiExpectation {
  /** `aud` values it accepts (an app id URI, a URL, or an app id). */
  readonly audiences?: readonly string[];
  /** App roles one of which an app-only token needs. */
  readonly roles?: readonly string[];
  /** Delegated scopes one of which a user token needs. */
  readonly scopes?: readonly string[];
  /** The tenant it accepts tokens from. */
  readonly tenant?: string;
  /** The token version it is configured for (its app registration's accessTokenVersion). */
  readonly tokenVersion?: '1.0' | '2.0';
  /** The route acts for a signed-in user (Graph's /me): an app-only token cannot use it. */
  readonly userOnly?: boolean;
  /** It refuses agent identities (tokens that carry xms_par_app_azp). */
  readonly rejectsAgents?: boolean;
  /** It accepts agents only of these parent blueprints (it checks xms_par_app_azp). */
  readonly parentBlueprints?: readonly string[];
}

export interface DiagnosisInput {
  readonly status: number;
  /** Response headers, names in any case. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body?: string;
  /** The claims of the token that was sent. */
  readonly claims?: Readonly<Record<string, unknown>>;
  readonly expect?: ApiExpectation;
  readonly now?: number;
}

const MAX_HEADER = 8192;

/**
 * The challenges of a WWW-Authenticate header (RFC 7235 §4.1): `Bearer realm="x", error="invalid_token", Basic`.
 * Quoted strings may hold commas and escaped quotes; token68 values are kept under `token68`. Never throws.
 */
export function parseWwwAuthenticate(header: string): Challenge[] {
  const text = header.slice(0, MAX_HEADER);
  const challenges: { scheme: string; params: Record<string, string> }[] = [];
  let i = 0;
  const skip = (re: RegExp) => {
    while (i < text.length && re.test(text[i]!)) i++;
  };
  const token = () => {
    const start = i;
    skip(/[!#$%&'*+.^_`|~0-9A-Za-z-]/);
    return text.slice(start, i);
  };
  while (i < text.length) {
    skip(/[\s,]/);
    const name = token();
    if (!name) {
      i++;
      continue;
    }
    skip(/[ \t]/);
    if (text[i] === '=') {
      // An auth-param of the current challenge (or a token68 of a scheme with no params yet).
      i++;
      skip(/[ \t]/);
      let value: string;
      if (text[i] === '"') {
        i++;
        let out = '';
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\' && i + 1 < text.length) i++;
          out += text[i++];
        }
        i++;
        value = out;
      } else {
        const start = i;
        while (i < text.length && text[i] !== ',') i++;
        value = text.slice(start, i).trim();
      }
      const current = challenges.at(-1);
      if (current) current.params[name.toLowerCase()] = value;
    } else {
      challenges.push({ scheme: name, params: {} });
      // A token68 (`Negotiate abc==`): the whole rest of this challenge, with no '=' but its padding.
      const t68 = /^([A-Za-z0-9\-._~+/]+=*)[ \t]*(?=,|$)/.exec(text.slice(i));
      if (t68) {
        challenges.at(-1)!.params.token68 = t68[1]!;
        i += t68[0].length;
      }
    }
  }
  return challenges;
}

/** What an Entra claims challenge (base64 `claims` of `insufficient_claims`) asks for, in words. */
export { graphPermissionFor };

export function describeClaimsChallenge(claimsB64: string): { json?: unknown; asks: string[] } {
  let json: unknown;
  try {
    const normalized = claimsB64.trim().replace(/-/g, '+').replace(/_/g, '/');
    const text = /^[{]/.test(claimsB64.trim()) ? claimsB64.trim() : Buffer.from(normalized, 'base64').toString('utf8');
    json = JSON.parse(text);
  } catch {
    return { asks: ['a claims challenge that could not be read (not base64 JSON)'] };
  }
  const asks: string[] = [];
  const access = (
    json as { access_token?: Record<string, { essential?: boolean; value?: unknown; values?: unknown[] }> }
  )?.access_token;
  for (const [claim, want] of Object.entries(access ?? {})) {
    const value = want?.value ?? want?.values;
    if (claim === 'acrs')
      asks.push(`the authentication context ${String(value)} (a Conditional Access policy requires a step-up)`);
    else if (claim === 'nbf' || claim === 'xms_cc')
      asks.push('a new token issued after the revocation (Continuous Access Evaluation revoked this one)');
    else asks.push(`the claim ${claim}${value !== undefined ? ` = ${JSON.stringify(value)}` : ''}`);
  }
  return { json, asks: asks.length ? asks : ['claims the challenge does not name'] };
}

const header = (headers: DiagnosisInput['headers'], name: string): string | undefined => {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const v = key === undefined ? undefined : headers[key];
  return Array.isArray(v) ? v.join(', ') : (v as string | undefined);
};

/** A short reason from a non-Graph error body (`message`, `error_description`, `detail`, `title`, or text). */
function bodyMessage(body: string | undefined): string | undefined {
  if (!body || body.length > 64 * 1024) return undefined;
  let text: unknown = body;
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    text = [json.message, json.error_description, json.detail, json.title].find((v) => typeof v === 'string');
  } catch {
    if (/^\s*</.test(body)) return undefined; // an HTML page says nothing usable here
  }
  if (typeof text !== 'string') return undefined;
  const one = text.replace(/\s+/g, ' ').trim();
  return one ? one.slice(0, 300) : undefined;
}

const hostOf = (url: string | undefined): string | undefined => {
  try {
    return url ? new URL(url).host.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
};

const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(String) : typeof v === 'string' && v.trim() ? v.trim().split(/\s+/) : [];

/** A Microsoft Graph error body (graphErrors.ts reads it, for the diagnosis and the Graph client alike). */
export const graphError = parseGraphErrorBody;

/** A template's {name}s replaced by the quoted values, in one pass (a value's own braces are never read again). */
export function fill(template: string, quoted: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(quoted, name) ? quoted[name]! : whole));
}

/** A cause from its catalogue text (cause, evidence, fix, with {name}s) and the values it quotes. */
/** A permission's value as it may be named on a button and sent to Graph: the shape roles and scopes have. */
const PERMISSION_VALUE = /^[A-Za-z0-9][\w.:-]{0,119}$/;

function grantOf(kind: 'appRole' | 'scope', value: string | undefined): Pick<Cause, 'grant'> {
  return value && PERMISSION_VALUE.test(value) ? { grant: { kind, value } } : {};
}

function because(
  text: { readonly cause: string; readonly evidence: string; readonly fix: string },
  quoted: Readonly<Record<string, string | undefined>> = {},
  grant: Pick<Cause, 'grant'> = {},
): Cause {
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(quoted)) if (v !== undefined) values[k] = v;
  return {
    cause: fill(text.cause, values),
    evidence: fill(text.evidence, values),
    fix: fill(text.fix, values),
    quoted: values,
    catalogue: { cause: text.cause, fix: text.fix },
    ...grant,
  };
}

/**
 * The likely causes of a 401/403, most likely first. What the API said (its challenge, its error body) comes first;
 * then what the token shows against what the API expects.
 */
export function diagnose(input: DiagnosisInput & { url?: string }): Diagnosis {
  const { status } = input;
  if (status < 400) return { summary: `HTTP ${status}`, catalogueSummary: `HTTP ${status}`, causes: [] };
  const causes: Cause[] = [];
  const claims = input.claims ?? {};
  const now = input.now ?? Date.now();
  const appOnly = claims.idtyp === 'app' || (!claims.scp && list(claims.roles).length > 0);
  const bearer = parseWwwAuthenticate(header(input.headers, 'www-authenticate') ?? '').find(
    (c) => c.scheme.toLowerCase() === 'bearer',
  );
  const p = bearer?.params ?? {};
  let resourceMetadata: string | undefined;

  // What the API said.
  if (p.error === 'insufficient_claims' || p.claims) {
    const asked = p.claims ? describeClaimsChallenge(p.claims).asks : ['more claims'];
    causes.push(
      because(
        {
          cause: 'A claims challenge: the API wants a token with more (or newer) claims.',
          evidence: 'WWW-Authenticate: error="{error}", claims asking for {asks}',
          fix: 'Get a new token passing these claims (MSAL: claims in the request; this extension: Get Agent Token again). An app-only agent cannot satisfy a user step-up: the API must allow app tokens for this call.',
        },
        { error: p.error ?? '', asks: asked.join('; ') },
      ),
    );
  }
  if (p.error === 'insufficient_scope') {
    // What the token carries, set against what the API named: an app-only token's roles, a user token's scp.
    const carried = appOnly
      ? `the token is app-only, roles = ${list(claims.roles).join(', ') || '(none)'}`
      : `the token is delegated, scp = ${list(claims.scp).join(' ') || '(none)'}`;
    causes.push(
      because(
        {
          cause: p.scope
            ? `The token lacks {scope}: the API says this call needs it${appOnly ? ' (as an app role)' : ' (as a delegated scope)'}.`
            : 'The API says the token does not carry the scope or role this call needs.',
          evidence: `WWW-Authenticate: error="insufficient_scope"${p.scope ? ', scope="{scope}"' : ''}${p.error_description ? ', "{error_description}"' : ''}; {carried}`,
          fix: !p.scope
            ? 'Grant the permission the API documents for this call, then get a new token.'
            : appOnly
              ? "Grant the agent identity the app role {scope} (Grant Permissions… on the agent in VS Code, or an app role assignment on the API's service principal, by anyone allowed to grant it), then get a new token: roles are fixed when a token is issued."
              : 'Grant the agent identity the delegated scope {scope} for this user (Grant Permissions… in VS Code, or an oauth2PermissionGrant), then get a new token.',
        },
        { scope: p.scope, error_description: p.error_description, carried },
        // One value only: a scope list ("a b") names no single grant.
        grantOf(appOnly ? 'appRole' : 'scope', p.scope),
      ),
    );
  }
  if (p.error === 'invalid_token')
    causes.push(
      because(
        {
          cause: 'The API did not accept the token itself (its signature, issuer, audience or lifetime).',
          evidence: `WWW-Authenticate: error="invalid_token"${p.error_description ? ', "{error_description}"' : ''}`,
          fix: 'Compare the token with what the API expects (see the checks below), and get a token for its audience.',
        },
        { error_description: p.error_description },
      ),
    );
  // RFC 9728: where the API describes itself. Information, not a cause: what it says is set against the token by
  // explainResponse (a disagreeing audience or tenant becomes a cause there, a better scope a Retry).
  if (p.resource_metadata) resourceMetadata = p.resource_metadata;
  const graph = graphError(input.body);
  if (graph) {
    const known = knownGraphCode(graph.code);
    const need = input.url ? graphPermissionFor(input.url, appOnly) : undefined;
    const ids = [
      graph.requestId && `request-id ${graph.requestId}`,
      graph.clientRequestId && `client-request-id ${graph.clientRequestId}`,
    ]
      .filter(Boolean)
      .join(', ');
    causes.push(
      because(
        {
          cause: known?.cause ?? 'Microsoft Graph answered {code}.',
          evidence: `{code}: {message}${ids ? ' ({ids})' : ''}`,
          fix: known ? known.fix(appOnly, need ? ` ${need}` : '') : 'See the message; Graph documents each code.',
        },
        { code: graph.code, message: graph.message.slice(0, 300), ids },
      ),
    );
  }

  // A Graph token sent elsewhere: the API's "invalid signature" or "wrong audience" hides the real cause.
  const graphAudience = graphHostOfAudience(claims.aud);
  const urlHost = hostOf(input.url);
  if (graphAudience && urlHost && !graph && !Object.values(CLOUDS).some((c) => new URL(c.graph).host === urlHost))
    causes.unshift(
      because(
        {
          cause: 'A Microsoft Graph token was sent to another API: only Graph accepts it.',
          evidence: "aud = {aud}; the URL's host is {host}",
          fix: "Get the token for this API's own scope (its app ID URI or URL, then /.default). A Graph token even fails other APIs' signature checks by design: it is signed over a hashed header nonce that only Graph knows to use.",
        },
        { aud: String(claims.aud), host: urlHost },
      ),
    );

  // What the token shows against what the API expects.
  const expect = input.expect ?? {};
  const aud = typeof claims.aud === 'string' ? claims.aud : undefined;
  if (expect.audiences?.length && aud && !expect.audiences.some((a) => sameAudience(a, aud)))
    causes.push(
      because(
        {
          cause: 'The token is for another API: its audience is not this one.',
          evidence: 'aud = {aud}; the API accepts {accepted}',
          fix: 'Get the token with scope {scope}.',
        },
        { aud, accepted: expect.audiences.join(' or '), scope: scopeFor(expect.audiences[0]!) },
      ),
    );
  const exp = Number(claims.exp);
  const nbf = Number(claims.nbf);
  if (Number.isFinite(exp) && exp * 1000 <= now)
    causes.push(
      because(
        {
          cause: 'The token has expired.',
          evidence: 'exp = {exp}, {ago} min ago',
          fix: 'Get a new token (Get Agent Token, or the CLI with --force-refresh).',
        },
        { exp: isoOf(exp), ago: String(Math.round((now - exp * 1000) / 60_000)) },
      ),
    );
  if (Number.isFinite(nbf) && nbf * 1000 > now + 5 * 60_000)
    causes.push(
      because(
        {
          cause: 'The token is not valid yet.',
          evidence: 'nbf = {nbf}',
          fix: "Check this machine's clock and the API's.",
        },
        { nbf: isoOf(nbf) },
      ),
    );
  // Graph's /me acts for the signed-in user: Graph answers an app-only token there with 400 BadRequest.
  const graphMe = !!graph && !!input.url && graphPermissionFor(input.url, false) === 'User.Read';
  if ((expect.userOnly || graphMe) && appOnly) {
    const userOnly = because(
      {
        cause: 'An app-only token on a route that acts for a signed-in user.',
        evidence: 'idtyp = {idtyp}, no scp; the route needs a user (e.g. Graph /me)',
        fix: "Use the agent user's token (Get Agent Token → as its agent user), or a route that names the object (e.g. /users/{id}).",
      },
      { idtyp: String(claims.idtyp ?? 'app') },
    );
    // Graph's own words for it (400 BadRequest) are less telling: this goes first.
    if (graphMe) causes.unshift(userOnly);
    else causes.push(userOnly);
  }
  const roles = list(claims.roles);
  const scopes = list(claims.scp);
  if (appOnly && expect.roles?.length && !expect.roles.some((r) => roles.includes(r)))
    causes.push(
      because(
        {
          cause: 'The token lacks the app role the API requires ({required}).',
          evidence: 'roles = {roles}',
          fix: "Grant the agent identity the app role {role} (Grant Permissions… on the agent in VS Code, or an app role assignment on the API's service principal), then get a new token: roles are fixed when it is issued.",
        },
        {
          required: expect.roles.join(' or '),
          roles: roles.length ? roles.join(', ') : '(none)',
          role: expect.roles[0],
        },
        grantOf('appRole', expect.roles[0]),
      ),
    );
  if (!appOnly && expect.scopes?.length && !expect.scopes.some((s) => scopes.includes(s)))
    causes.push(
      because(
        {
          cause: 'The token lacks the delegated scope the API requires ({required}).',
          evidence: 'scp = {scp}',
          fix: 'Grant {scope} to the agent identity for this user (Grant Permissions… in VS Code, or a delegated permission grant), then get a new token.',
        },
        {
          required: expect.scopes.join(' or '),
          scp: scopes.length ? scopes.join(' ') : '(none)',
          scope: expect.scopes[0],
        },
        grantOf('scope', expect.scopes[0]),
      ),
    );
  if (appOnly && !expect.roles?.length && expect.scopes?.length)
    causes.push(
      because(
        {
          cause: 'An app-only token to an API that takes delegated scopes only.',
          evidence: 'roles = {roles}, no scp; the API expects {expected}',
          fix: "Use the agent user's token, or ask the API's owner for an app role.",
        },
        { roles: roles.join(', ') || '(none)', expected: expect.scopes.join(' or ') },
      ),
    );
  if (expect.tenant && typeof claims.tid === 'string' && claims.tid.toLowerCase() !== expect.tenant.toLowerCase())
    causes.push(
      because(
        {
          cause: "The token comes from another tenant than the API's.",
          evidence: "tid = {tid}; the API's tenant is {tenant}",
          fix: "Get the token from the API's tenant (the agent identity must exist there), or make the API multi-tenant.",
        },
        { tid: claims.tid, tenant: expect.tenant },
      ),
    );
  const ver = typeof claims.ver === 'string' ? claims.ver : undefined;
  if (expect.tokenVersion && ver && ver !== expect.tokenVersion)
    causes.push(
      because(
        {
          cause: `A v{ver} token to an API that validates v${expect.tokenVersion} tokens (issuer and audience formats differ).`,
          evidence: 'ver = {ver}, iss = {iss}',
          fix: `Entra issues the version the API's own registration asks for (accessTokenVersion), whoever the caller is: make the API's validation match it (accept the ${ver === '2.0' ? 'login.microsoftonline.com/{tid}/v2.0' : 'sts.windows.net/{tid}/'} issuer), or set accessTokenVersion to ${expect.tokenVersion === '2.0' ? '2' : '1'} in its registration.`,
        },
        { ver, iss: String(claims.iss ?? '') },
      ),
    );
  const parent = typeof claims.xms_par_app_azp === 'string' ? claims.xms_par_app_azp : undefined;
  if (parent && expect.rejectsAgents)
    causes.push(
      because(
        {
          cause: 'The API refuses agent identities.',
          evidence: "xms_par_app_azp = {parent} (the token is an agent's)",
          fix: "Ask the API's owner to accept agents, or call it as an ordinary application.",
        },
        { parent },
      ),
    );
  if (expect.parentBlueprints?.length && !(parent && expect.parentBlueprints.includes(parent)))
    causes.push(
      because(
        {
          cause: "The API accepts agents of other blueprints only (it checks the token's parent blueprint).",
          evidence: 'xms_par_app_azp = {parent}; accepted: {accepted}',
          fix: "Use an agent identity of an accepted blueprint, or ask the API's owner to add yours.",
        },
        { parent: parent ?? '(none: not an agent token)', accepted: expect.parentBlueprints.join(', ') },
      ),
    );

  // Nothing above explains it: the API's own words, and for an agent's token the likeliest reason left.
  if (causes.length === 0 && status >= 400) {
    const told = graph ? undefined : bodyMessage(input.body);
    // Only when the caller knows nothing of what the API expects: with expectations met, the agent is not the cause.
    if (parent && status === 403 && !input.expect)
      causes.push(
        because(
          {
            cause:
              'The API refused an agent identity for a reason of its own: it may not accept agents, or only those of certain blueprints.',
            evidence: `xms_par_app_azp = {parent} (an agent's token)${told ? '; the API said "{told}"' : ''}`,
            fix: "Ask the API's owner whether it accepts agent identities (tokens that carry xms_par_app_azp) and from which blueprints; if it does not, call it as an ordinary application.",
          },
          { parent, told },
        ),
      );
    else if (told)
      causes.push(
        because(
          {
            cause: 'The API gives its reason in the body.',
            evidence: '"{told}"',
            fix: "Read the API's message; nothing in the challenge or the token explains the refusal.",
          },
          { told },
        ),
      );
  }

  const first = causes[0];
  const unexplained = `HTTP ${status}, and nothing in the answer or the token says why${status === 403 ? ': the API refused this identity for its own reasons' : ''}.`;
  return {
    summary: first ? `HTTP ${status}: ${first.cause}` : unexplained,
    catalogueSummary: first ? `HTTP ${status}: ${first.catalogue.cause}` : unexplained,
    causes,
    ...(resourceMetadata ? { resourceMetadata } : {}),
  };
}

/** A NumericDate as ISO text; a value no Date can hold is shown as it is. */
function isoOf(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? String(seconds) : d.toISOString();
}

/** An audience matches its app id URI with or without a trailing slash, and GUIDs in any case. */
function sameAudience(a: string, b: string): boolean {
  const norm = (s: string) => s.trim().replace(/\/+$/, '').toLowerCase();
  return norm(a) === norm(b);
}

function scopeFor(audience: string): string {
  return `${audience.replace(/\/+$/, '')}/.default`;
}
