// Why did the API refuse, as far as the answer, the token and the API's own description can tell: the diagnosis
// (apiDiagnosis.ts, pure) of the answer, then, if the API names its RFC 9728 document, that document read from the
// API's own origin (apiCaller.ts) and the diagnosis again with what it says the API expects. One function for every
// face that calls an API (the CLI's call, Call API, the tools).
import { fetchResourceMetadata, type ApiResponse, type ResourceMetadata } from './apiCaller';
import { diagnose, type ApiExpectation, type Diagnosis } from './apiDiagnosis';
import { isGuid } from '../config/config';
import { removeEncoded, spellingsOf } from '../safety/encodedMatch';
import { mapStrings } from '../safety/sentValues';

/** What stands where an API's answer (or what was made of it) held the token that was sent. */
export const TOKEN_PLACEHOLDER = '[the agent token]';

/**
 * Whatever an API call produced (its answer, and the explanation and metadata drawn from it), with the token it
 * carried replaced in any spelling: as sent, its payload or signature alone, escaped, percent-encoded, base64 or
 * base64url (a claims challenge decoded by the explanation). Applied last, to the whole result, by every face.
 */
export function withoutToken<T>(value: T, token: string): T {
  const needles = spellingsOf(token);
  return mapStrings(value, (text) => removeEncoded(text, needles, TOKEN_PLACEHOLDER));
}

export interface CallExplanation {
  readonly diagnosis?: Diagnosis;
  readonly metadata?: ResourceMetadata;
}

export async function explainResponse(
  response: Pick<ApiResponse, 'status' | 'headers' | 'body'>,
  claims: Readonly<Record<string, unknown>>,
  url: string,
  signal?: AbortSignal,
): Promise<CallExplanation> {
  if (response.status < 400) return {};
  const input = { status: response.status, headers: response.headers, body: response.body, claims, url };
  const first = diagnose(input);
  const metadata = first.resourceMetadata
    ? await fetchResourceMetadata(first.resourceMetadata, url, signal)
    : undefined;
  if (!metadata) return { diagnosis: first };
  const rejectedToken = /error="?invalid_token/i.test(String(headerOf(response.headers, 'www-authenticate') ?? ''));
  const expect = expectationOf(metadata, claims, rejectedToken);
  return { diagnosis: Object.keys(expect).length ? diagnose({ ...input, expect }) : first, metadata };
}

/**
 * What an API's RFC 9728 document says it expects, in the terms of the diagnosis: its resource (the audience, when
 * it can be compared: a v2 token's aud is the API's app id, not its URI), and from an Entra issuer among its
 * authorization servers, its tenant and, when the API refused the token itself, the token version it validates.
 */
export function expectationOf(
  metadata: ResourceMetadata,
  claims: Readonly<Record<string, unknown>>,
  rejectedToken: boolean,
): ApiExpectation {
  const aud = typeof claims.aud === 'string' ? claims.aud : undefined;
  const comparable = metadata.resource && aud && (!isGuid(aud) || isGuid(metadata.resource));
  const issuer = (metadata.authorizationServers ?? [])
    .map((s) => /^https?:\/\/[^/]+\/([0-9a-f-]{36})\/(v2\.0)?\/?$/i.exec(s))
    .find((m) => m && isGuid(m[1]!));
  return {
    ...(comparable ? { audiences: [metadata.resource!] } : {}),
    ...(issuer ? { tenant: issuer[1]! } : {}),
    ...(issuer && rejectedToken ? { tokenVersion: issuer[2] ? ('2.0' as const) : ('1.0' as const) } : {}),
  };
}

function headerOf(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}
