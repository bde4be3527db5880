import { TokenCache } from './cache';
import {
  TOKEN_EXCHANGE_SCOPE,
  tokenEndpointUrl,
  validateAuthority,
  validateClientId,
  validateDefaultScope,
  validateTenant,
  type FieldNames,
} from './config';
import { JWT_BEARER_ASSERTION_TYPE, signCertificateAssertion, type BlueprintCredential } from './credentials';
import { decodeTokenLenient, type DecodedToken } from './jwt';
import { silentLogger, type Logger } from './logger';
import { TokenEndpointClient, type LegRecord, type TokenEndpointClientOptions, type TokenResponse } from './tokenClient';

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

export interface AgentTokenResult {
  readonly flow: 'autonomous';
  readonly accessToken: string;
  readonly expiresOn: Date;
  /** The final token (leg 2), decoded. */
  readonly token: DecodedToken;
  /** T1 (leg 1), decoded. */
  readonly t1: DecodedToken;
  readonly legs: readonly LegResult[];
  /** The final token came from the cache. */
  readonly fromCache: boolean;
}

export interface AgentTokenEngineOptions extends TokenEndpointClientOptions {
  readonly refreshMarginMs?: number;
  readonly now?: () => number;
}

export interface AcquireOptions {
  readonly signal?: AbortSignal;
  /** Skip the caches (both legs) and ask the endpoint again. */
  readonly forceRefresh?: boolean;
}

interface LegToken {
  readonly accessToken: string;
  readonly expiresOnMs: number;
  readonly leg: LegResult;
}

/** Checks and normalises a request; errors name the field the way `names` says. */
export function validateAutonomousRequest(request: AutonomousTokenRequest, names?: Partial<FieldNames>): AutonomousTokenRequest {
  return {
    authority: validateAuthority(request.authority, names?.authority),
    tenant: validateTenant(request.tenant, names?.tenant),
    blueprintId: validateClientId(request.blueprintId, names?.blueprint ?? 'blueprint', 'agent identity blueprint'),
    agentId: validateClientId(request.agentId, names?.agent ?? 'agent', 'agent identity'),
    scope: validateDefaultScope(request.scope, names?.scope),
    credential: request.credential,
  };
}

/**
 * Gets agent tokens: the blueprint's T1 (with fmi_path), then the agent identity's token with T1 as its assertion.
 * Holds one connection pool and the caches; share one engine per process.
 */
export class AgentTokenEngine {
  private readonly client: TokenEndpointClient;
  private readonly t1Cache: TokenCache<LegToken>;
  private readonly finalCache: TokenCache<AgentTokenResult>;
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
    const request = validateAutonomousRequest(input);
    const key = TokenCache.key(request.authority, request.tenant, request.agentId, request.scope);
    if (options.forceRefresh) return this.acquireAutonomous(request, options).then((e) => e.value);
    const { value, fromCache } = await this.finalCache.getOrAcquire(key, () => this.acquireAutonomous(request, options), options.signal);
    return fromCache ? { ...value, fromCache: true, legs: value.legs.map((l) => ({ ...l, cached: true })) } : value;
  }

  clearCache(): void {
    this.t1Cache.clear();
    this.finalCache.clear();
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private async acquireAutonomous(request: AutonomousTokenRequest, options: AcquireOptions) {
    const endpoint = tokenEndpointUrl(request.authority, request.tenant);
    const t1 = await this.getT1(request, endpoint, options);
    const started = this.now();
    const { response, record } = await this.client.postForm(
      endpoint,
      {
        client_id: request.agentId,
        scope: request.scope,
        grant_type: 'client_credentials',
        client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
        client_assertion: t1.accessToken,
      },
      { signal: options.signal, legName: 'agent' },
    );
    const final = toLegToken(response, record, started);
    this.logger.info(`Agent token for ${request.agentId} (${request.scope}) acquired.`);
    const result: AgentTokenResult = {
      flow: 'autonomous',
      accessToken: final.accessToken,
      expiresOn: new Date(final.expiresOnMs),
      token: final.leg.token,
      t1: t1.leg.token,
      legs: [t1.leg, final.leg],
      fromCache: false,
    };
    return { value: result, expiresOnMs: final.expiresOnMs };
  }

  /** Leg 1: T1 for the blueprint, naming the agent identity in fmi_path. Cached per (authority, tenant, blueprint, fmi_path). */
  private async getT1(request: AutonomousTokenRequest, endpoint: string, options: AcquireOptions): Promise<LegToken> {
    const acquire = async () => {
      const started = this.now();
      const params: Record<string, string> = {
        client_id: request.blueprintId,
        scope: TOKEN_EXCHANGE_SCOPE,
        fmi_path: request.agentId,
        grant_type: 'client_credentials',
        ...(await credentialParameters(request.credential, request.blueprintId, endpoint)),
      };
      const { response, record } = await this.client.postForm(endpoint, params, { signal: options.signal, legName: 'blueprint' });
      const leg = toLegToken(response, record, started);
      return { value: leg, expiresOnMs: leg.expiresOnMs };
    };
    if (options.forceRefresh) return (await acquire()).value;
    const key = TokenCache.key(request.authority, request.tenant, request.blueprintId, request.agentId);
    const { value, fromCache } = await this.t1Cache.getOrAcquire(key, acquire, options.signal);
    return fromCache ? { ...value, leg: { ...value.leg, cached: true } } : value;
  }
}

async function credentialParameters(credential: BlueprintCredential, clientId: string, endpoint: string): Promise<Record<string, string>> {
  switch (credential.kind) {
    case 'secret':
      return { client_secret: credential.secret };
    case 'certificate':
      return {
        client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
        client_assertion: await signCertificateAssertion(credential, clientId, endpoint),
      };
  }
}

function toLegToken(response: TokenResponse, record: LegRecord, startedMs: number): LegToken {
  return {
    accessToken: response.access_token,
    // expires_in counts from when the request was sent; the token itself stays opaque to the client.
    expiresOnMs: startedMs + response.expires_in * 1000,
    leg: { ...record, token: decodeTokenLenient(response.access_token), cached: false },
  };
}
