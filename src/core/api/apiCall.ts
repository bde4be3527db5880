// Calling an API with an agent's token: the one door every face goes through (the CLI's call, Call API in VS Code,
// the agent tools of the MCP server and of agent mode). A face plans the call first: the method, the scope, and the
// host rule (apiHosts.ts `tokenDestination`), before any token exists; it adds its own consent (a flag, a prompt, a
// refusal) and gets the token its own way (acquireToken). Then it calls here: the request through the one capped
// caller (apiCaller.ts: redirects never followed, 1 MiB read), why a refusal happened (apiExplain.ts), and the
// token scrubbed from all of it, last. The sidecar's DownstreamApi routes use the same host rule and caller, and
// relay the answer as the container does (no explanation, no scrub: the caller is the agent, which holds the token).
import { callApi, type ApiRequest, type ApiResponse, type ResourceMetadata } from './apiCaller';
import type { Diagnosis } from './apiDiagnosis';
import { explainResponse, withoutToken } from './apiExplain';

export interface ApiCallOutcome {
  /** The answer, the token replaced in any spelling (TOKEN_PLACEHOLDER). */
  readonly response: ApiResponse;
  /** For a status of 400 or more: why, cause by cause. */
  readonly diagnosis?: Diagnosis;
  /** The API's RFC 9728 document, when it named one (read from its own origin only). */
  readonly metadata?: ResourceMetadata;
}

/** The token and what it says of itself (the explanation sets the answer against the token's claims). */
export interface CallToken {
  readonly accessToken: string;
  readonly claims: Readonly<Record<string, unknown>>;
}

export async function callWithToken(request: Omit<ApiRequest, 'token'>, token: CallToken): Promise<ApiCallOutcome> {
  const response = await callApi({ ...request, token: token.accessToken });
  const { diagnosis, metadata } = await explainResponse(response, token.claims, request.url, request.signal);
  // Last, over everything: the explanation may have decoded the token out of a claims challenge, a header or an
  // error description.
  return withoutToken(
    { response, ...(diagnosis ? { diagnosis } : {}), ...(metadata ? { metadata } : {}) },
    token.accessToken,
  );
}
