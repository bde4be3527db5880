import { TokenCache } from './cache';
import {
  TOKEN_EXCHANGE_SCOPE,
  tokenEndpointUrl,
  validateAuthority,
  validateClientId,
  validateDefaultScope,
  validateTenant,
  type FieldNames,
} from '../config/config';
import {
  JWT_BEARER_ASSERTION_TYPE,
  nodeCrypto,
  signCertificateAssertion,
  type BlueprintCredential,
} from '../credentials/credentials';
import { decodeTokenLenient, type DecodedToken } from '../tokens/jwt';
import { ConfigError } from '../errors/errors';
import { EntraError } from '../errors/entraError';
import { checkUserTokenForBlueprint, validateAgentUser, validateDelegatedScopes } from './userFlows';
import { silentLogger, type Logger } from '../config/logger';
import {
  TokenEndpointClient,
  type LegRecord,
  type TokenEndpointClientOptions,
  type TokenResponse,
} from './tokenClient';

export interface AutonomousTokenRequest {
  /** Origin, e.g. https://login.microsoftonline.com. */
  readonly authority: string;
  /** The agent identity's home tenant (GUID or domain). */
  readonly tenant: string;
  readonly blueprintId: string;
  readonly agentId: string;
  /** `<resource>/.default`. */
  readonly scope: string;
  readonly credential: BlueprintCredential;
}

export interface LegResult extends LegRecord {
  readonly token: DecodedToken;
  /** The leg's token came from the cache: no request was sent for it this time. */
  readonly cached: boolean;
}

/**
 * `local-agent`: a user signed in to a local agent (core/signin/localAgentSignIn.ts), not a flow of this engine.
 * The flows: the agent as itself, on behalf of a user, as its agent user, the blueprint's own app token, or a
 * single-instance agent's token (one leg: its client id is its blueprint's, so there is no T1 and no fmi_path).
 */
export type AgentFlow = 'autonomous' | 'obo' | 'agent-user' | 'app' | 'single-instance' | 'local-agent';

/** The blueprint's own app-only token for a resource (one leg): what the Graph features need. */
export type AppTokenRequest = Omit<AutonomousTokenRequest, 'agentId'>;

/** On behalf of a signed-in user: Tc is the user's token for the blueprint; scopes are delegated ones. */
export interface OnBehalfOfTokenRequest extends AutonomousTokenRequest {
  readonly userToken: string;
}

/** As the agent's own user account (agent user), named by object id or UPN. */
export interface AgentUserTokenRequest extends AutonomousTokenRequest {
  readonly userId?: string;
  readonly username?: string;
}

export interface AgentTokenResult {
  readonly flow: AgentFlow;
  readonly accessToken: string;
  readonly expiresOn: Date;
  /** The final token (leg 2), decoded. */
  readonly token: DecodedToken;
  /** T1 (leg 1), decoded. */
  readonly t1: DecodedToken;
  /** T2 (agent-user flow, leg 2), decoded. */
  readonly t2?: DecodedToken;
  readonly legs: readonly LegResult[];
  /** The final token came from the cache. */
  readonly fromCache: boolean;
  /** For the user flows: the refresh token Entra returned (in memory only; the CLI never prints it). */
  readonly refreshToken?: string;
}

/** The agent refresh-token leg of the on-behalf-of flow: T1 as the agent's assertion, the refresh token from OBO. */
export interface RefreshTokenRequest extends AutonomousTokenRequest {
  readonly refreshToken: string;
}

export interface AgentTokenEngineOptions extends TokenEndpointClientOptions {
  readonly refreshMarginMs?: number;
  readonly now?: () => number;
}

export interface AcquireOptions {
  readonly signal?: AbortSignal;
  /** Skip the caches (both legs) and ask the endpoint again. */
  readonly forceRefresh?: boolean;
  /**
   * A claims challenge to answer (the JSON an API's `WWW-Authenticate: … claims="…"` carried, decoded): sent as
   * `claims` on the leg that gets the final token, which then skips the cache, as MSAL does.
   */
  readonly claims?: string;
  /** Sent as `client-request-id` on every leg, as MSAL sends its correlation id: Entra's logs then carry it. */
  readonly correlationId?: string;
  /**
   * Each leg as it completes (sent, or taken from the cache), before the next starts: for a face that shows the
   * exchange filling in. Not called when the final token comes from the cache (the result is then immediate).
   */
  readonly onLeg?: (leg: LegResult) => void;
}

interface LegToken {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly expiresOnMs: number;
  readonly leg: LegResult;
}

/**
 * Where and which blueprint: what every flow's request names, the app flow's included. The validators check the
 * names and scopes only, so a request is checked before its credential exists (acquireToken) as after.
 */
interface Parties {
  readonly authority: string;
  readonly tenant: string;
  readonly blueprintId: string;
}

/** How the face names each field in its messages (CLI flags, form labels). */
export type RequestFieldNames = Partial<FieldNames> & { userToken?: string; userId?: string; username?: string };

/** The fields of a request of any flow (and of a refresh), before or after its credential is resolved. */
interface FlowFields extends Parties {
  readonly flow: AgentFlow | 'refresh';
  readonly scope: string;
  readonly agentId?: string;
  readonly userToken?: string;
  readonly userId?: string;
  readonly username?: string;
}

/**
 * Checks and normalises a request of any flow in one pass, before anything is read or sent: where, which blueprint,
 * which agent (all but the app flow), the scope as the flow needs it (`.default` for app-only tokens, delegated scopes
 * for the user flows), then the user the flow names. Errors name each field the way `names` says.
 */
export function checkRequest<R extends FlowFields>(
  request: R,
  names: RequestFieldNames = {},
  /**
   * The scope as the caller wrote it, only trimmed and required: for the sidecar, whose callers write scopes as
   * Microsoft.Identity.Web takes them (`User.Read`, `openid`) and whose refusals come from Entra.
   */
  scopesAsGiven = false,
): R {
  const oneLeg = request.flow === 'app' || request.flow === 'single-instance';
  const appOnly = oneLeg || request.flow === 'autonomous';
  const checked: R = {
    ...request,
    authority: validateAuthority(request.authority, names.authority),
    tenant: validateTenant(request.tenant, names.tenant),
    blueprintId: validateClientId(request.blueprintId, names.blueprint ?? 'blueprint', 'agent identity blueprint'),
    ...(oneLeg ? {} : { agentId: validateClientId(request.agentId ?? '', names.agent ?? 'agent', 'agent identity') }),
    scope: scopesAsGiven
      ? scopeAsGiven(request.scope, names.scope)
      : appOnly
        ? validateDefaultScope(request.scope, names.scope)
        : validateDelegatedScopes(request.scope, names.scope),
  };
  if (oneLeg && !scopesAsGiven) refuseExchangeScope(request.flow as 'app' | 'single-instance', checked.scope, names);
  switch (request.flow) {
    case 'obo':
      return {
        ...checked,
        userToken: checkUserTokenForBlueprint(request.userToken ?? '', checked.blueprintId, names.userToken),
      };
    case 'agent-user':
      return {
        ...checked,
        ...validateAgentUser(request.userId, request.username, {
          userId: names.userId ?? 'user id',
          username: names.username ?? 'username',
        }),
      };
    default:
      return checked;
  }
}

/**
 * Caught before sending: a one-leg request for the token-exchange audience is a T1 without its agent. Entra refuses a
 * classic blueprint's with AADSTS82008 (fmi_path missing); a single-instance agent has no T1 at all.
 */
function refuseExchangeScope(flow: 'app' | 'single-instance', scope: string, names: RequestFieldNames): void {
  if (scope.toLowerCase() !== TOKEN_EXCHANGE_SCOPE.toLowerCase()) return;
  const field = names.scope ?? 'scope';
  if (flow === 'single-instance')
    throw new ConfigError(
      field,
      `is ${TOKEN_EXCHANGE_SCOPE}, but a single-instance agent has no T1: its one request asks for the resource itself.`,
      "Ask for the resource's scope, such as https://graph.microsoft.com/.default.",
    );
  throw new ConfigError(
    field,
    `is ${TOKEN_EXCHANGE_SCOPE}: that is T1, which a blueprint gets only for an agent identity named in fmi_path (without it, Entra answers AADSTS82008).`,
    `Name the agent identity (${names.agent ?? 'agent'}) to run the exchange, or, for a single-instance agent, ask for the resource's scope as that agent.`,
  );
}

function scopeAsGiven(scope: string, field = 'scope'): string {
  const trimmed = scope.trim();
  if (!trimmed) throw new ConfigError(field, 'is empty.', 'Give the scopes to ask for.');
  return trimmed;
}

declare const checkedBrand: unique symbol;
/**
 * A request whose names and scopes the validators have checked and normalised: what `AgentTokenEngine.acquireChecked`
 * takes, so a request that came through `acquireToken` is checked once, not again by the engine.
 */
export type Checked<T> = T & { readonly [checkedBrand]: true };

/** One checked request for the engine, tagged with its flow, its credential resolved. */
export type CheckedFlowRequest =
  | ({ readonly flow: 'autonomous' } & AutonomousTokenRequest)
  | ({ readonly flow: 'app' } & AppTokenRequest)
  | ({ readonly flow: 'single-instance' } & AppTokenRequest)
  | ({ readonly flow: 'obo' } & OnBehalfOfTokenRequest)
  | ({ readonly flow: 'agent-user' } & AgentUserTokenRequest);

/** AADSTS700016 (no such application in the tenant) and 7000112 (the application is disabled). */
const REMEMBERED_REFUSALS = new Set([700016, 7000112]);
const REFUSAL_MEMORY_MS = 30_000;
const MAX_REFUSALS = 1000;

/**
 * Gets agent tokens: the blueprint's T1 (with fmi_path), then the agent identity's token with T1 as its assertion.
 * Holds one connection pool and the caches; share one engine per process.
 */
export class AgentTokenEngine {
  private readonly client: TokenEndpointClient;
  private readonly t1Cache: TokenCache<LegToken>;
  private readonly finalCache: TokenCache<AgentTokenResult>;
  /**
   * Refusals that asking again cannot change for a while (an unknown or disabled agent identity), per request, for
   * 30 s: a loop or 200 callers asking for an agent that does not exist make one request to Entra, not 200.
   */
  private readonly refusals = new Map<string, { readonly error: EntraError; readonly untilMs: number }>();
  private readonly now: () => number;
  private readonly logger: Logger;

  constructor(options: AgentTokenEngineOptions = {}) {
    this.client = new TokenEndpointClient(options);
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    const cacheOptions = { refreshMarginMs: options.refreshMarginMs, now: this.now };
    this.t1Cache = new TokenCache(cacheOptions);
    this.finalCache = new TokenCache(cacheOptions);
  }

  async getAutonomousToken(input: AutonomousTokenRequest, options: AcquireOptions = {}): Promise<AgentTokenResult> {
    return this.autonomous(checkRequest({ ...input, flow: 'autonomous' }), options);
  }

  private async autonomous(request: AutonomousTokenRequest, options: AcquireOptions): Promise<AgentTokenResult> {
    return this.cached(
      TokenCache.key('autonomous', request.authority, request.tenant, request.agentId, request.scope),
      options,
      async () => {
        const endpoint = tokenEndpointUrl(request.authority, request.tenant);
        const t1 = await this.getT1(request, endpoint, options);
        const final = await this.leg(
          endpoint,
          'agent',
          { ...asAgent(request.agentId, request.scope, t1), grant_type: 'client_credentials', ...claimsOf(options) },
          options,
        );
        this.logger.info(`Agent token for ${request.agentId} (${request.scope}) acquired.`);
        return this.result('autonomous', [t1, final]);
      },
    );
  }

  /** The blueprint's own token for a resource: one client-credentials leg, no fmi_path. `t1` is that token too. */
  async getAppToken(input: AppTokenRequest, options: AcquireOptions = {}): Promise<AgentTokenResult> {
    return this.app(checkRequest({ ...input, flow: 'app' }), options);
  }

  /**
   * A single-instance agent's token (agent-id-2026 §1): it shares its blueprint's client id, so one client-credentials
   * leg with the blueprint's credential, no T1 and no fmi_path; Entra issues the token to the agent identity.
   */
  async getSingleInstanceToken(input: AppTokenRequest, options: AcquireOptions = {}): Promise<AgentTokenResult> {
    return this.app(checkRequest({ ...input, flow: 'single-instance' }), options, 'single-instance');
  }

  private async app(
    request: AppTokenRequest,
    options: AcquireOptions,
    flow: 'app' | 'single-instance' = 'app',
  ): Promise<AgentTokenResult> {
    return this.cached(
      TokenCache.key(flow, request.authority, request.tenant, request.blueprintId, request.scope),
      options,
      async () => {
        const endpoint = tokenEndpointUrl(request.authority, request.tenant);
        const leg = await this.leg(
          endpoint,
          flow === 'app' ? 'blueprint' : 'single-instance',
          {
            client_id: request.blueprintId,
            scope: request.scope,
            grant_type: 'client_credentials',
            ...claimsOf(options),
            ...(await credentialParameters(request.credential, request.blueprintId, endpoint, options.signal)),
          },
          options,
        );
        return this.result(flow, [leg]);
      },
    );
  }

  /** On behalf of a user (shared docs §1): T1, then jwt-bearer with Tc as assertion and T1 as client assertion. */
  async getOnBehalfOfToken(input: OnBehalfOfTokenRequest, options: AcquireOptions = {}): Promise<AgentTokenResult> {
    return this.onBehalfOf(checkRequest({ ...input, flow: 'obo' }), options);
  }

  private async onBehalfOf(request: OnBehalfOfTokenRequest, options: AcquireOptions): Promise<AgentTokenResult> {
    const userKey = nodeCrypto().createHash('sha256').update(request.userToken).digest('base64url');
    return this.cached(
      TokenCache.key('obo', request.authority, request.tenant, request.agentId, request.scope, userKey),
      options,
      async () => {
        const endpoint = tokenEndpointUrl(request.authority, request.tenant);
        const t1 = await this.getT1(request, endpoint, options);
        const final = await this.leg(
          endpoint,
          'agent',
          {
            ...asAgent(request.agentId, request.scope, t1),
            grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
            assertion: request.userToken,
            requested_token_use: 'on_behalf_of',
            ...claimsOf(options),
          },
          options,
        );
        return this.result('obo', [t1, final]);
      },
    );
  }

  /**
   * As the agent's own user (shared docs §1, MSAL's wire format): T1; T2 (the agent's exchange token, no fmi_path);
   * then user_fic with T2 as the user's federated credential, the user by object id or UPN.
   */
  async getAgentUserToken(input: AgentUserTokenRequest, options: AcquireOptions = {}): Promise<AgentTokenResult> {
    return this.agentUser(checkRequest({ ...input, flow: 'agent-user' }), options);
  }

  private async agentUser(request: AgentUserTokenRequest, options: AcquireOptions): Promise<AgentTokenResult> {
    // By object id or by UPN, never one read as the other; a UPN in any case is one user.
    const who = request.userId ? `id:${request.userId.toLowerCase()}` : `upn:${(request.username ?? '').toLowerCase()}`;
    return this.cached(
      TokenCache.key('agent-user', request.authority, request.tenant, request.agentId, who, request.scope),
      options,
      async () => {
        const endpoint = tokenEndpointUrl(request.authority, request.tenant);
        const t1 = await this.getT1(request, endpoint, options);
        const t2 = await this.leg(
          endpoint,
          'agent',
          { ...asAgent(request.agentId, TOKEN_EXCHANGE_SCOPE, t1), grant_type: 'client_credentials' },
          options,
        );
        const final = await this.leg(
          endpoint,
          'agent-user',
          {
            ...asAgent(request.agentId, `${request.scope} openid profile offline_access`, t1),
            grant_type: 'user_fic',
            user_federated_identity_credential: t2.accessToken,
            ...(request.userId ? { user_id: request.userId } : { username: request.username ?? '' }),
            client_info: '1',
            ...claimsOf(options),
          },
          options,
        );
        return this.result('agent-user', [t1, t2, final]);
      },
    );
  }

  /** Runs a request `validateTokenRequest` has already checked (through `acquireToken`): no second check. */
  async acquireChecked(request: Checked<CheckedFlowRequest>, options: AcquireOptions = {}): Promise<AgentTokenResult> {
    switch (request.flow) {
      case 'autonomous':
        return this.autonomous(request, options);
      case 'app':
        return this.app(request, options);
      case 'single-instance':
        return this.app(request, options, 'single-instance');
      case 'obo':
        return this.onBehalfOf(request, options);
      case 'agent-user':
        return this.agentUser(request, options);
    }
  }

  /** Refreshes a user-flow token (shared docs §1, OBO refresh): never cached, since each refresh token is used once. */
  async refreshUserToken(input: RefreshTokenRequest, options: AcquireOptions = {}): Promise<AgentTokenResult> {
    const request = checkRequest({ ...input, flow: 'refresh' });
    if (!request.refreshToken)
      throw new ConfigError(
        'refresh token',
        'is empty.',
        'Use the refresh token an on-behalf-of or agent-user exchange returned.',
      );
    const endpoint = tokenEndpointUrl(request.authority, request.tenant);
    const t1 = await this.getT1(request, endpoint, options);
    const final = await this.leg(
      endpoint,
      'agent',
      {
        ...asAgent(request.agentId, request.scope, t1),
        grant_type: 'refresh_token',
        refresh_token: request.refreshToken,
      },
      options,
    );
    return this.result('obo', [t1, final]).value;
  }

  clearCache(): void {
    this.t1Cache.clear();
    this.finalCache.clear();
    this.refusals.clear();
  }

  /** Forgets remembered refusals only (a simulated one, which happens once). */
  forgetRefusals(): void {
    this.refusals.clear();
  }

  private async cached(
    key: string,
    options: AcquireOptions,
    acquire: () => Promise<{ value: AgentTokenResult; expiresOnMs: number }>,
  ): Promise<AgentTokenResult> {
    if (options.forceRefresh) this.refusals.delete(key);
    const refused = this.refusals.get(key);
    if (refused && refused.untilMs > this.now()) throw refused.error;
    try {
      if (options.forceRefresh || options.claims) return (await acquire()).value;
      const { value, fromCache } = await this.finalCache.getOrAcquire(key, acquire, options.signal);
      return fromCache ? { ...value, fromCache: true, legs: value.legs.map((l) => ({ ...l, cached: true })) } : value;
    } catch (e) {
      if (e instanceof EntraError && e.code !== undefined && REMEMBERED_REFUSALS.has(e.code)) {
        this.refusals.delete(key);
        this.refusals.set(key, { error: e, untilMs: this.now() + REFUSAL_MEMORY_MS });
        if (this.refusals.size > MAX_REFUSALS) this.refusals.delete(this.refusals.keys().next().value!);
      }
      throw e;
    }
  }

  private async leg(
    endpoint: string,
    name: string,
    params: Record<string, string>,
    options: AcquireOptions,
  ): Promise<LegToken> {
    const started = this.now();
    const { response, record } = await this.client.postForm(endpoint, params, {
      signal: options.signal,
      legName: name,
      ...(options.correlationId ? { headers: { 'client-request-id': options.correlationId } } : {}),
    });
    const leg = toLegToken(response, record, started);
    options.onLeg?.(leg.leg);
    return leg;
  }

  private result(flow: AgentFlow, legs: LegToken[]): { value: AgentTokenResult; expiresOnMs: number } {
    const final = legs[legs.length - 1]!;
    return {
      value: {
        flow,
        accessToken: final.accessToken,
        expiresOn: new Date(final.expiresOnMs),
        token: final.leg.token,
        t1: legs[0]!.leg.token,
        ...(legs.length === 3 ? { t2: legs[1]!.leg.token } : {}),
        legs: legs.map((l) => l.leg),
        fromCache: false,
        ...(final.refreshToken ? { refreshToken: final.refreshToken } : {}),
      },
      expiresOnMs: final.expiresOnMs,
    };
  }

  close(): Promise<void> {
    return this.client.close();
  }

  /** Leg 1: T1 for the blueprint, naming the agent identity in fmi_path. Cached per (authority, tenant, blueprint, fmi_path). */
  private async getT1(
    request: Omit<AutonomousTokenRequest, 'scope'>,
    endpoint: string,
    options: AcquireOptions,
  ): Promise<LegToken> {
    const acquire = async () => {
      const leg = await this.leg(
        endpoint,
        'blueprint',
        {
          client_id: request.blueprintId,
          scope: TOKEN_EXCHANGE_SCOPE,
          fmi_path: request.agentId,
          grant_type: 'client_credentials',
          ...(await credentialParameters(request.credential, request.blueprintId, endpoint, options.signal)),
        },
        options,
      );
      return { value: leg, expiresOnMs: leg.expiresOnMs };
    };
    if (options.forceRefresh) return (await acquire()).value;
    const key = TokenCache.key(request.authority, request.tenant, request.blueprintId, request.agentId);
    const { value, fromCache } = await this.t1Cache.getOrAcquire(key, acquire, options.signal);
    if (!fromCache) return value;
    const cached = { ...value, leg: { ...value.leg, cached: true } };
    options.onLeg?.(cached.leg);
    return cached;
  }
}

/** The `claims` parameter of the leg that gets the final token, when a claims challenge is being answered. */
function claimsOf(options: AcquireOptions): Record<string, string> {
  return options.claims ? { claims: options.claims } : {};
}

/** How an agent identity authenticates on every leg after the first: T1 as its client assertion (shared docs §1). */
function asAgent(agentId: string, scope: string, t1: LegToken): Record<string, string> {
  return {
    client_id: agentId,
    scope,
    client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
    client_assertion: t1.accessToken,
  };
}

async function credentialParameters(
  credential: BlueprintCredential,
  clientId: string,
  endpoint: string,
  signal?: AbortSignal,
): Promise<Record<string, string>> {
  switch (credential.kind) {
    case 'secret':
      return { client_secret: credential.secret };
    case 'certificate':
      return {
        client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
        client_assertion: await signCertificateAssertion(credential, clientId, endpoint),
      };
    case 'assertion':
      return {
        client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
        client_assertion: await credential.getAssertion(signal),
      };
  }
}

function toLegToken(response: TokenResponse, record: LegRecord, startedMs: number): LegToken {
  return {
    accessToken: response.access_token,
    ...(response.refresh_token ? { refreshToken: response.refresh_token } : {}),
    // expires_in counts from when the request was sent; the token itself stays opaque to the client.
    expiresOnMs: startedMs + response.expires_in * 1000,
    leg: { ...record, token: decodeTokenLenient(response.access_token), cached: false },
  };
}
