import type { KeyObject, X509Certificate } from 'node:crypto';
import { readFailure } from '../safety/boundedFile';
import { CredentialError } from '../errors/errors';

export { JWT_BEARER_ASSERTION_TYPE } from '../config/config';

/**
 * node:crypto on first use: loading it costs a CLI process about 8 ms, and an exchange with a client secret never
 * needs it (TLS does not load the public module).
 */
export const nodeCrypto = (): typeof import('node:crypto') => process.getBuiltinModule('node:crypto');

/** PS256 + x5t#S256 is what Entra documents today; RS256 + x5t (SHA-1) is for older setups. */
export type AssertionAlgorithm = 'PS256' | 'RS256';

export interface ClientSecretCredential {
  readonly kind: 'secret';
  readonly secret: string;
}

export interface CertificateCredential {
  readonly kind: 'certificate';
  readonly certificate: LoadedCertificate;
  readonly algorithm: AssertionAlgorithm;
}

/**
 * A federated credential: a JWT from another issuer (a managed identity, AKS workload identity, GitHub Actions OIDC)
 * presented as the blueprint's client assertion. Fetched fresh for every T1.
 */
export interface AssertionCredential {
  readonly kind: 'assertion';
  /** What it is, for logs and messages (never the token). */
  readonly description: string;
  getAssertion(signal?: AbortSignal): Promise<string>;
}

export type BlueprintCredential = ClientSecretCredential | CertificateCredential | AssertionCredential;

/** A token file that another system keeps fresh (AZURE_FEDERATED_TOKEN_FILE in AKS): read at every use. */
export function federatedTokenFile(path: string, readFile: (path: string) => Promise<string>): AssertionCredential {
  return {
    kind: 'assertion',
    description: `federated token file ${path}`,
    async getAssertion() {
      let text: string;
      try {
        text = (await readFile(path)).trim();
      } catch (e) {
        throw new CredentialError(
          `The federated token file ${path} cannot be read (${readFailure(e)}).`,
          'Check the path (AZURE_FEDERATED_TOKEN_FILE in AKS) and that this process may read it.',
        );
      }
      if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(text))
        throw new CredentialError(
          `The federated token file ${path} does not hold a JWT.`,
          'Point at the file your platform writes the workload identity token to.',
        );
      return text;
    },
  };
}

export interface LoadedCertificate {
  readonly privateKey: KeyObject;
  /** base64url SHA-256 of the DER certificate. */
  readonly x5tS256: string;
  /** base64url SHA-1 of the DER certificate. */
  readonly x5t: string;
  readonly subject: string;
  readonly validFrom: Date;
  readonly validTo: Date;
  /** Worth telling the user, not worth stopping for (a certificate about to expire). */
  readonly warnings: readonly string[];
}

/** Warn this long before a certificate expires. */
export const CERTIFICATE_EXPIRY_WARNING_DAYS = 30;

export function clientSecret(secret: string): ClientSecretCredential {
  if (!secret)
    throw new CredentialError(
      'The client secret is empty.',
      'Set it to the secret value from the blueprint\'s "Certificates & secrets" page.',
    );
  return { kind: 'secret', secret };
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const KEY_BLOCK = /-----BEGIN (ENCRYPTED |RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END \1?PRIVATE KEY-----/;

/**
 * Reads a PEM holding a certificate and its private key (PKCS#8, encrypted PKCS#8 or PKCS#1).
 * Errors say what is wrong with the file, never what is in it.
 */
export function loadPemCertificate(pem: string, passphrase?: string, nowMs = Date.now()): LoadedCertificate {
  // With a chain in the file, the certificate is the one that belongs to the key (checked below); the first by default.
  const certPems = pem.match(new RegExp(CERT_BLOCK.source, 'g')) ?? [];
  const certPem = certPems[0];
  const keyMatch = KEY_BLOCK.exec(pem);
  if (!certPem)
    throw new CredentialError(
      'The PEM file holds no certificate.',
      'Give a PEM file with both the certificate (BEGIN CERTIFICATE) and its private key.',
    );
  if (!keyMatch)
    throw new CredentialError(
      'The PEM file holds no private key.',
      'Give a PEM file with both the certificate and its private key (BEGIN PRIVATE KEY).',
    );
  const encrypted = keyMatch[1] === 'ENCRYPTED ' || /Proc-Type:\s*4,ENCRYPTED/.test(keyMatch[0]);
  if (encrypted && !passphrase) {
    throw new CredentialError(
      'The private key is encrypted and no passphrase was given.',
      'Give the passphrase that protects the key.',
    );
  }
  const { createHash, createPrivateKey, X509Certificate } = nodeCrypto();
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw new CredentialError(
      'The certificate in the PEM file cannot be parsed.',
      'Export the certificate again in PEM format.',
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: keyMatch[0], format: 'pem', ...(encrypted ? { passphrase } : {}) });
  } catch {
    throw encrypted
      ? new CredentialError('The private key cannot be decrypted.', 'Check the passphrase.')
      : new CredentialError('The private key in the PEM file cannot be read.', 'Export the key again as PKCS#8 PEM.');
  }
  if (privateKey.asymmetricKeyType !== 'rsa' && privateKey.asymmetricKeyType !== 'rsa-pss') {
    throw new CredentialError(
      `The private key is ${privateKey.asymmetricKeyType ?? 'of an unknown type'}, not RSA.`,
      'Entra client assertions need an RSA certificate (2048 bits or more).',
    );
  }
  if (!cert.checkPrivateKey(privateKey)) {
    const matching = certPems
      .slice(1)
      .map((p) => new X509Certificate(p))
      .find((c) => c.checkPrivateKey(privateKey));
    if (matching) cert = matching;
  }
  if (!cert.checkPrivateKey(privateKey)) {
    throw new CredentialError(
      'The private key does not belong to the certificate in the same file.',
      'Put the certificate and its own private key in the PEM file.',
    );
  }
  const validFrom = new Date(cert.validFrom);
  const validTo = new Date(cert.validTo);
  if (validTo.getTime() <= nowMs) {
    throw new CredentialError(
      `The certificate expired on ${validTo.toISOString()}.`,
      'Create a new certificate, upload its public part to the blueprint, and use it here.',
    );
  }
  if (validFrom.getTime() > nowMs) {
    throw new CredentialError(
      `The certificate is not valid until ${validFrom.toISOString()}.`,
      'Check the machine clock, or wait until the certificate becomes valid.',
    );
  }
  const daysLeft = Math.floor((validTo.getTime() - nowMs) / 86_400_000);
  const warnings =
    daysLeft < CERTIFICATE_EXPIRY_WARNING_DAYS
      ? [
          `The certificate expires in ${daysLeft} day${daysLeft === 1 ? '' : 's'} (${validTo.toISOString()}): roll it over soon.`,
        ]
      : [];
  const der = cert.raw;
  return {
    privateKey,
    x5tS256: createHash('sha256').update(der).digest('base64url'),
    x5t: createHash('sha1').update(der).digest('base64url'),
    subject: cert.subject,
    validFrom,
    validTo,
    warnings,
  };
}

export function certificateCredential(
  certificate: LoadedCertificate,
  algorithm: AssertionAlgorithm = 'PS256',
): CertificateCredential {
  return { kind: 'certificate', certificate, algorithm };
}

/** Lifetime of a certificate assertion: Entra documents "5–10 minutes after nbf at most". */
export const ASSERTION_LIFETIME_SECONDS = 600;

/**
 * The client assertion for a certificate credential (shared docs §3): header alg/typ/x5t#S256 (or x5t for RS256),
 * claims aud = the exact token endpoint, iss = sub = client id, jti, nbf, iat, exp = nbf + 10 min.
 */
export async function signCertificateAssertion(
  credential: CertificateCredential,
  clientId: string,
  tokenEndpoint: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<string> {
  const { certificate, algorithm } = credential;
  const thumbprint = algorithm === 'PS256' ? { 'x5t#S256': certificate.x5tS256 } : { x5t: certificate.x5t };
  // jose loads on the first certificate assertion: an exchange with a client secret never needs it.
  const { SignJWT } = await import('./assertionSigner');
  return new SignJWT({ jti: nodeCrypto().randomUUID() })
    .setProtectedHeader({ alg: algorithm, typ: 'JWT', ...thumbprint })
    .setAudience(tokenEndpoint)
    .setIssuer(clientId)
    .setSubject(clientId)
    .setNotBefore(nowSeconds)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + ASSERTION_LIFETIME_SECONDS)
    .sign(certificate.privateKey);
}
