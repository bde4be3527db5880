// The Entra errors users really meet, on demand: each is a queue of sandbox faults (server.ts's fault mode) that makes
// the next token requests answer as Entra would, body and all, so the error screens can be learned on the sandbox.
import { errorBody } from './issuer';
import type { Fault } from './server';

export type SimulationId =
  | 'wrong-secret'
  | 'unknown-agent'
  | 'agent-in-another-tenant'
  | 'disabled-agent'
  | 'missing-consent'
  | 'missing-fmi-path'
  | 'no-credential'
  | 'conditional-access'
  | 'throttled'
  | 'timeout';

export interface Simulation {
  readonly id: SimulationId;
  readonly label: string;
  /** What the user will see, in a sentence. */
  readonly detail: string;
  /** The faults for the next requests: a 'pass' lets leg 1 through when the error is leg 2's. */
  faults(origin: string, requestTimeoutMs: number): Fault[];
}

const entra = (
  origin: string,
  status: number,
  error: string,
  code: number,
  message: string,
  suberror?: string,
): Fault => ({
  kind: 'status',
  status,
  contentType: 'application/json; charset=utf-8',
  body: JSON.stringify(errorBody(origin, error, code, message, undefined, suberror)),
});

export const SIMULATIONS: readonly Simulation[] = [
  {
    id: 'wrong-secret',
    label: 'Wrong client secret (AADSTS7000215)',
    detail: "Leg 1 is refused: the blueprint's secret is not the one Entra holds.",
    faults: (o) => [
      entra(
        o,
        401,
        'invalid_client',
        7000215,
        'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
      ),
    ],
  },
  {
    id: 'unknown-agent',
    label: 'Unknown agent identity (AADSTS700016)',
    detail: 'Leg 2 is refused: no agent identity with this client id exists in the tenant.',
    faults: (o) => [
      { kind: 'pass' },
      entra(
        o,
        400,
        'unauthorized_client',
        700016,
        'Application with the identifier was not found in the directory. You may have sent your authentication request to the wrong tenant.',
      ),
    ],
  },
  {
    id: 'agent-in-another-tenant',
    label: 'Agent identity in another tenant (AADSTS700211)',
    detail: "Leg 2 is refused: T1 came from the blueprint's tenant, not the agent identity's home tenant.",
    faults: (o) => [
      { kind: 'pass' },
      entra(
        o,
        400,
        'invalid_client',
        700211,
        "No matching federated identity record found for presented assertion issuer. T1 must come from the agent identity's home tenant.",
      ),
    ],
  },
  {
    id: 'disabled-agent',
    label: 'Disabled agent identity (AADSTS7000112)',
    detail: 'Leg 2 is refused: the agent identity is disabled in the tenant.',
    faults: (o) => [{ kind: 'pass' }, entra(o, 400, 'unauthorized_client', 7000112, 'Application is disabled.')],
  },
  {
    id: 'missing-consent',
    label: 'Missing consent (AADSTS65001)',
    detail: 'Leg 2 is refused: nobody granted the agent identity the permission it asks for.',
    faults: (o) => [
      { kind: 'pass' },
      entra(
        o,
        400,
        'invalid_grant',
        65001,
        'The user or administrator has not consented to use the application for the resource.',
        'consent_required',
      ),
    ],
  },
  {
    id: 'missing-fmi-path',
    label: 'T1 asked without fmi_path (AADSTS82008)',
    detail:
      'Leg 1 is refused: the blueprint asked for a token-exchange token without naming the agent (an old MSAL drops fmi_path).',
    // The message as users report it (microsoft/Agent365-Samples#230); status and error field are [I].
    faults: (o) => [
      entra(
        o,
        400,
        'invalid_request',
        82008,
        'All agentic applications requesting a token exchange token must include the fmipath parameter.',
      ),
    ],
  },
  {
    id: 'no-credential',
    label: 'A leg sent no credential (AADSTS7000216)',
    detail: "Leg 2 is refused: the agent's request carried neither T1 as client_assertion nor any other credential.",
    // As users report it (microsoft/Agents-for-js#834): 401 invalid_client.
    faults: (o) => [
      { kind: 'pass' },
      entra(
        o,
        401,
        'invalid_client',
        7000216,
        "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
      ),
    ],
  },
  {
    id: 'conditional-access',
    label: 'Blocked by Conditional Access (AADSTS53003)',
    detail: "Leg 2 is refused: a Conditional Access policy of the tenant blocks this agent identity's sign-in.",
    // The code and message are Entra's (reference-error-codes); the error/suberror pair for agents is [I].
    faults: (o) => [
      { kind: 'pass' },
      entra(
        o,
        400,
        'invalid_grant',
        53003,
        'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
        'message_only',
      ),
    ],
  },
  {
    id: 'throttled',
    label: 'Throttled (HTTP 429 with Retry-After)',
    detail:
      'Leg 1 is answered 429 with Retry-After: 120, longer than the retries may wait, so the error comes at once.',
    faults: () => [
      { kind: 'status', status: 429, retryAfter: '120', contentType: 'text/plain', body: 'Too Many Requests' },
    ],
  },
  {
    id: 'timeout',
    label: 'Timeout (no answer)',
    detail: 'Leg 1 gets no answer until the request timeout (entraAgentTokens.requestTimeoutSeconds) ends it.',
    faults: (_o, timeoutMs) => [{ kind: 'delay', ms: timeoutMs + 1_000 }],
  },
];
