// From the extension's definitions to the core's one request type: pure (no vscode), so unit tests cover it. The
// core knows the flows' legs and how a credential is assembled; this only says which blueprint, agent and user.
import type { TokenRequest } from '../../core/engine/acquisition';
import type { CredentialSource } from '../../core/credentials/credentialSource';
import { CLOUDS, cloudOfAuthority } from '../../core/config/clouds';
import { isLoopbackHost } from '../../core/config/config';
import { ConfigError } from '../../core/errors/errors';
import type { AgentDefinition, AgentUserReference, BlueprintDefinition } from '../definitions/definitionRules';

/** Which flow: the agent as itself, as its agent user, or on behalf of a signed-in user (their token for the blueprint). */
export type FlowChoice =
  | { readonly flow: 'autonomous' }
  | { readonly flow: 'agent-user'; readonly user: AgentUserReference }
  | { readonly flow: 'obo'; readonly userToken: string };

/** A blueprint definition's credential, as the core describes it (no secret in it: the host hands those over). */
export function credentialSourceOf(blueprint: BlueprintDefinition): CredentialSource {
  switch (blueprint.credentialKind) {
    case 'secret':
      return { kind: 'secret' };
    case 'certificate':
      return {
        kind: 'certificate',
        path: blueprint.certificatePath ?? '',
        algorithm: blueprint.assertionAlgorithm ?? 'PS256',
      };
    case 'federatedTokenFile':
      return { kind: 'federatedTokenFile', path: blueprint.federatedTokenFile ?? '' };
    case 'managedIdentity':
      return {
        kind: 'managedIdentity',
        ...(blueprint.managedIdentityClientId ? { clientId: blueprint.managedIdentityClientId } : {}),
      };
  }
}

/** Pre-flight: where the legs of an agent's token go, in words (the progress notification and the log say it). */
export function legsDestination(blueprint: BlueprintDefinition, agent: AgentDefinition): string {
  if (blueprint.singleInstance)
    return `one request (single-instance: no T1) goes to tenant ${blueprint.tenant} at ${blueprint.authority}`;
  const tenant = agent.tenant ?? blueprint.tenant;
  return tenant === blueprint.tenant
    ? `every leg goes to tenant ${tenant} at ${blueprint.authority}`
    : `every leg goes to tenant ${tenant}, the agent's home tenant (the blueprint's is ${blueprint.tenant}), at ${blueprint.authority}`;
}

/**
 * The request for an agent's token. Every leg goes to the agent identity's home tenant: its own when the definition
 * names one (an agent in another tenant than its blueprint), else the blueprint's.
 */
export function agentTokenRequest(
  blueprint: BlueprintDefinition,
  agent: AgentDefinition,
  scope: string,
  choice: FlowChoice,
): TokenRequest {
  if (blueprint.singleInstance) {
    // One request as the client id agent and blueprint share, with the blueprint's credential (agent-id-2026 §1).
    if (choice.flow !== 'autonomous')
      throw new ConfigError(
        'Flow',
        `"${choice.flow}" is not offered for a single-instance agent (preview): it gets app-only tokens here.`,
        'Get its token as the agent itself.',
      );
    return {
      flow: 'single-instance',
      authority: blueprint.authority,
      tenant: blueprint.tenant,
      blueprintId: blueprint.clientId,
      scope,
      credential: credentialSourceOf(blueprint),
    };
  }
  const base = {
    authority: blueprint.authority,
    tenant: agent.tenant ?? blueprint.tenant,
    blueprintId: blueprint.clientId,
    agentId: agent.clientId,
    scope,
    credential: credentialSourceOf(blueprint),
  };
  switch (choice.flow) {
    case 'autonomous':
      return { ...base, flow: 'autonomous' };
    case 'obo':
      return { ...base, flow: 'obo', userToken: choice.userToken };
    case 'agent-user':
      return {
        ...base,
        flow: 'agent-user',
        user: choice.user.userId ? { userId: choice.user.userId } : { username: choice.user.username ?? '' },
      };
  }
}

/** The blueprint's own app token for a resource (the Graph features). */
export function blueprintAppTokenRequest(blueprint: BlueprintDefinition, scope: string): TokenRequest {
  return {
    flow: 'app',
    authority: blueprint.authority,
    tenant: blueprint.tenant,
    blueprintId: blueprint.clientId,
    scope,
    credential: credentialSourceOf(blueprint),
  };
}

/**
 * Where a blueprint's Graph calls go: the sandbox's Graph subset for a blueprint on the sandbox (a loopback
 * authority), else its cloud's Graph. `resource` is what the token is for (Graph's own identifier in both cases).
 */
export function graphEndpointFor(authority: string): { endpoint: string; resource: string } {
  const cloud = cloudOfAuthority(authority);
  let loopback: boolean;
  try {
    loopback = isLoopbackHost(new URL(authority).hostname);
  } catch {
    loopback = false;
  }
  return loopback
    ? { endpoint: `${new URL(authority).origin}/graph`, resource: CLOUDS.public.graph }
    : { endpoint: cloud.graph, resource: cloud.graph };
}
