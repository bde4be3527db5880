import type { AssertionCredential } from './credentials';
import { CredentialError, firstLine, NetworkError } from '../errors/errors';

/**
 * A managed identity as the blueprint's federated credential (shared docs §3): its token for the cloud's FIC audience
 * (api://AzureADTokenExchange[USGov|China]), from @azure/identity's ManagedIdentityCredential, loaded only when used.
 * System-assigned without a client id; user-assigned with one.
 */
export function managedIdentityAssertion(audience: string, clientId?: string): AssertionCredential {
  let credential:
    | Promise<{ getToken(scope: string, options?: { abortSignal?: AbortSignal }): Promise<{ token: string } | null> }>
    | undefined;
  return {
    kind: 'assertion',
    description: clientId ? `user-assigned managed identity ${clientId}` : 'system-assigned managed identity',
    async getAssertion(signal?: AbortSignal) {
      credential ??= import('@azure/identity').then(({ ManagedIdentityCredential }) =>
        clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential(),
      );
      try {
        const token = await (
          await credential
        ).getToken(`${audience}/.default`, signal ? { abortSignal: signal } : undefined);
        if (!token?.token) throw new Error('no token');
        return token.token;
      } catch (e) {
        const reason = firstLine(e) || 'unknown error';
        // An endpoint that does not answer is a network failure (CLI exit 4), not a bad credential.
        if (/network_error|Network unreachable|ECONNREFUSED|ETIMEDOUT|ENOTFOUND/i.test(reason)) {
          throw new NetworkError(
            'connection',
            `The managed identity endpoint did not answer, so no token for ${audience}: ${reason}`,
            process.env.IDENTITY_ENDPOINT ?? process.env.MSI_ENDPOINT ?? 'the managed identity endpoint',
          );
        }
        throw new CredentialError(
          `The managed identity could not give a token for ${audience}: ${reason}`,
          'Run where a managed identity is available (Azure App Service, Functions, VMs, AKS), and give the client id of a user-assigned identity.',
        );
      }
    },
  };
}
