// Conformance of the local sidecar's request handling and configuration with Microsoft's auth-sidecar container.
// Each case cites the container's source it encodes: AzureAD/microsoft-identity-web at dfeab823 (release 1.1.x),
// under src/Microsoft.Identity.Web.Sidecar/ unless another path is given.
import assert from 'node:assert/strict';
import {
  CONTAINER_ALLOW_OVERRIDES,
  keysBeyondDefaults,
  readContainerConfiguration,
  type AllowOverrides,
} from '../../src/sidecar/containerConfig';
import {
  bindQuery,
  downstreamRequest,
  planRequest,
  TOKEN_ROUTES,
  type Plan,
  type TokenRoute,
} from '../../src/sidecar/sidecarRequest';
import type { SidecarApi } from '../../src/sidecar/requestRecord';

const AGENT = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const OID = 'd2e3f4a5-b6c7-4d8e-9f0a-1b2c3d4e5f60';
const GRAPH: SidecarApi = { name: 'graph', scopes: ['https://graph.microsoft.com/.default'] };
const APP_API: SidecarApi = { name: 'weather', scopes: ['api://weather/.default'], requestAppToken: true };
const ALL_ON: AllowOverrides = {
  GetAuthorizationHeader: true,
  GetAuthorizationHeaderUnauthenticated: true,
  CallDownstreamApi: true,
  CallDownstreamApiUnauthenticated: true,
};

interface PlanOptions {
  route?: TokenRoute;
  /** null: no API of that name is configured. */
  api?: SidecarApi | null;
  apiName?: string;
  allow?: AllowOverrides;
  user?: boolean;
}
const plan = (query: string, o: PlanOptions = {}) => {
  const api = o.api === null ? undefined : (o.api ?? GRAPH);
  return planRequest({
    route: o.route ?? TOKEN_ROUTES.authorizationheaderunauthenticated,
    apiName: o.apiName ?? api?.name ?? 'graph',
    api,
    query: bindQuery(new URLSearchParams(query)),
    allowOverrides: o.allow ?? ALL_ON,
    hasUserToken: o.user ?? false,
  });
};
const ok = (p: ReturnType<typeof planRequest>): Plan => {
  assert.ok(!('problem' in p), JSON.stringify(p));
  return p;
};
const problem = (p: ReturnType<typeof planRequest>) => {
  assert.ok('problem' in p, JSON.stringify(p));
  return p.problem;
};

describe('the sidecar binds a query as the container does', () => {
  it('reads names in any case (the query collection ignores case; Models/AuthorizationHeaderRequest.cs:16-27)', () => {
    const q = bindQuery(new URLSearchParams(`agentidentity=${AGENT}&AGENTUSERNAME=u@x.com&agentUserID=${OID}`));
    assert.deepEqual([q.agentIdentity, q.agentUsername, q.agentUserId], [AGENT, 'u@x.com', OID]);
  });

  it('joins a repeated plain parameter with commas (StringValues to string) [I]', () => {
    assert.equal(bindQuery(new URLSearchParams(`AgentIdentity=${AGENT}&agentIdentity=x`)).agentIdentity, `${AGENT},x`);
  });

  it('adds every non-blank optionsOverride.Scopes, in any case (Models/BindableDownstreamApiOptions.cs:76-85)', () => {
    const q = bindQuery(
      new URLSearchParams('optionsOverride.Scopes=a&OPTIONSOVERRIDE.scopes=b&optionsOverride.Scopes=%20'),
    );
    assert.deepEqual(q.override.scopes, ['a', 'b']);
    assert.equal(q.hasAny, true);
  });

  it('takes the last RequestAppToken that parses as a bool (BindableDownstreamApiOptions.cs:86-90)', () => {
    assert.equal(bindQuery(new URLSearchParams('optionsOverride.RequestAppToken=TRUE')).override.requestAppToken, true);
    assert.equal(
      bindQuery(new URLSearchParams('optionsOverride.RequestAppToken=yes')).override.requestAppToken,
      undefined,
    );
  });

  it('reads AcquireTokenOptions.* by lower-cased name, the last value, a blank one skipped (BindableDownstreamApiOptions.cs:91-126)', () => {
    const q = bindQuery(
      new URLSearchParams(
        'optionsOverride.acquiretokenoptions.TENANT=t1&optionsOverride.AcquireTokenOptions.ForceRefresh=True' +
          '&optionsOverride.AcquireTokenOptions.Claims=%7B%7D&optionsOverride.AcquireTokenOptions.CorrelationId=' +
          '{A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D}&optionsOverride.AcquireTokenOptions.Tenant=',
      ),
    );
    // TENANT and Tenant are one key; its last value is blank, so no tenant is taken (`continue` at :95).
    assert.deepEqual(q.override, { forceRefresh: true, claims: '{}', correlationId: AGENT });
  });

  it('keeps ExtraHeaderParameters.* and ExtraQueryParameters.* names as written (BindableDownstreamApiOptions.cs:152-171)', () => {
    const q = bindQuery(
      new URLSearchParams(
        'optionsOverride.ExtraHeaderParameters.X-Trace=1&optionsOverride.extraqueryparameters.Api-Version=2',
      ),
    );
    assert.deepEqual(q.override.extraHeaderParameters, { 'X-Trace': '1' });
    assert.deepEqual(q.override.extraQueryParameters, { 'Api-Version': '2' });
  });

  it('ignores optionsOverride.BaseUrl, and BaseUrl alone is no override (BindableDownstreamApiOptions.cs:39-64, 127-135)', () => {
    const q = bindQuery(new URLSearchParams('optionsOverride.BaseUrl=https://evil.example'));
    assert.deepEqual([q.hasAny, q.baseUrlIgnored, q.override], [false, true, {}]);
  });
});

describe('the sidecar decides a request as the container does', () => {
  it('gates overrides and agent parameters per route, with the defaults of Configuration/SidecarOptions.cs:38-56', () => {
    assert.deepEqual(CONTAINER_ALLOW_OVERRIDES, {
      GetAuthorizationHeader: true,
      GetAuthorizationHeaderUnauthenticated: false,
      CallDownstreamApi: true,
      CallDownstreamApiUnauthenticated: false,
    });
    const query = `AgentIdentity=${AGENT}&optionsOverride.Scopes=api://weather/.default&optionsOverride.RequestAppToken=true`;
    for (const [name, route] of Object.entries(TOKEN_ROUTES)) {
      const on = route.gate === 'GetAuthorizationHeader' || route.gate === 'CallDownstreamApi';
      const p = plan(query, { route, api: APP_API, allow: CONTAINER_ALLOW_OVERRIDES, user: route.authenticated });
      if (on) {
        const honoured = ok(p);
        assert.deepEqual(
          [honoured.flow, honoured.agentId, honoured.scope],
          ['autonomous', AGENT, 'api://weather/.default'],
          name,
        );
      } else {
        // Endpoints/AuthorizationHeaderEndpoint.cs:106-132: overrides and agent parameters dropped, and a warning
        // (Logging/Logging.cs:22-41); the request runs as the blueprint.
        const ignored = ok(p);
        assert.deepEqual(
          [ignored.flow, ignored.agentId, ignored.scope],
          ['app', undefined, 'api://weather/.default'],
          name,
        );
        assert.deepEqual(
          ignored.ignored,
          ['optionsOverride.Scopes', 'optionsOverride.RequestAppToken', 'AgentIdentity'],
          name,
        );
      }
      // Each key turns its own route on, and no other.
      const flipped = { ...CONTAINER_ALLOW_OVERRIDES, [route.gate]: !on };
      const q = plan(query, { route, api: APP_API, allow: flipped, user: route.authenticated });
      assert.equal(ok(q).agentId, on ? undefined : AGENT, `${name} with ${route.gate}=${!on}`);
    }
  });

  it('serves an API that is not configured when the overrides name scopes, and refuses it when they cannot (Endpoints/AuthorizationHeaderEndpoint.cs:94-123)', () => {
    const served = ok(
      plan('optionsOverride.Scopes=api://x/.default&optionsOverride.RequestAppToken=true', {
        api: null,
        apiName: 'x',
      }),
    );
    assert.deepEqual([served.flow, served.scope], ['app', 'api://x/.default']);
    const refused = problem(
      plan('optionsOverride.Scopes=api://x/.default', {
        api: null,
        apiName: 'x',
        allow: CONTAINER_ALLOW_OVERRIDES,
      }),
    );
    assert.deepEqual(refused, {
      status: 400,
      detail:
        "No scopes found for the API 'x' or in optionsOverride. 'scopes' needs to be either a single value or a list of values.",
    });
  });

  it('refuses an app scope without /.default, in any case, as an unexpected error (TokenAcquisition.cs:900-903)', () => {
    assert.deepEqual(problem(plan('optionsOverride.RequestAppToken=true&optionsOverride.Scopes=User.Read')), {
      status: 500,
      detail: 'An unexpected error occurred.',
    });
    assert.equal(
      ok(plan('optionsOverride.RequestAppToken=true&optionsOverride.Scopes=api://x/.DEFAULT')).scope,
      'api://x/.DEFAULT',
    );
  });

  it('runs the app path for RequestAppToken with the first scope only (DefaultAuthorizationHeaderProvider.cs:72-84, 196-203)', () => {
    const p = ok(
      plan('optionsOverride.RequestAppToken=true&optionsOverride.Scopes=a/.default&optionsOverride.Scopes=b/.default'),
    );
    assert.deepEqual([p.flow, p.scope], ['app', 'a/.default']);
    assert.equal(ok(plan(`AgentIdentity=${AGENT}`, { api: APP_API })).flow, 'autonomous');
  });

  it('prefers the UPN, falls back to the agent alone for an object id that is not a GUID, ignores users without AgentIdentity (AgentOverrides.cs:30-49)', () => {
    const both = ok(plan(`AgentIdentity=${AGENT}&AgentUsername=u@x.com&AgentUserId=${OID}`));
    assert.deepEqual([both.flow, both.user], ['agent-user', { username: 'u@x.com' }]);
    const oid = ok(plan(`AgentIdentity=${AGENT}&AgentUserId=${OID.toUpperCase()}`));
    assert.deepEqual(oid.user, { userId: OID });
    const notGuid = ok(plan(`AgentIdentity=${AGENT}&AgentUserId=nope`, { api: APP_API }));
    assert.deepEqual([notGuid.flow, notGuid.agentId, notGuid.user], ['autonomous', AGENT, undefined]);
    const orphan = ok(plan('AgentUsername=u@x.com', { api: APP_API }));
    assert.deepEqual([orphan.flow, orphan.agentId], ['app', undefined]);
  });

  it('runs the agent-user flow on the user path, on either route (TokenAcquisition.cs:380-387, 613-650)', () => {
    const p = ok(
      plan(`AgentIdentity=${AGENT}&AgentUsername=u@x.com&optionsOverride.Scopes=https://graph.microsoft.com/User.Read`),
    );
    assert.deepEqual([p.flow, p.scope], ['agent-user', 'https://graph.microsoft.com/User.Read']);
  });

  it('answers a user flow with no user 401, as MSAL finds no account (TokenAcquisition.cs:465-471)', () => {
    for (const query of ['', `AgentIdentity=${AGENT}`]) {
      const p = plan(query);
      assert.deepEqual(problem(p), {
        status: 401,
        detail: 'No account or login hint was passed to the AcquireTokenSilent call. ',
      });
      assert.match((p as { note: string }).note, /DownstreamApis__graph__RequestAppToken=true/);
    }
  });

  it('runs on-behalf-of with the caller’s token for an agent on the authenticated route', () => {
    const p = ok(plan(`AgentIdentity=${AGENT}`, { route: TOKEN_ROUTES.authorizationheader, user: true }));
    assert.deepEqual([p.flow, p.agentId], ['obo', AGENT]);
  });

  it('passes Tenant, ForceRefresh, Claims and CorrelationId on to the token request (DownstreamApiOptionsMerger.cs:82-127)', () => {
    const p = ok(
      plan(
        `AgentIdentity=${AGENT}&optionsOverride.AcquireTokenOptions.Tenant=t2&optionsOverride.AcquireTokenOptions.ForceRefresh=true` +
          `&optionsOverride.AcquireTokenOptions.Claims=%7B%22access_token%22%3A%7B%7D%7D&optionsOverride.AcquireTokenOptions.CorrelationId=${OID}`,
        { api: APP_API },
      ),
    );
    assert.deepEqual([p.tenant, p.forceRefresh, p.claims, p.correlationId], ['t2', true, '{"access_token":{}}', OID]);
  });

  it('refuses the options it cannot honour, never drops them', () => {
    for (const key of [
      'PopPublicKey',
      'FmiPath',
      'LongRunningWebApiSessionKey',
      'ManagedIdentity.UserAssignedClientId',
    ]) {
      const p = problem(plan(`optionsOverride.AcquireTokenOptions.${key}=x`, { api: APP_API }));
      assert.equal(p.status, 400, key);
      assert.match(p.detail, new RegExp(`${key.replace('.', '\\.')}: not supported by the local agent sidecar`), key);
    }
  });

  it('merges RelativePath, HttpMethod, AcceptHeader and extra parameters over the configured API (DownstreamApiOptionsMerger.cs:62-166)', () => {
    const api: SidecarApi = {
      ...APP_API,
      baseUrl: 'https://api.contoso.com/v1/',
      relativePath: 'forecast',
      extraHeaderParameters: { 'X-A': '1' },
    };
    const p = ok(
      plan(
        'optionsOverride.RelativePath=/today&optionsOverride.HttpMethod=patch&optionsOverride.ExtraHeaderParameters.X-B=2',
        {
          api,
          route: TOKEN_ROUTES.downstreamapiunauthenticated,
        },
      ),
    );
    assert.deepEqual(downstreamRequest(p.api), {
      url: 'https://api.contoso.com/v1/today',
      method: 'PATCH',
      headers: [
        ['accept', 'application/json'],
        ['X-A', '1'],
        ['X-B', '2'],
      ],
    });
  });
});

describe('the sidecar calls a downstream API as the container does', () => {
  it('joins BaseUrl and RelativePath with one slash, appends escaped extra query parameters (GetApiUrl; src/Microsoft.Identity.Web.DownstreamApi/DownstreamApi.cs:711-723)', () => {
    const r = downstreamRequest({
      name: 'x',
      scopes: ['s'],
      baseUrl: 'https://api.contoso.com/base//',
      relativePath: '//items?top=1',
      extraQueryParameters: { 'a b': "it's" },
    });
    assert.equal(r.url, 'https://api.contoso.com/base/items?top=1&a%20b=it%27s');
    assert.equal(downstreamRequest({ name: 'x', scopes: ['s'], baseUrl: 'https://h/p' }).url, 'https://h/p/');
  });

  it('sends Accept: application/json and GET unless configured, and never a reserved header (ReservedHeaderNames.cs)', () => {
    const r = downstreamRequest({
      name: 'x',
      scopes: ['s'],
      baseUrl: 'https://h',
      acceptHeader: 'text/csv',
      extraHeaderParameters: { Authorization: 'Bearer stolen', 'X-Forwarded-For': '1', Host: 'evil', 'X-Ok': 'y' },
    });
    assert.deepEqual(
      [r.method, r.headers],
      [
        'GET',
        [
          ['accept', 'text/csv'],
          ['X-Ok', 'y'],
        ],
      ],
    );
  });
});

describe("the sidecar reads the container's configuration as ASP.NET does", () => {
  const base = {
    AzureAd__TenantId: 't1',
    AzureAd__ClientId: AGENT,
    AzureAd__ClientCredentials__0__SourceType: 'ClientSecret',
    AzureAd__ClientCredentials__0__ClientSecret: 's3cret',
  };

  it('takes keys in any case, with __ or :, and lists in number order with gaps (Program.cs:35-48)', () => {
    const c = readContainerConfiguration({
      'azuread:tenantid': 't1',
      AZUREAD__CLIENTID: AGENT,
      'AzureAd:ClientCredentials:0:SourceType': 'clientsecret',
      AzureAd__ClientCredentials__0__ClientSecret: 's3cret',
      DownstreamApis__Weather__Scopes__10: 'b',
      downstreamapis__weather__scopes__2: 'a',
      DownstreamApis__Weather__RequestAppToken: ' True ',
      'Sidecar:AllowOverrides:GetAuthorizationHeaderUnauthenticated': 'true',
    });
    assert.deepEqual([c.tenant, c.clientId, c.authority], ['t1', AGENT, 'https://login.microsoftonline.com']);
    assert.deepEqual(c.apis, [{ name: 'Weather', scopes: ['a', 'b'], requestAppToken: true }]);
    assert.deepEqual(c.allowOverrides, { ...CONTAINER_ALLOW_OVERRIDES, GetAuthorizationHeaderUnauthenticated: true });
    assert.deepEqual(c.credential.source, { kind: 'secret' });
    assert.equal(c.credential.secretKey, 'AzureAd__ClientCredentials__0__ClientSecret', 'the variable as written');
  });

  it('reads every DownstreamApis option the sidecar uses (Microsoft.Identity.Abstractions DownstreamApiOptions)', () => {
    const c = readContainerConfiguration({
      ...base,
      DownstreamApis__me__BaseUrl: 'https://graph.microsoft.com/v1.0/',
      DownstreamApis__me__RelativePath: 'me',
      DownstreamApis__me__HttpMethod: 'GET',
      DownstreamApis__me__AcceptHeader: 'application/json',
      DownstreamApis__me__ContentType: 'application/json',
      DownstreamApis__me__Scopes__0: 'User.Read',
      'DownstreamApis__me__ExtraHeaderParameters__X-Trace': '1',
      'DownstreamApis__me__ExtraQueryParameters__api-version': '2',
    });
    assert.deepEqual(c.apis[0], {
      name: 'me',
      scopes: ['User.Read'],
      baseUrl: 'https://graph.microsoft.com/v1.0/',
      relativePath: 'me',
      httpMethod: 'GET',
      acceptHeader: 'application/json',
      contentType: 'application/json',
      extraHeaderParameters: { 'X-Trace': '1' },
      extraQueryParameters: { 'api-version': '2' },
    });
  });

  it('refuses what would stop the container, naming the key', () => {
    for (const [extra, message] of [
      [
        { DownstreamApis__me__Scopes: 'User.Read' },
        /DownstreamApis__me__Scopes is one value .* set DownstreamApis__me__Scopes__0/,
      ],
      [
        { Sidecar__AllowOverrides__CallDownstreamApi: 'yes' },
        /Sidecar__AllowOverrides__CallDownstreamApi: "yes" is not true or false/,
      ],
      [{ AzureAd__ClientCredentials__0__SourceType: 'Magic' }, /SourceType: "Magic" is not a credential source/],
    ] as const) {
      assert.throws(() => readContainerConfiguration({ ...base, ...extra }), message);
    }
    const { AzureAd__TenantId: _, ...noTenant } = base;
    assert.throws(() => readContainerConfiguration(noTenant), /^ContainerConfigError: AzureAd__TenantId is not set/);
  });

  it('takes AzureAd:Authority when neither Instance nor TenantId is given, and ignores it with a note otherwise (MergedOptions.ParseAuthorityIfNecessary; tests/Microsoft.Identity.Web.Test/MergedOptionsAuthorityParsingTests.cs)', () => {
    const { AzureAd__TenantId: _, ...noTenant } = base;
    for (const [authority, instance, tenant] of [
      [
        'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0',
        'https://login.microsoftonline.com',
        'contoso.onmicrosoft.com',
      ],
      ['https://login.microsoftonline.us/t2/', 'https://login.microsoftonline.us', 't2'],
      ['http://127.0.0.1:5000/sandbox-tenant', 'http://127.0.0.1:5000', 'sandbox-tenant'],
    ] as const) {
      const c = readContainerConfiguration({ ...noTenant, 'AzureAd:Authority': authority });
      assert.deepEqual([c.authority, c.tenant], [instance, tenant], authority);
      assert.deepEqual(c.notes, []);
    }
    // Instance or TenantId wins; Authority is ignored, with the container's warning.
    const both = readContainerConfiguration({ ...base, AzureAd__Authority: 'https://login.microsoftonline.us/other' });
    assert.deepEqual([both.authority, both.tenant], ['https://login.microsoftonline.com', 't1']);
    assert.match(both.notes.join(' '), /AzureAd__Authority is ignored: AzureAd__TenantId is set and takes precedence/);
    // The container reads the first segment as the tenant (a B2C policy, tfp, a longer path): shapes no Agent ID tenant
    // has are refused, never read as another tenant than the container's.
    for (const bad of [
      'login.microsoftonline.com/common',
      'https://login.microsoftonline.com/',
      'https://login.microsoftonline.com/v2.0',
      'https://login.microsoftonline.com/common/oauth2/v2.0',
      'https://x.b2clogin.com/x.onmicrosoft.com/B2C_1_susi/v2.0',
      'https://x.b2clogin.com/tfp/x.onmicrosoft.com/B2C_1_susi',
      'https://login.microsoftonline.com/t1?domain_hint=x',
      'file:///t1',
      'https://login.microsoftonline.com/con%20toso',
    ])
      assert.throws(
        () => readContainerConfiguration({ ...noTenant, AzureAd__Authority: bad }),
        /^ContainerConfigError: AzureAd__Authority: .* (is not a URL|is not an Entra tenant's authority)/,
        bad,
      );
    assert.throws(
      () => readContainerConfiguration({ ...base, AzureAd__Instance: 'javascript:alert(1)' }),
      /^ContainerConfigError: AzureAd__Instance: .* is not an http\(s\) URL/,
    );
  });

  it('takes the first credential it can load, and says which it skipped', () => {
    const c = readContainerConfiguration({
      ...base,
      AzureAd__ClientCredentials__0__SourceType: 'KeyVault',
      AzureAd__ClientCredentials__0__KeyVaultUrl: 'https://vault.example',
      AzureAd__ClientCredentials__1__SourceType: 'SignedAssertionFromManagedIdentity',
      AzureAd__ClientCredentials__1__ManagedIdentityClientId: OID,
    });
    assert.deepEqual(c.credential.source, { kind: 'managedIdentity', clientId: OID });
    assert.match(c.notes.join(' '), /Skipped .*KeyVault/);
    assert.throws(
      () => readContainerConfiguration({ ...base, AzureAd__ClientCredentials__0__SourceType: 'StoreWithThumbprint' }),
      /none of its credentials can be loaded here/,
    );
  });

  it('falls back to AZURE_FEDERATED_TOKEN_FILE without SignedAssertionFileDiskPath, and says the README key is not read', () => {
    const c = readContainerConfiguration({
      ...base,
      AzureAd__ClientCredentials__0__SourceType: 'SignedAssertionFilePath',
      AzureAd__ClientCredentials__0__SignedAssertionFilePath: '/var/run/secrets/azure/tokens/azure-identity-token',
      AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/azure-identity-token',
    });
    assert.deepEqual(c.credential.source, {
      kind: 'federatedTokenFile',
      path: '/var/run/secrets/azure/tokens/azure-identity-token',
    });
    assert.match(c.notes.join(' '), /SignedAssertionFilePath is not a property the container reads/);
  });

  it('reads Sidecar:AllowOutboundRedirects (Program.cs:50-56) and says redirects are still not followed here', () => {
    const c = readContainerConfiguration({ ...base, Sidecar__AllowOutboundRedirects: 'true' });
    assert.equal(c.allowOutboundRedirects, true);
    assert.match(
      c.notes.join(' '),
      /Sidecar__AllowOutboundRedirects is true: .* this sidecar answers them as they come/,
    );
  });

  it('reads AzureAd:Audience(s) and AzureAd:Scopes for /Validate (Endpoints/ValidateRequestEndpoints.cs:32-36)', () => {
    const c = readContainerConfiguration({
      ...base,
      AzureAd__Audience: 'api://mine',
      AzureAd__Audiences__0: 'api://other',
      AzureAd__Scopes: 'access_as_user',
    });
    assert.deepEqual([c.audiences, c.requiredScopes], [['api://mine', 'api://other'], ['access_as_user']]);
  });

  it('writes the keys the container needs beyond its defaults: overrides turned on, built-in APIs', () => {
    assert.deepEqual(
      keysBeyondDefaults(
        [{ name: 'graph', scopes: ['https://graph.microsoft.com/.default'], builtIn: true }, APP_API],
        { ...CONTAINER_ALLOW_OVERRIDES, GetAuthorizationHeaderUnauthenticated: true },
      ),
      [
        'Sidecar__AllowOverrides__GetAuthorizationHeaderUnauthenticated=true',
        'DownstreamApis__graph__Scopes__0=https://graph.microsoft.com/.default',
      ],
    );
  });
});
