// The auth-sidecar container's configuration, read as ASP.NET reads it: keys in any case, `__` or `:` between their
// parts, lists as numbered children (`Scopes__0`, `Scopes__1`, in number order, gaps allowed). What this reads, and
// the defaults, follow the container's source (AzureAD/microsoft-identity-web, src/Microsoft.Identity.Web.Sidecar/ at
// dfeab823, release 1.1.x): Program.cs:35-48 (the AzureAd, DownstreamApis and Sidecar sections),
// Configuration/SidecarOptions.cs:38-56 (AllowOverrides and its defaults), appsettings.json:8-42.
// Pure: no I/O; the faces hand it their environment and say what it returns.
import { isGuid } from '../core/config/config';
import type { CredentialSource } from '../core/credentials/credentialSource';
import type { SidecarApi } from './requestRecord';
import { CONTAINER_ALLOW_OVERRIDES, OVERRIDE_ROUTES, type AllowOverrides } from './overrides';

export { CONTAINER_ALLOW_OVERRIDES, OVERRIDE_ROUTES, apiKeys, keysBeyondDefaults } from './overrides';
export type { AllowOverrides, OverrideRoute } from './overrides';

/** The credential the container would load, as this project describes one, and where its secret parts are. */
export interface ContainerCredential {
  readonly source: CredentialSource;
  /** The key whose value is the client secret (ClientSecret), or the certificate's password (Path). */
  readonly secretKey?: string;
  /** The configuration as the container reads it, to write back on export: `SourceType` and its own keys. */
  readonly keys: Readonly<Record<string, string>>;
}

export interface ContainerConfig {
  /** Origin of AzureAd:Instance (default https://login.microsoftonline.com/). */
  readonly authority: string;
  readonly tenant: string;
  readonly clientId: string;
  readonly credential: ContainerCredential;
  /** AzureAd:Audience / AzureAd:Audiences; empty: the defaults (the client id and api://client id). */
  readonly audiences: readonly string[];
  /** AzureAd:Scopes, which /Validate requires one of (ValidateRequestEndpoints.cs:32-36); empty: none required. */
  readonly requiredScopes: readonly string[];
  readonly apis: readonly SidecarApi[];
  readonly allowOverrides: AllowOverrides;
  /** Sidecar:AllowOutboundRedirects (Program.cs:50-56, default false). */
  readonly allowOutboundRedirects: boolean;
  /** What the container would read differently or not at all, said once at start (never a secret). */
  readonly notes: readonly string[];
}

/** A configuration the container would not start with, or one this stand-in cannot serve; `key` names the culprit. */
export class ContainerConfigError extends Error {
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(problem.startsWith('is ') ? `${key} ${problem}` : `${key}: ${problem}`);
    this.name = 'ContainerConfigError';
  }
}

/** One configuration node: a value and children, looked up in any case, keeping the case a key was first written in. */
interface Node {
  value?: string;
  /** The environment variable that set the value, as written (where a secret is read from). */
  key?: string;
  /** The key as written (its first spelling), for messages and for names that matter (DownstreamApis' API names). */
  readonly path: string;
  readonly children: Map<string, { readonly name: string; readonly node: Node }>;
}

function tree(env: NodeJS.ProcessEnv): Node {
  const root: Node = { path: '', children: new Map() };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    // ASP.NET's environment provider turns `__` into the `:` delimiter; `:` itself works where a shell allows it.
    const parts = key.split(/__|:/);
    if (!/^(AzureAd|DownstreamApis|Sidecar)$/i.test(parts[0] ?? '')) continue;
    let node = root;
    for (const part of parts) {
      const k = part.toLowerCase();
      let child = node.children.get(k);
      if (!child) {
        child = { name: part, node: { path: node.path ? `${node.path}__${part}` : part, children: new Map() } };
        node.children.set(k, child);
      }
      node = child.node;
    }
    node.value = value;
    node.key = key;
  }
  return root;
}

const at = (node: Node | undefined, ...names: string[]): Node | undefined =>
  names.reduce<Node | undefined>((n, name) => n?.children.get(name.toLowerCase())?.node, node);
const text = (node: Node | undefined, ...names: string[]): string | undefined => {
  const v = at(node, ...names)?.value?.trim();
  return v ? v : undefined;
};

/** A list as the binder reads one: numbered children in number order; a plain value is not a list. */
function list(node: Node | undefined, key: string): string[] {
  if (!node) return [];
  if (node.children.size === 0 && node.value !== undefined && node.value.trim() !== '')
    throw new ContainerConfigError(
      key,
      `is one value ("${node.value.slice(0, 60)}"), but the container reads a list: set ${key}__0 (and __1, … for more).`,
    );
  return [...node.children.values()]
    .map(({ name, node: n }) => ({ i: /^\d{1,4}$/.test(name) ? Number(name) : NaN, v: n.value?.trim() }))
    .filter((e) => Number.isFinite(e.i) && e.v)
    .sort((a, b) => a.i - b.i)
    .map((e) => e.v!);
}

/** bool as .NET parses it (any case, surrounding spaces); anything else stops the container at start. */
function bool(node: Node | undefined, key: string, fallback: boolean): boolean {
  const v = node?.value?.trim();
  if (v === undefined || v === '') return fallback;
  if (/^true$/i.test(v)) return true;
  if (/^false$/i.test(v)) return false;
  throw new ContainerConfigError(key, `"${v.slice(0, 30)}" is not true or false (the container would not start).`);
}

function dictionary(node: Node | undefined): Record<string, string> | undefined {
  if (!node || node.children.size === 0) return undefined;
  const out: Record<string, string> = {};
  for (const { name, node: n } of node.children.values()) if (n.value !== undefined) out[name] = n.value;
  return out;
}

/**
 * Where the blueprint signs in, as Microsoft.Identity.Web reads it (MergedOptions.ParseAuthorityIfNecessary):
 * `AzureAd:Instance` + `AzureAd:TenantId`; or `AzureAd:Authority` when neither is given, its first path segment the
 * tenant (tests/Microsoft.Identity.Web.Test/MergedOptionsAuthorityParsingTests.cs), a `/v2.0` after it allowed. With
 * both kinds given, Instance and TenantId win and Authority is ignored, as the container warns. Only the shapes an
 * Agent ID tenant has are taken (`http(s)://host/<tenant>[/v2.0]`): other paths (B2C policies, `tfp`, `dstsv2`) and
 * query strings are refused by name rather than read differently from the container.
 */
function authorityOf(
  azureAd: Node | undefined,
  notes: string[],
  tenantId: () => string,
): { authority: string; tenant: string } {
  const given = text(azureAd, 'Authority');
  const instanceKey = text(azureAd, 'Instance');
  if (given && !instanceKey && !text(azureAd, 'TenantId')) {
    const shape =
      'use http(s)://<sign-in host>/<tenant id or domain>, as https://login.microsoftonline.com/contoso.onmicrosoft.com';
    let url: URL;
    try {
      url = new URL(given);
    } catch {
      throw new ContainerConfigError('AzureAd__Authority', `"${given.slice(0, 60)}" is not a URL: ${shape}.`);
    }
    const segments = url.pathname.split('/').filter(Boolean);
    if (segments.length === 2 && segments[1]!.toLowerCase() === 'v2.0') segments.pop();
    const tenant = segments[0];
    if (
      !/^https?:$/.test(url.protocol) ||
      url.search ||
      url.hash ||
      segments.length !== 1 ||
      !tenant ||
      !/^[A-Za-z0-9._-]+$/.test(tenant) ||
      tenant.toLowerCase() === 'v2.0'
    )
      throw new ContainerConfigError(
        'AzureAd__Authority',
        `"${given.slice(0, 60)}" is not an Entra tenant's authority: ${shape} (a /v2.0 after it is allowed).`,
      );
    return { authority: url.origin, tenant };
  }
  if (given)
    notes.push(
      `AzureAd__Authority is ignored: ${instanceKey ? 'AzureAd__Instance' : 'AzureAd__TenantId'} is set and takes precedence, as in the container (Microsoft.Identity.Web logs a warning). Remove one or the other.`,
    );
  const instance = instanceKey ?? 'https://login.microsoftonline.com/';
  let authority: string;
  try {
    const url = new URL(instance);
    if (!/^https?:$/.test(url.protocol)) throw new Error();
    authority = url.origin;
  } catch {
    throw new ContainerConfigError('AzureAd__Instance', `"${instance.slice(0, 60)}" is not an http(s) URL.`);
  }
  return { authority, tenant: tenantId() };
}

/**
 * Reads the container's keys from an environment. Errors name the key, as a container that would not start (or this
 * stand-in that cannot serve it) should.
 */
export function readContainerConfiguration(env: NodeJS.ProcessEnv): ContainerConfig {
  const root = tree(env);
  const azureAd = at(root, 'AzureAd');
  const notes: string[] = [];
  const need = (name: string, what: string) => {
    const v = text(azureAd, name);
    if (!v) throw new ContainerConfigError(`AzureAd__${name}`, `is not set: it holds ${what}.`);
    return v;
  };
  const clientId = need('ClientId', "the blueprint's client id");
  if (!isGuid(clientId))
    throw new ContainerConfigError('AzureAd__ClientId', `"${clientId.slice(0, 60)}" is not a GUID.`);
  const { authority, tenant } = authorityOf(azureAd, notes, () =>
    need('TenantId', "the blueprint's tenant (id or domain)"),
  );
  const audience = text(azureAd, 'Audience');
  const audiences = [...(audience ? [audience] : []), ...list(at(azureAd, 'Audiences'), 'AzureAd__Audiences')];
  const scopesValue = text(azureAd, 'Scopes');
  const requiredScopes = scopesValue ? scopesValue.split(/\s+/).filter(Boolean) : [];

  const sidecar = at(root, 'Sidecar');
  const gates = at(sidecar, 'AllowOverrides');
  const allowOverrides = Object.fromEntries(
    OVERRIDE_ROUTES.map((r) => [r, bool(at(gates, r), `Sidecar__AllowOverrides__${r}`, CONTAINER_ALLOW_OVERRIDES[r])]),
  ) as unknown as AllowOverrides;
  const allowOutboundRedirects = bool(at(sidecar, 'AllowOutboundRedirects'), 'Sidecar__AllowOutboundRedirects', false);
  if (allowOutboundRedirects)
    notes.push(
      "Sidecar__AllowOutboundRedirects is true: the container would follow an API's redirects with the token; this sidecar answers them as they come (it never sends a token to a place the API names).",
    );

  return {
    authority,
    tenant,
    clientId: clientId.toLowerCase(),
    credential: credentialOf(azureAd, env, notes),
    audiences,
    requiredScopes,
    apis: apisOf(at(root, 'DownstreamApis')),
    allowOverrides,
    allowOutboundRedirects,
    notes,
  };
}

/** DownstreamApis:NAME:* as APIs, by their names as written (the container looks an API up in exact case). */
function apisOf(section: Node | undefined): SidecarApi[] {
  if (!section) return [];
  return [...section.children.values()].map(({ name, node }) => {
    const key = (part: string) => `${node.path}__${part}`;
    const baseUrl = text(node, 'BaseUrl');
    if (baseUrl !== undefined) {
      let url: URL | undefined;
      try {
        url = new URL(baseUrl);
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
        throw new ContainerConfigError(key('BaseUrl'), `"${baseUrl.slice(0, 60)}" is not an http(s) URL.`);
    }
    const optional = {
      baseUrl,
      relativePath: text(node, 'RelativePath'),
      httpMethod: text(node, 'HttpMethod'),
      acceptHeader: text(node, 'AcceptHeader'),
      contentType: text(node, 'ContentType'),
      extraHeaderParameters: dictionary(at(node, 'ExtraHeaderParameters')),
      extraQueryParameters: dictionary(at(node, 'ExtraQueryParameters')),
    };
    return {
      name,
      scopes: list(at(node, 'Scopes'), key('Scopes')),
      ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
      ...(bool(at(node, 'RequestAppToken'), key('RequestAppToken'), false) ? { requestAppToken: true } : {}),
    };
  });
}

/** Source types the container knows (Microsoft.Identity.Abstractions' CredentialSource) that this sidecar cannot load. */
const UNSERVED_SOURCES: Readonly<Record<string, string>> = {
  keyvault: 'a Key Vault certificate (this sidecar does not reach Key Vault)',
  storewiththumbprint: 'a certificate in a Windows certificate store',
  storewithdistinguishedname: 'a certificate in a Windows certificate store',
  base64encoded: 'a certificate given inline as base64 (save it to a file and use SourceType Path)',
  signedassertionfromvault: 'a signed assertion from Key Vault',
  autodecryptkeys: 'auto-decrypt keys',
  customsignedassertion: 'a custom signed assertion provider',
  certificate: 'a certificate object (only code can give one)',
};

/**
 * The first credential of AzureAd:ClientCredentials that this sidecar can load, as the container takes the first that
 * loads; AzureAd:ClientSecret when there is no list. Secret values stay in the environment: only their keys are kept.
 */
function credentialOf(azureAd: Node | undefined, env: NodeJS.ProcessEnv, notes: string[]): ContainerCredential {
  const section = at(azureAd, 'ClientCredentials');
  const entries = section
    ? [...section.children.values()]
        .filter(({ name }) => /^\d{1,4}$/.test(name))
        .sort((a, b) => Number(a.name) - Number(b.name))
    : [];
  const skipped: string[] = [];
  for (const { node } of entries) {
    const typeKey = `${node.path}__SourceType`;
    const type = text(node, 'SourceType');
    if (!type) throw new ContainerConfigError(typeKey, 'is not set: it says what kind of credential this is.');
    const secretKey = (part: string) => at(node, part)?.key ?? `${node.path}__${part}`;
    switch (type.toLowerCase()) {
      case 'clientsecret': {
        if (!text(node, 'ClientSecret'))
          throw new ContainerConfigError(
            secretKey('ClientSecret'),
            "is not set: it holds the blueprint's client secret.",
          );
        return done({ source: { kind: 'secret' }, secretKey: secretKey('ClientSecret'), keys: { SourceType: type } });
      }
      case 'signedassertionfilepath': {
        // The property is SignedAssertionFileDiskPath; without it, AZURE_FEDERATED_TOKEN_FILE (as Azure workload identity sets).
        const path = text(node, 'SignedAssertionFileDiskPath') ?? env.AZURE_FEDERATED_TOKEN_FILE?.trim();
        if (text(node, 'SignedAssertionFilePath') !== undefined)
          notes.push(
            `${node.path}__SignedAssertionFilePath is not a property the container reads (it is SignedAssertionFileDiskPath); the container ignores it${path ? `, and uses ${path}` : ''}.`,
          );
        if (!path)
          throw new ContainerConfigError(
            `${node.path}__SignedAssertionFileDiskPath`,
            'is not set, nor is AZURE_FEDERATED_TOKEN_FILE: one of them names the federated token file.',
          );
        const keys: Record<string, string> = { SourceType: type };
        if (text(node, 'SignedAssertionFileDiskPath')) keys.SignedAssertionFileDiskPath = path;
        return done({ source: { kind: 'federatedTokenFile', path }, keys });
      }
      case 'signedassertionfrommanagedidentity': {
        const id = text(node, 'ManagedIdentityClientId');
        if (id && !isGuid(id))
          throw new ContainerConfigError(
            `${node.path}__ManagedIdentityClientId`,
            `"${id.slice(0, 40)}" is not a client id (GUID); leave it out for the system-assigned identity.`,
          );
        return done({
          source: { kind: 'managedIdentity', ...(id ? { clientId: id } : {}) },
          keys: { SourceType: type, ...(id ? { ManagedIdentityClientId: id } : {}) },
        });
      }
      case 'path': {
        const path = text(node, 'CertificateDiskPath');
        if (!path)
          throw new ContainerConfigError(
            `${node.path}__CertificateDiskPath`,
            'is not set: it names the certificate file.',
          );
        return done({
          source: { kind: 'certificate', path },
          ...(text(node, 'CertificatePassword') ? { secretKey: secretKey('CertificatePassword') } : {}),
          keys: { SourceType: type, CertificateDiskPath: path },
        });
      }
      default: {
        const why = UNSERVED_SOURCES[type.toLowerCase()];
        if (!why)
          throw new ContainerConfigError(
            typeKey,
            `"${type.slice(0, 40)}" is not a credential source the container knows.`,
          );
        skipped.push(`${typeKey}=${type} (${why})`);
      }
    }
  }
  if (entries.length === 0 && text(azureAd, 'ClientSecret'))
    return { source: { kind: 'secret' }, secretKey: at(azureAd, 'ClientSecret')!.key, keys: {} };
  if (skipped.length)
    throw new ContainerConfigError(
      'AzureAd__ClientCredentials',
      `none of its credentials can be loaded here: ${skipped.join('; ')}. Add one this sidecar can load (ClientSecret, Path, SignedAssertionFilePath or SignedAssertionFromManagedIdentity).`,
    );
  throw new ContainerConfigError(
    'AzureAd__ClientCredentials__0__SourceType',
    'is not set: the blueprint needs a credential (ClientSecret, Path, SignedAssertionFilePath or SignedAssertionFromManagedIdentity).',
  );

  function done(credential: ContainerCredential): ContainerCredential {
    if (skipped.length)
      notes.push(
        `Skipped credentials this sidecar cannot load, as the container skips one that fails: ${skipped.join('; ')}.`,
      );
    return credential;
  }
}
