import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AgentTokenEngine,
  type AgentTokenEngineOptions,
  type AutonomousTokenRequest,
} from '../src/core/engine/agentTokens';
import { clientSecret } from '../src/core/credentials/credentials';
import { SandboxTenant, type SandboxOptions } from '../src/sandbox/server';
import { defaultDirectoryFile, type DirectoryFile } from '../src/sandbox/directory';

// Bundled copies of these helpers (the in-VS-Code tests) run from out/, so the folder can be given.
export const fixtures = process.env.EAT_FIXTURES ?? join(__dirname, 'fixtures');
export const fixture = (name: string) => readFileSync(join(fixtures, name), 'utf8');

export const SANDBOX_TENANT = '7c1d2f3a-5b6e-4f80-9a1b-2c3d4e5f6a7b';
export const BLUEPRINT = '0b5e6a7c-1d2e-4f3a-8b9c-0d1e2f3a4b5c';
export const AGENT = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
export const OTHER_AGENT = 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e';
/** A second blueprint (with the fixture certificate) and its agent, plus a stray agent under no blueprint of ours. */
export const CERT_BLUEPRINT = 'c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f';
export const CERT_AGENT = 'd4e5f6a7-b8c9-4d0e-9f1a-3b4c5d6e7f80';
export const DISABLED_AGENT = 'e5f6a7b8-c9d0-4e1f-8a2b-4c5d6e7f8091';
export const SECRET = 'test-secret-value~0123456789';
/** A v1-token resource of the sandbox (not Graph): its API validates v2 issuers only, on purpose. */
export const LEGACY_API = 'api://sandbox-legacy';
/** The test directory's own API (not the sandbox's): its scope, and its app id. */
export const JOBS_API = 'api://contoso-jobs';
export const JOBS_SCOPE = 'api://contoso-jobs/.default';
export const JOBS_API_APP_ID = '8a4b6f5e-1c7d-4e9f-8a2b-4d5e6f708192';
export const LEGACY_API_APP_ID = '6e2f4d3c-9a5b-4c7d-8e0f-2b3c4d5e6f70';
/** The wire value, spelled here once so the tests check the source's constant rather than share it. */
export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export { SANDBOX_PUBLIC_CLIENT_ID, SANDBOX_USER_PASSWORD } from '../src/sandbox/directory';
export const USER_ID = 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f';
export const USER_UPN = 'ada@sandbox.onmicrosoft.com';
export const AGENT_USER_ID = 'd2e3f4a5-b6c7-4d8e-9f0a-1b2c3d4e5f60';
export const AGENT_USER_UPN = 'research-agent@sandbox.onmicrosoft.com';
/** A blueprint whose credentials are federated: the sandbox's external issuer (a CI workload) and a managed identity. */
export const FED_BLUEPRINT = 'f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9';
export const FED_AGENT = 'e2d3c4b5-a697-4889-9a0b-1c2d3e4f5a6b';
export const WORKLOAD_SUBJECT = 'repo:contoso/agents:ref:refs/heads/main';
export const MI_CLIENT_ID = 'a9b8c7d6-e5f4-4a3b-8c2d-1e0f9a8b7c6d';
export const MI_OBJECT_ID = 'b8c7d6e5-f4a3-4b2c-9d1e-0f9a8b7c6d5e';

/** The sandbox's single-instance blueprint: one client id for blueprint and agent, two object ids. */
export const SINGLE_INSTANCE = '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e';
export const SINGLE_INSTANCE_BLUEPRINT_OBJECT = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b';
export const SINGLE_INSTANCE_AGENT_OBJECT = '4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f70';

/** A second tenant in the same sandbox, with its own blueprint and agent. */
export const SECOND_TENANT = 'f6a7b8c9-d0e1-4f2a-9b3c-5d6e7f809102';
export const SECOND_BLUEPRINT = 'a7b8c9d0-e1f2-4a3b-8c4d-6e7f80910213';
export const SECOND_AGENT = 'b8c9d0e1-f2a3-4b4c-9d5e-7f8091021324';

/** The default directory with a known secret, plus a certificate blueprint and a disabled agent. */
export function testDirectory(): DirectoryFile {
  const file = defaultDirectoryFile();
  const tenant = file.tenants[0]!;
  tenant.blueprints[0]!.clientSecrets = [SECRET];
  tenant.blueprints.find((b) => b.singleInstance)!.clientSecrets = [SECRET];
  tenant.blueprints[0]!.agents.push({ clientId: DISABLED_AGENT, displayName: 'Disabled Agent', disabled: true });
  // The sandbox's weather API is multi-tenant here: the second tenant can get tokens for it (another tenant's).
  const weather = tenant.resources!.find((r) => r.identifierUri === 'api://sandbox-weather')!;
  // An API of the user's own, not one of the sandbox's: its tokens may go to a host the user lists (tests run it on
  // another loopback port), as a real API's would; the Research Agent holds its role.
  tenant.resources!.push({
    appId: JOBS_API_APP_ID,
    identifierUri: JOBS_API,
    displayName: 'Contoso Jobs API',
    accessTokenVersion: 2,
    appRoles: ['Jobs.Read'],
  });
  const research = tenant.blueprints[0]!.agents.find((a) => a.clientId === AGENT)!;
  research.roles = { ...research.roles, [JOBS_API]: ['Jobs.Read'] };
  const certPem = fixture('blueprint-cert.pem').split('-----BEGIN PRIVATE KEY-----')[0]!;
  tenant.blueprints.push({
    clientId: CERT_BLUEPRINT,
    displayName: 'Certificate Blueprint',
    certificates: [certPem],
    agents: [
      {
        clientId: CERT_AGENT,
        displayName: 'Cert Agent',
        roles: { 'api://sandbox-weather': ['Forecast.Read'] },
        delegated: { 'https://graph.microsoft.com': ['User.Read'] },
      },
    ],
  });
  tenant.managedIdentities = [{ clientId: MI_CLIENT_ID, objectId: MI_OBJECT_ID }];
  tenant.blueprints.push({
    clientId: FED_BLUEPRINT,
    displayName: 'Federated Blueprint',
    federatedCredentials: [
      { issuer: '{authority}/external', subject: WORKLOAD_SUBJECT },
      { issuer: `{authority}/${tenant.id}/v2.0`, subject: MI_OBJECT_ID },
    ],
    agents: [
      {
        clientId: FED_AGENT,
        displayName: 'Federated Agent',
        roles: { 'https://graph.microsoft.com': ['User.Read.All'] },
        delegated: { 'https://graph.microsoft.com': ['User.Read'] },
      },
    ],
  });
  // Agent users of the certificate and federated agents, for the flow × credential matrix.
  tenant.users!.push(
    {
      id: '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f',
      userPrincipalName: 'cert-agent@sandbox.onmicrosoft.com',
      identityParentId: CERT_AGENT,
    },
    {
      id: '4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a',
      userPrincipalName: 'fed-agent@sandbox.onmicrosoft.com',
      identityParentId: FED_AGENT,
    },
  );
  file.tenants.push({
    id: SECOND_TENANT,
    domains: ['second.onmicrosoft.com'],
    resources: [weather],
    blueprints: [{ clientId: SECOND_BLUEPRINT, clientSecrets: [SECRET], agents: [{ clientId: SECOND_AGENT }] }],
  });
  return file;
}

/** The usual request of the tests: the sandbox blueprint's first agent, for Graph, with the known secret. */
export function sandboxRequest(
  sandbox: { readonly authority: string },
  over: Partial<AutonomousTokenRequest> = {},
): AutonomousTokenRequest {
  return {
    authority: sandbox.authority,
    tenant: SANDBOX_TENANT,
    blueprintId: BLUEPRINT,
    agentId: AGENT,
    scope: 'https://graph.microsoft.com/.default',
    credential: clientSecret(SECRET),
    ...over,
  };
}

/** Every sandbox a test started and has not stopped: the root hooks (test/rootHooks.ts) check and reset them. */
export const liveSandboxes = new Set<SandboxTenant>();

export async function startSandbox(options: SandboxOptions = {}): Promise<SandboxTenant> {
  const sandbox = await SandboxTenant.start({ directory: testDirectory(), ...options });
  liveSandboxes.add(sandbox);
  const stop = sandbox.stop.bind(sandbox);
  sandbox.stop = () => {
    liveSandboxes.delete(sandbox);
    return stop();
  };
  return sandbox;
}

let shared: Promise<SandboxTenant> | undefined;

/**
 * One sandbox for every in-process managed-identity test: msal-node (under @azure/identity) remembers the MI endpoint
 * and its tokens process-wide, so all of them must talk to the same endpoint. IDENTITY_ENDPOINT/HEADER point at it.
 * Tests that need the endpoint down run in a child process (the CLI tests).
 */
export function managedIdentitySandbox(): Promise<SandboxTenant> {
  shared ??= startSandbox().then((sandbox) => {
    process.env.IDENTITY_ENDPOINT = sandbox.managedIdentityEndpoint;
    process.env.IDENTITY_HEADER = sandbox.identityHeader;
    return sandbox;
  });
  return shared;
}

export async function stopManagedIdentitySandbox(): Promise<void> {
  const current = shared;
  shared = undefined;
  if (current) await (await current).stop();
}

/** A user token (Tc) from the sandbox's password grant, for the on-behalf-of flow. */
export async function userToken(authority: string, scope = `api://${BLUEPRINT}/access_as_user`): Promise<string> {
  const { SANDBOX_PUBLIC_CLIENT_ID: client, SANDBOX_USER_PASSWORD: password } =
    await import('../src/sandbox/directory');
  const res = await fetch(`${authority}/${SANDBOX_TENANT}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      client_id: client,
      grant_type: 'password',
      username: 'ada@sandbox.onmicrosoft.com',
      password,
      scope,
    }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no user token: ${JSON.stringify(body)}`);
  return body.access_token;
}

export const tls = () => ({ cert: fixture('tls/server.pem'), key: fixture('tls/server-key.pem') });
export const testCa = () => fixture('tls/ca.pem');

/**
 * The set-up most engine suites share, as mocha hooks: one sandbox for the suite (records cleared before each test)
 * and a fresh engine per test, closed after it. With `engineFor: 'suite'`, one engine serves the whole suite (its
 * caches shared by the tests): made in before() just after the sandbox starts, closed in after() just before it stops.
 * Read `sandbox` and `engine` inside hooks and tests only.
 */
export function sandboxAndEngine(
  options: { sandbox?: SandboxOptions; engine?: AgentTokenEngineOptions; engineFor?: 'test' | 'suite' } = {},
): {
  readonly sandbox: SandboxTenant;
  readonly engine: AgentTokenEngine;
} {
  const perSuite = options.engineFor === 'suite';
  let sandbox: SandboxTenant | undefined;
  let engine: AgentTokenEngine | undefined;
  before(async () => {
    sandbox = await startSandbox(options.sandbox);
    if (perSuite) engine = new AgentTokenEngine(options.engine);
  });
  after(async () => {
    if (perSuite) await engine?.close();
    await sandbox?.stop();
  });
  beforeEach(() => {
    sandbox!.clearRecords();
    if (!perSuite) engine = new AgentTokenEngine(options.engine);
  });
  if (!perSuite) afterEach(() => engine?.close());
  return {
    get sandbox() {
      if (!sandbox) throw new Error('the sandbox starts in before(): read it inside a hook or a test');
      return sandbox;
    },
    get engine() {
      if (!engine) {
        throw new Error(
          perSuite
            ? 'the engine is made in before(): read it inside a later hook or a test'
            : 'the engine is made in beforeEach(): read it inside a test',
        );
      }
      return engine;
    },
  };
}
