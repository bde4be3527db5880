/** Form parameters whose values are credentials or tokens: recorded by name, never by value. */
const SECRET_PARAMETERS = new Set([
  'client_secret',
  'client_assertion',
  'assertion',
  'refresh_token',
  'user_federated_identity_credential',
  'password',
]);

export const REDACTED = '[redacted]';

export function isSecretParameter(name: string): boolean {
  return SECRET_PARAMETERS.has(name);
}

export function redactParameters(params: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) out[k] = isSecretParameter(k) ? REDACTED : v;
  return out;
}

/** For log lines: anything shaped like a JWT becomes its first characters and a marker. */
export function redactTokens(text: string): string {
  return text.replace(/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, (jwt) => `${jwt.slice(0, 8)}…[token redacted]`);
}
