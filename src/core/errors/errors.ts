/**
 * Errors are values with a kind, so the CLI and the extension can explain them without parsing strings.
 * None of them ever carries a secret: messages are built from field names and public identifiers only.
 */

/** A configuration value is wrong. `field` names it the way the user typed it (a CLI flag or a form field). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly field: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${field}: ${problem} ${fix}`);
  }
}

/** Which part of a credential a CredentialError is about, so each face can name it its own way (a CLI flag, a form). */
export type CredentialPart = 'secret' | 'certificate' | 'federatedTokenFile' | 'managedIdentity';

/** A credential cannot be used as given (unreadable PEM, wrong passphrase, key that does not match the certificate). */
export class CredentialError extends Error {
  override readonly name = 'CredentialError';
  constructor(
    /** What is wrong, without the fix. */
    readonly problem: string,
    readonly fix: string,
    readonly part?: CredentialPart,
  ) {
    super(`${problem} ${fix}`);
  }
}

/** Text that was meant to be a JWT is not one. */
export class TokenDecodeError extends Error {
  override readonly name = 'TokenDecodeError';
}

export type NetworkFailureKind = 'timeout' | 'connection' | 'protocol';

/** The token endpoint could not be reached, did not answer in time, or answered with something that is not HTTP-sane. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  constructor(
    readonly kind: NetworkFailureKind,
    message: string,
    readonly url: string,
    /** The connection was reset mid-request: safe to retry. */
    readonly reset = false,
  ) {
    super(message);
  }
}

/** The caller cancelled (AbortSignal). Never shown as a failure. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor() {
    super('The request was cancelled.');
  }
}

export function isCancelled(e: unknown): e is CancelledError {
  return e instanceof CancelledError;
}

/** A Graph error, explained: Graph's code and message, what it means here, the fix, and the ids a ticket needs. */
export class GraphError extends Error {
  override readonly name = 'GraphError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly graphMessage: string,
    readonly meaning: string,
    readonly fix: string,
    readonly requestId: string | undefined,
    readonly clientRequestId: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(
      `Microsoft Graph: ${method} ${path} → ${status} ${code}: ${graphMessage} ${meaning} Fix: ${fix} (request-id ${requestId ?? 'none'}, client-request-id ${clientRequestId})`,
    );
  }
}

/** The user closed a prompt (Escape, or focus elsewhere): nothing to report. In shared, so every bundle's is one. */
export class PromptDismissed extends Error {
  override readonly name = 'PromptDismissed';
}

/** An error's first line, at most `max` characters: what a tree row, a log line or a summary says of it. */
export function firstLine(e: unknown, max = 300): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, max);
}
