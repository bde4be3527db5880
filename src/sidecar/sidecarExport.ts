// Export for production: what runs Microsoft's auth-sidecar container with the configuration a local sidecar used,
// as an environment file, a Docker Compose file or a Kubernetes Deployment. Secrets are never written: a client
// secret or a certificate password becomes a reference the user fills (`${VAR}` in an env or Compose file, a
// secretKeyRef in Kubernetes). Pure: the faces write the text where the user says.
import { stringify } from 'yaml';
import type { CredentialSource } from '../core/credentials/credentialSource';
import { apiKeys, OVERRIDE_ROUTES, type AllowOverrides } from './overrides';
import type { SidecarApi } from './requestRecord';

/** The container image this stand-in follows (its CHANGELOG.md: 1.1.1, 2026-07-17). */
export const SIDECAR_IMAGE = 'mcr.microsoft.com/entra-sdk/auth-sidecar:1.1.1';
/** The port the agent's SIDECAR_URL names, here as locally (the Agents SDK's default). */
export const EXPORT_PORT = 5178;
/** The variable the exported files read the client secret (or the certificate password) from. */
export const SECRET_VARIABLE = 'AZUREAD_CLIENT_SECRET';
export const CERTIFICATE_PASSWORD_VARIABLE = 'AZUREAD_CERTIFICATE_PASSWORD';

export type ExportFormat = 'env' | 'compose' | 'kubernetes';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['env', 'compose', 'kubernetes'];

export interface SidecarExportInput {
  readonly authority: string;
  readonly tenant: string;
  readonly clientId: string;
  readonly credential: CredentialSource;
  /** Every API the sidecar served, built-ins included (the container then has them too). */
  readonly apis: readonly SidecarApi[];
  readonly allowOverrides: AllowOverrides;
  /** AzureAd__Audience(s) and AzureAd__Scopes, when the sidecar was configured with them (the container's keys). */
  readonly audiences?: readonly string[];
  readonly requiredScopes?: readonly string[];
  /** For the header: the blueprint's display name (outside text: written on one line, control characters dropped). */
  readonly blueprintName?: string;
}

/** One line of text, whatever it was given: control characters (line breaks included) dropped. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const oneLine = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');

/**
 * Extra header and query values may be keys (a function key, a `code=`): the export writes a reference to a
 * variable instead, named after the key, for the user to fill where the container runs.
 */
function referenceFor(key: string): string {
  return `\${${key
    .replace(/^DownstreamApis__/, 'API_')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase()}}`;
}

/**
 * The container's configuration as `KEY=value` pairs, in order: AzureAd__*, the credential (by reference),
 * DownstreamApis__*, Sidecar__AllowOverrides__* (all four, so the file says what is in force). A value `${VAR}` is
 * the user's to fill.
 */
export function containerEnvironment(input: SidecarExportInput): [string, string][] {
  const pairs: [string, string][] = [
    ['AzureAd__Instance', `${input.authority.replace(/\/+$/, '')}/`],
    ['AzureAd__TenantId', input.tenant],
    ['AzureAd__ClientId', input.clientId],
    ...credentialKeys(input.credential),
    ...(input.audiences ?? []).map((a, i) => [`AzureAd__Audiences__${i}`, a] as [string, string]),
    ...(input.requiredScopes?.length ? [['AzureAd__Scopes', input.requiredScopes.join(' ')] as [string, string]] : []),
  ];
  for (const api of input.apis)
    for (const line of apiKeys(api)) {
      const [key, value] = splitPair(line);
      pairs.push([key, /__Extra(Header|Query)Parameters__/.test(key) ? referenceFor(key) : value]);
    }
  for (const r of OVERRIDE_ROUTES) pairs.push([`Sidecar__AllowOverrides__${r}`, String(input.allowOverrides[r])]);
  // Every key and value on one line: nothing from outside can add a line (a key) to an env file.
  return pairs.map(([k, v]) => [oneLine(k), oneLine(v)]);
}

const CREDENTIAL = 'AzureAd__ClientCredentials__0__';

function credentialKeys(source: CredentialSource): [string, string][] {
  switch (source.kind) {
    case 'secret':
      return [
        [`${CREDENTIAL}SourceType`, 'ClientSecret'],
        [`${CREDENTIAL}ClientSecret`, `\${${SECRET_VARIABLE}}`],
      ];
    case 'certificate':
      return [
        [`${CREDENTIAL}SourceType`, 'Path'],
        [`${CREDENTIAL}CertificateDiskPath`, source.path],
        [`${CREDENTIAL}CertificatePassword`, `\${${CERTIFICATE_PASSWORD_VARIABLE}}`],
      ];
    case 'federatedTokenFile':
      return [
        [`${CREDENTIAL}SourceType`, 'SignedAssertionFilePath'],
        [`${CREDENTIAL}SignedAssertionFileDiskPath`, source.path],
      ];
    case 'managedIdentity':
      return [
        [`${CREDENTIAL}SourceType`, 'SignedAssertionFromManagedIdentity'],
        ...(source.clientId ? [[`${CREDENTIAL}ManagedIdentityClientId`, source.clientId] as [string, string]] : []),
      ];
  }
}

function splitPair(line: string): [string, string] {
  const at = line.indexOf('=');
  return [line.slice(0, at), line.slice(at + 1)];
}

/** What the agent's own container needs: SIDECAR_URL and the Agents SDK connection served by the sidecar. */
export function agentEnvironment(
  input: SidecarExportInput,
  sidecarUrl = `http://127.0.0.1:${EXPORT_PORT}`,
): [string, string][] {
  return [
    ['SIDECAR_URL', sidecarUrl],
    ['connections__serviceConnection__settings__authType', 'EntraAuthSideCar'],
    ['connections__serviceConnection__settings__clientId', input.clientId],
    ['connections__serviceConnection__settings__tenantId', input.tenant],
    ['connectionsMap__0__connection', 'serviceConnection'],
    ['connectionsMap__0__serviceUrl', '*'],
  ];
}

/** The export in one format, as text to write to a file. */
export function exportSidecar(input: SidecarExportInput, format: ExportFormat): string {
  const sidecar = containerEnvironment(input);
  const fill = needsFilling(input.credential);
  const references = [...new Set(sidecar.flatMap(([, v]) => [...v.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!)))];
  const others = references.filter((r) => r !== fill);
  const header: string[] = [
    `Microsoft's auth-sidecar container (${SIDECAR_IMAGE}) for blueprint ${input.blueprintName ? `"${oneLine(input.blueprintName)}" ` : ''}${input.clientId},`,
    'as the local sidecar of Entra Agent Tokens ran it. No secret is written here.',
    ...(fill
      ? [
          `Before use, set ${fill} (${input.credential.kind === 'secret' ? "the blueprint's client secret" : "the certificate's password"}).`,
        ]
      : []),
    ...(others.length ? [`Set also ${others.join(', ')} (extra header and query values, which may be keys).`] : []),
  ];
  switch (format) {
    case 'env':
      return [
        ...header.map((l) => `# ${l}`),
        '# The container listens on 127.0.0.1 and answers loopback callers only: run the agent in its network namespace.',
        `ASPNETCORE_URLS=http://127.0.0.1:${EXPORT_PORT}`,
        ...sidecar.map(([k, v]) => `${k}=${v}`),
        '',
        "# The agent's own environment:",
        ...agentEnvironment(input).map(([k, v]) => `# ${k}=${v}`),
        '',
      ].join('\n');
    case 'compose': {
      const doc = {
        services: {
          'auth-sidecar': {
            image: SIDECAR_IMAGE,
            environment: Object.fromEntries([['ASPNETCORE_URLS', `http://127.0.0.1:${EXPORT_PORT}`], ...sidecar]),
          },
          agent: {
            build: '.',
            // The sidecar answers loopback callers only (since 1.1.0): the agent shares its network namespace.
            network_mode: 'service:auth-sidecar',
            depends_on: ['auth-sidecar'],
            environment: Object.fromEntries(agentEnvironment(input)),
          },
        },
      };
      return `${header.map((l) => `# ${l}`).join('\n')}\n${stringify(doc, { lineWidth: 0 })}`;
    }
    case 'kubernetes': {
      const env = sidecar.map(([name, value]) =>
        /^\$\{(\w+)\}$/.test(value)
          ? {
              name,
              valueFrom: {
                secretKeyRef: { name: 'auth-sidecar-credential', key: secretKeyOf(value.slice(2, -1)) },
              },
            }
          : { name, value },
      );
      const doc = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'agent' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'agent' } },
          template: {
            metadata: {
              labels: {
                app: 'agent',
                ...(input.credential.kind === 'federatedTokenFile' ? { 'azure.workload.identity/use': 'true' } : {}),
              },
            },
            spec: {
              containers: [
                {
                  name: 'agent',
                  image: 'REPLACE-WITH-YOUR-AGENT-IMAGE',
                  env: agentEnvironment(input).map(([name, value]) => ({ name, value })),
                },
                {
                  name: 'auth-sidecar',
                  image: SIDECAR_IMAGE,
                  // Every address, so the kubelet's probes reach /healthz; the container answers other non-loopback
                  // callers 403 (LocalCallerRestriction.cs).
                  env: [{ name: 'ASPNETCORE_URLS', value: `http://+:${EXPORT_PORT}` }, ...env],
                  ports: [{ containerPort: EXPORT_PORT }],
                  livenessProbe: { httpGet: { path: '/healthz', port: EXPORT_PORT } },
                  readinessProbe: { httpGet: { path: '/healthz', port: EXPORT_PORT } },
                },
              ],
            },
          },
        },
      };
      const secretNote = references.length
        ? [
            `kubectl create secret generic auth-sidecar-credential ${references.map((r) => `--from-literal=${secretKeyOf(r)}=...`).join(' ')}`,
          ]
        : [];
      return `${[...header, ...secretNote].map((l) => `# ${l}`).join('\n')}\n${stringify(doc, { lineWidth: 0 })}`;
    }
  }
}

/** The key in the Kubernetes Secret for a variable: client-secret, certificate-password, or the variable in kebab case. */
function secretKeyOf(variable: string): string {
  if (variable === SECRET_VARIABLE) return 'client-secret';
  if (variable === CERTIFICATE_PASSWORD_VARIABLE) return 'certificate-password';
  return variable.toLowerCase().replace(/_/g, '-');
}

function needsFilling(source: CredentialSource): string | undefined {
  return source.kind === 'secret'
    ? SECRET_VARIABLE
    : source.kind === 'certificate'
      ? CERTIFICATE_PASSWORD_VARIABLE
      : undefined;
}

/**
 * An exported env file read back as a container would get it: comments and blank lines skipped, each `${VAR}`
 * replaced from `variables` (as Docker Compose interpolates); a variable left unset is an error naming it.
 */
export function readExportedEnvironment(text: string, variables: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [key, raw] = splitPair(line);
    out[key] = raw.replace(/\$\{(\w+)\}/g, (_, name: string) => {
      const v = variables[name];
      if (v === undefined) throw new Error(`${key} needs ${name}, which is not set.`);
      return v;
    });
  }
  return out;
}
