/** Form parameters whose values are credentials or tokens: recorded by name, never by value. */
const SECRET_PARAMETERS = new Set([
  'client_secret',
  'client_assertion',
  'assertion',
  'refresh_token',
  'user_federated_identity_credential',
  'password',
]);

/** What stands where a credential's value was. */
export const REDACTED = '[redacted]';

export function isSecretParameter(name: string): boolean {
  return SECRET_PARAMETERS.has(name);
}
