import {
  type AgentTokenEngine,
  checkRequest,
  type RequestFieldNames,
  type AcquireOptions,
  type AgentTokenResult,
  type Checked,
  type CheckedFlowRequest,
} from './agentTokens';
import { cloudOfAuthority, CLOUDS, type CloudName } from '../config/clouds';
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
  | (RequestBase & { readonly flow: 'app'; readonly scope: string })
  /** A single-instance agent: `blueprintId` is the client id it shares with its blueprint; one leg, no fmi_path. */
  | (RequestBase & { readonly flow: 'single-instance'; readonly scope: string });

export type { RequestFieldNames };

export interface AcquisitionOptions extends AcquireOptions {
  readonly names?: RequestFieldNames;
  /** Scopes as the caller wrote them (the sidecar's callers): only trimmed and required; Entra judges them. */
  readonly scopesAsGiven?: boolean;
}

type Unresolved<R> = R extends unknown ? Omit<R, 'credential'> : never;
/** A request checked and normalised, its credential not yet resolved: what `acquireToken` hands the engine. */
export type CheckedTokenRequest = Checked<Unresolved<CheckedFlowRequest>>;
const checked = (request: Unresolved<CheckedFlowRequest>) => request as CheckedTokenRequest;

/**
 * Every field checked and normalised, cheaply and before anything is read or sent: the one check a request gets on
 * its way through `acquireToken`. Errors name the field as the face does.
 */
export function validateTokenRequest(
  request: TokenRequest,
  names?: RequestFieldNames,
  scopesAsGiven = false,
): CheckedTokenRequest {
  // Before the credential exists: the check reads names and scopes, never the credential.
  const { credential: _credential, cloud: _cloud, ...fields } = request;
  return checked(checkRequest('user' in fields ? { ...fields, ...fields.user } : fields, names, scopesAsGiven));
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
  const checkedRequest = validateTokenRequest(request, options.names, options.scopesAsGiven);
  const cloud = request.cloud ? CLOUDS[request.cloud] : cloudOfAuthority(checkedRequest.authority);
  const credential = await resolveCredential(request.credential, cloud.ficAudience, host);
  return engine.acquireChecked({ ...checkedRequest, credential }, options);
}
