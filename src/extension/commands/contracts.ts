// What the commands take and give back, apart from the handlers that do the work: signatures.ts maps each command
// to these, and everything that calls a command (the tree, the status bar, the inspector, the tests) depends on this
// file and never on a handler. It imports types only from core, the sidecar and the definitions' rules, so no import cycle can run
// through it (the lint's cycle check keeps it so).
import type { ExportFormat } from '../../sidecar/sidecarExport';
import type { ApiAnswer } from '../../core/tools/agentTools';
import type { AgentFlow } from '../../core/engine/agentTokens';
import type { SetupStep } from '../../core/graph/blueprintSetup';
import type { CloudName } from '../../core/config/clouds';
import type {
  AgentDefinition,
  AgentUserReference,
  BlueprintDefinition,
  CredentialKind,
  DEFINITIONS_FILE_KIND,
} from '../definitions/definitionRules';
import type { AgentFailure, HeldToken } from '../tokens/tokenStore';

/** A held token, named: the agent, the scope, and for a user's token its user. */
export interface TokenRef {
  agentId: string;
  scope: string;
  subject?: string;
}

// Tree rows a command accepts, recognised by their kind (nodeArgs.ts): the tree's classes implement these.
export interface BlueprintRow {
  readonly kind: 'blueprint';
  readonly blueprint: BlueprintDefinition;
}
export interface AgentRow {
  readonly kind: 'agent';
  readonly agent: AgentDefinition;
}
export interface AgentUserRow {
  readonly kind: 'agentUser';
  readonly agent: AgentDefinition;
  readonly user: AgentUserReference;
}
export interface TokenRow {
  readonly kind: 'token';
  readonly token: HeldToken;
}
export interface FailureRow {
  readonly kind: 'failure';
  readonly failure: AgentFailure;
}
export interface SidecarRequestRow {
  readonly kind: 'sidecarRequest';
  readonly entry: { readonly id: number };
}

export interface AddAgentIdentityArgs {
  blueprintId: string;
  clientId: string;
  displayName: string;
  defaultScope?: string;
  /** The agent's home tenant, when it is not the blueprint's. */
  tenant?: string;
}

export interface AddBlueprintArgs {
  tenant: string;
  clientId: string;
  displayName: string;
  credentialKind: CredentialKind;
  authority?: string;
  clientSecret?: string;
  certificatePath?: string;
  certificatePassphrase?: string;
  assertionAlgorithm?: 'PS256' | 'RS256';
  federatedTokenFile?: string;
  managedIdentityClientId?: string;
  /**
   * Single-instance (preview): its one agent identity, which shares its client id, is added with it under
   * `agentDisplayName` (default: the blueprint's name).
   */
  singleInstance?: boolean;
  agentDisplayName?: string;
}

export type CredentialInput = Pick<
  AddBlueprintArgs,
  | 'credentialKind'
  | 'clientSecret'
  | 'certificatePath'
  | 'certificatePassphrase'
  | 'federatedTokenFile'
  | 'managedIdentityClientId'
>;

export interface CallApiArgs {
  agentId: string;
  url: string;
  /**
   * A local agent: call with the token of the user signed in to it (Sign In to Local Agent…, held in the tree) for
   * the URL's resource, instead of the agent's own.
   */
  asSignedInUser?: boolean;
  /** Default GET, or POST with a body. */
  method?: string;
  /** `Name: value` lines, or name → value. */
  headers?: string | Record<string, string>;
  body?: string;
  /** Default: inferred from the URL (Graph, the sandbox's APIs), else the agent's default scope when the host is its. */
  scope?: string;
  /**
   * A host outside the scope's resource is confirmed by the user from the palette; a script that means it says so
   * here. Without it, a script's call to such a host is refused.
   */
  confirmHost?: boolean;
  /** Default true: show the exchange and the answer in the inspector. */
  openInspector?: boolean;
  confirmImportedCredential?: boolean;
  /**
   * The scope was chosen by a model (agent mode's tool), not typed by a person: a resource URI that names a host
   * then grants that host nothing (core/api/apiHosts.ts).
   */
  scopeFromModel?: boolean;
}

/** What the command returns to a script: the answer, and for a status ≥ 400 why. Never the token. */
export interface CallApiSummary extends ApiAnswer {
  agentId: string;
  resourceMetadata?: { resource?: string; scopes: readonly string[] };
  /** The API's metadata names another scope than the one used: call again with this one. */
  retryScope?: string;
}

export interface CreateAgentIdentityArgs {
  blueprintId: string;
  /** Asked for when left out. */
  displayName?: string;
  /** Object ids of users accountable for it. */
  sponsors?: string[];
}

export interface DiscoverAgentIdentitiesArgs {
  blueprintId: string;
}

export interface CreateAgentUserArgs {
  agentId: string;
  userPrincipalName: string;
  displayName?: string;
}

export interface NewBlueprintArgs {
  displayName: string;
  /** "sandbox" (a script's default; started if needed), or a tenant id or domain for a real tenant. */
  tenant?: string;
  /** A real tenant's cloud: public (default), usgov or china. */
  cloud?: CloudName;
  /** Single-instance (preview, Graph beta): no principal; its one agent identity is made with it. */
  singleInstance?: boolean;
}

export interface GrantPermissionsArgs {
  /** The agent identity to grant to; or `blueprintId`: grants to the blueprint's principal, which its agents inherit. */
  agentId?: string;
  blueprintId?: string;
  /**
   * On a blueprint: what its agent identities inherit of this resource. `picked` (default): the scopes given and,
   * when app roles are given, every role granted to its principal; `all`: every scope and role granted to it;
   * `none`: nothing (the resource is no longer listed as inheritable).
   */
  inherit?: 'picked' | 'all' | 'none';
  /** The resource: identifier URI (api://…, https://graph.microsoft.com) or app id; asked for when absent. */
  resource?: string;
  /** App roles to assign, by value. With neither these nor scopes, the resource's own list is offered to pick from. */
  appRoles?: string[];
  /** Delegated scopes to consent for all users, by value. */
  scopes?: string[];
}

export interface SignInLocalAgentArgs {
  /** The local agent: a single-instance agent in the list (its client id is its blueprint's). */
  agentId: string;
  /** The delegated scopes, space-separated; asked for when absent. */
  scope?: string;
  /** The loopback port for the redirect; any free one when absent. */
  redirectPort?: number;
}

export interface ExplainPermissionsArgs {
  agentId: string;
  /** The resource (identifier URI or app id); by default the one of the agent's default scope. */
  resource?: string;
  /** A permission the user expected in the token (an app role or scope value): why it is missing, if it is. */
  expected?: string;
}

export interface PermissionsExplanation {
  resource: string;
  permissions: { value: string; kind: 'role' | 'scope'; from: 'own' | 'inherited' }[];
  /** For `expected`: why the token lacks it (the missing half), or undefined when the agent holds it. */
  missing?: string;
}

export interface NewBlueprintResult {
  clientId: string;
  objectId: string;
  displayName: string;
  /** The steps still to do (Finish Setup), none when the blueprint is ready for tokens. */
  missing: SetupStep[];
}

export interface AddCertificateArgs {
  blueprintId: string;
  /** Where to write the certificate and its private key (PEM, mode 0600). */
  path: string;
}

export interface AddFederatedCredentialArgs {
  blueprintId: string;
  /** The managed identity's object (principal) id, or another workload's subject. */
  subject: string;
  /** Default: the blueprint's tenant as an Entra issuer ({authority}/{tenant id}/v2.0), a managed identity's. */
  issuer?: string;
  name?: string;
}

export interface EditAgentIdentityArgs {
  agentId: string;
  displayName?: string;
  defaultScope?: string;
  /** The agent identity's home tenant; an empty string means the blueprint's. */
  tenant?: string;
}

export interface EditBlueprintArgs {
  blueprintId: string;
  displayName?: string;
  tenant?: string;
  authority?: string;
}

export interface GetAgentTokenArgs {
  agentId: string;
  scope?: string;
  /** Default autonomous. */
  flow?: 'autonomous' | 'obo' | 'agent-user';
  /** agent-user: the agent user's object id or UPN. */
  userId?: string;
  username?: string;
  /** obo: the signed-in user's token for the blueprint. For a sandbox blueprint, left out: the sandbox signs its user in. */
  userToken?: string;
  forceRefresh?: boolean;
  /** Default true: show the tokens in the inspector. */
  openInspector?: boolean;
  /**
   * An imported blueprint with a certificate, federated token file or managed identity is confirmed by the user
   * before its first use; a script that means it says so here. Without it, a script's call is refused.
   */
  confirmImportedCredential?: boolean;
}

/** What the command returns to a script: the token the user asked for, its claims and the legs. */
export interface AgentTokenSummary {
  agentId: string;
  flow: AgentFlow;
  scope: string;
  accessToken: string;
  expiresOn: string;
  fromCache: boolean;
  claims: Record<string, unknown>;
  t1Claims: Record<string, unknown>;
  legs: { name: string; status: number; durationMs: number; cached: boolean }[];
}

export interface DefinitionsFile {
  kind: typeof DEFINITIONS_FILE_KIND;
  version: 1;
  blueprints: BlueprintDefinition[];
  agents: AgentDefinition[];
}

export interface ImportArgs {
  path?: string;
  /** The file's content, instead of a path. */
  content?: string;
  /** Client secrets for imported secret blueprints, by client id (scripts); interactively, each is asked for. */
  secrets?: Record<string, string>;
}

/** What an import added (client ids) and what it left out because it was already there. */
export interface ImportSummary {
  blueprints: string[];
  agents: string[];
  skipped: string[];
  /** Imported client-secret blueprints whose secret is still to be set. */
  secretsToSet: string[];
}

export interface SimulateEntraErrorArgs {
  /** One of the sandbox's simulations (src/sandbox/simulations.ts), e.g. 'wrong-secret'. */
  simulation: string;
}

export interface StopSandboxArgs {
  /** A script's explicit yes: what was made in the sandbox goes with it, unasked. */
  confirmed: boolean;
}

export interface SetBlueprintCredentialArgs extends Partial<CredentialInput> {
  blueprintId: string;
  credentialKind?: CredentialKind;
  /** The sandbox's blueprint: put back the secret the sandbox holds (after practising with a wrong one). */
  restoreSandboxSecret?: boolean;
}

export interface SandboxStatus {
  readonly authority: string;
  readonly tenantId: string;
  readonly blueprintIds: string[];
  readonly agentIds: string[];
}

export interface SidecarStatus {
  readonly url: string;
  readonly port: number;
  readonly blueprintId: string;
  readonly blueprintName: string;
  readonly tenant: string;
  readonly apis: readonly { name: string; scopes: readonly string[] }[];
}

/** Export Sidecar for Production…'s argument: the blueprint (default: the running sidecar's), the format, the file. */
export interface ExportSidecarArgs {
  readonly blueprintId?: string;
  readonly format?: ExportFormat;
  /** Where to write (a script's or a test's); otherwise a save dialog asks. */
  readonly path?: string;
}
