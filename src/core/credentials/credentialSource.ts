import {
  MAX_CERTIFICATE_FILE_BYTES,
  MAX_FEDERATED_TOKEN_FILE_BYTES,
  readFailure,
  readRegularFile,
  readRegularTextFile,
} from '../safety/boundedFile';
import { CredentialError } from '../errors/errors';
import type { AssertionAlgorithm, BlueprintCredential } from './credentials';

/**
 * A blueprint's credential as a face describes it, before anything is read: which kind, and where its parts are.
 * Secret values are not in it; the host hands them over when asked (SecretStorage, environment variables).
 */
export type CredentialSource =
  | { readonly kind: 'secret' }
  /** A PEM (certificate and key) or a PKCS#12 file; its passphrase, if any, comes from the host. */
  | { readonly kind: 'certificate'; readonly path: string; readonly algorithm?: AssertionAlgorithm }
  /** A workload identity token a platform keeps fresh in a file (AKS, GitHub Actions), read at every use. */
  | { readonly kind: 'federatedTokenFile'; readonly path: string }
  /** This machine's managed identity: user-assigned by client id, or system-assigned. */
  | { readonly kind: 'managedIdentity'; readonly clientId?: string };

/** What the face supplies: the secret values it keeps, and where warnings go. */
export interface CredentialHost {
  /**
   * The client secret, or the certificate's passphrase (undefined: none). May throw its own error saying where it
   * looked (an unset environment variable, nothing in SecretStorage).
   */
  readSecret(name: 'clientSecret' | 'certificatePassphrase'): Promise<string | undefined>;
  /** Something the user should know before it fails (a certificate about to expire). */
  warn(message: string): void;
}

/**
 * The one place a credential is assembled, for every face: reads what the source names (files as small regular
 * files only), asks the host for secret values, and loads the heavy parts (crypto, node-forge, @azure/identity) only
 * for the kinds that need them. `ficAudience` is the cloud's, for federated and managed-identity tokens.
 */
export async function resolveCredential(
  source: CredentialSource,
  ficAudience: string,
  host: CredentialHost,
): Promise<BlueprintCredential> {
  const { clientSecret, certificateCredential, federatedTokenFile } = await import('./credentials');
  switch (source.kind) {
    case 'secret': {
      const secret = await host.readSecret('clientSecret');
      if (!secret)
        throw new CredentialError(
          'No client secret was given for the blueprint.',
          "Set the blueprint's client secret.",
          'secret',
        );
      return clientSecret(secret);
    }
    case 'federatedTokenFile':
      return federatedTokenFile(source.path, (p) => readRegularTextFile(p, MAX_FEDERATED_TOKEN_FILE_BYTES));
    case 'managedIdentity': {
      const { managedIdentityAssertion } = await import('./managedIdentity');
      return managedIdentityAssertion(ficAudience, source.clientId);
    }
    case 'certificate': {
      let bytes: Buffer;
      try {
        bytes = await readRegularFile(source.path, MAX_CERTIFICATE_FILE_BYTES);
      } catch (e) {
        throw new CredentialError(
          `cannot read ${source.path} (${readFailure(e)}).`,
          'Check the path and that this process may read it.',
          'certificate',
        );
      }
      const passphrase = await host.readSecret('certificatePassphrase');
      const { loadCertificateFile } = await import('./certificateFile');
      let certificate: Awaited<ReturnType<typeof loadCertificateFile>>;
      try {
        certificate = await loadCertificateFile(bytes, passphrase || undefined);
      } catch (e) {
        if (e instanceof CredentialError) throw new CredentialError(e.problem, e.fix, 'certificate');
        throw e;
      }
      for (const w of certificate.warnings) host.warn(w);
      return certificateCredential(certificate, source.algorithm ?? 'PS256');
    }
  }
}
