import {
  type AgentTokenEngine,
  validateAgentUserRequest,
  validateAppRequest,
  validateAutonomousRequest,
  validateOnBehalfOfRequest,
  type AcquireOptions,
  type AgentTokenResult,
} from './agentTokens';
import { cloudOfAuthority, CLOUDS, type CloudName } from '../config/clouds';
import type { FieldNames } from '../config/config';
import { resolveCredential, type CredentialHost, type CredentialSource } from '../credentials/credentialSource';

/** What every request names: where, which blueprint, with which credential. */
interface RequestBase {
  /** Origin, e.g. https://login.microsoftonline.com. */
  readonly authority: string;
  /**
   * The tenant every leg goes to: for the agent flows, the agent identity's home tenant (which may differ from the
   * blueprint's: leg 1 sent elsewhere gets AADSTS700211); for the app flow, the blueprint's.
   */
  readonly tenant: string;
  readonly blueprintId: string;
  readonly credential: CredentialSource;
  /** The cloud, for the FIC audience of federated credentials; by default the one whose sign-in host the authority is. */
  readonly cloud?: CloudName;
}

/** One request for a token, whatever the flow: what every face (CLI, commands, sidecar, tools) builds and hands over. */
export type TokenRequest =
  | (RequestBase & { readonly flow: 'autonomous'; readonly agentId: string; readonly scope: string })
  | (RequestBase & {
      readonly flow: 'agent-user';
      readonly agentId: string;
      readonly scope: string;
      readonly user: { readonly userId: string } | { readonly username: string };
    })
  | (RequestBase & {
      readonly flow: 'obo';
      readonly agentId: string;
      readonly scope: string;
      readonly userToken: string;
    })
  | (RequestBase & { readonly flow: 'app'; readonly scope: string });

/** How the face names each field in its messages (CLI flags, form labels). */
export type RequestFieldNames = Partial<FieldNames> & { userToken?: string; userId?: string; username?: string };

export interface AcquisitionOptions extends AcquireOptions {
  readonly names?: RequestFieldNames;
}

/** Every field checked, cheaply and before anything is read or sent; errors name the field as the face does. */
export function validateTokenRequest(request: TokenRequest, names?: RequestFieldNames): void {
  // Before the credential exists: the validators check names and scopes, not the credential.
  const parties = {
    authority: request.authority,
    tenant: request.tenant,
    blueprintId: request.blueprintId,
    scope: request.scope,
  };
  switch (request.flow) {
    case 'app':
      validateAppRequest(parties, names);
      return;
    case 'autonomous':
      validateAutonomousRequest({ ...parties, agentId: request.agentId }, names);
      return;
    case 'obo':
      validateOnBehalfOfRequest({ ...parties, agentId: request.agentId, userToken: request.userToken }, names);
      return;
    case 'agent-user':
      validateAgentUserRequest({ ...parties, agentId: request.agentId, ...request.user }, names);
      return;
  }
}

/** A face's way to get tokens, for a consumer that builds requests (the sidecar): `acquireToken` bound to its parts. */
export type TokenAcquirer = (request: TokenRequest, options?: AcquisitionOptions) => Promise<AgentTokenResult>;

/** `acquireToken` with one engine and one credential host: the CLI's acquirer. */
export function acquirerOf(engine: AgentTokenEngine, host: CredentialHost): TokenAcquirer {
  return (request, options) => acquireToken(engine, request, host, options);
}

/**
 * The one way to get a token: checks the request, resolves its credential through the host, and runs the flow's
 * legs on the engine (its pool and caches). Neither the CLI nor the extension knows a flow's legs or how a credential
 * is assembled.
 */
export async function acquireToken(
  engine: AgentTokenEngine,
  request: TokenRequest,
  host: CredentialHost,
  options: AcquisitionOptions = {},
): Promise<AgentTokenResult> {
  validateTokenRequest(request, options.names);
  const cloud = request.cloud ? CLOUDS[request.cloud] : cloudOfAuthority(request.authority);
  const credential = await resolveCredential(request.credential, cloud.ficAudience, host);
  const base = {
    authority: request.authority,
    tenant: request.tenant,
    blueprintId: request.blueprintId,
    scope: request.scope,
    credential,
  };
  switch (request.flow) {
    case 'app':
      return engine.getAppToken(base, options);
    case 'autonomous':
      return engine.getAutonomousToken({ ...base, agentId: request.agentId }, options);
    case 'obo':
      return engine.getOnBehalfOfToken({ ...base, agentId: request.agentId, userToken: request.userToken }, options);
    case 'agent-user':
      return engine.getAgentUserToken({ ...base, agentId: request.agentId, ...request.user }, options);
  }
}
