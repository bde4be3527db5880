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
  /** For the agent's side: the Agents SDK connection's name of the blueprint. */
  readonly blueprintName?: string;
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
  ];
  for (const api of input.apis) for (const line of apiKeys(api)) pairs.push(splitPair(line));
  for (const r of OVERRIDE_ROUTES) pairs.push([`Sidecar__AllowOverrides__${r}`, String(input.allowOverrides[r])]);
  return pairs;
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
  const header = [
    `Microsoft's auth-sidecar container (${SIDECAR_IMAGE}) for blueprint ${input.blueprintName ? `"${input.blueprintName}" ` : ''}${input.clientId},`,
    'as the local sidecar of Entra Agent Tokens ran it. No secret is written here.',
    ...(fill
      ? [
          `Before use, set ${fill} (${input.credential.kind === 'secret' ? "the blueprint's client secret" : "the certificate's password"}).`,
        ]
      : []),
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
                secretKeyRef: {
                  name: 'auth-sidecar-credential',
                  key: value === `\${${SECRET_VARIABLE}}` ? 'client-secret' : 'certificate-password',
                },
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
      const secretNote = fill
        ? [
            `kubectl create secret generic auth-sidecar-credential --from-literal=${input.credential.kind === 'secret' ? 'client-secret' : 'certificate-password'}=...`,
          ]
        : [];
      return `${[...header, ...secretNote].map((l) => `# ${l}`).join('\n')}\n${stringify(doc, { lineWidth: 0 })}`;
    }
  }
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
