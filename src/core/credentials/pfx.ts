import { CredentialError } from '../errors/errors';
import { loadPemCertificate, type LoadedCertificate } from './credentials';

/**
 * A PKCS#12 (.pfx/.p12) file with its password: unpacked with node-forge (loaded only here, for PFX files) into the
 * PEM path, which then checks the key against the certificate, the key type and the validity dates.
 */
export async function loadPfxCertificate(
  pfx: Buffer,
  password: string | undefined,
  nowMs = Date.now(),
): Promise<LoadedCertificate> {
  const forge = (await import('node-forge')).default;
  let p12: ReturnType<typeof forge.pkcs12.pkcs12FromAsn1>;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(pfx.toString('binary')));
    try {
      p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password ?? '');
    } catch (e) {
      const message = (e as Error).message ?? '';
      if (/Invalid password|PKCS#12 MAC/i.test(message))
        throw new CredentialError(
          'The PFX file cannot be opened with this password.',
          "Check the password (for --certificate-password-env, the variable's value).",
        );
      if (/not supported|Unsupported/i.test(message))
        throw new CredentialError(
          'The PFX file uses an encryption this tool cannot read.',
          'Export it again (for example: openssl pkcs12 -export -legacy …), or export the certificate and key as one PEM file.',
        );
      throw new CredentialError(
        'The PFX file cannot be opened with this password.',
        'Check the password, or export the certificate and key as one PEM file.',
      );
    }
  } catch (e) {
    if (e instanceof CredentialError) throw e;
    throw new CredentialError(
      'The file is not a PKCS#12 (PFX) file.',
      'Give a .pfx/.p12 file, or a PEM file with the certificate and its private key.',
    );
  }
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? []),
  ];
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
  const key = keyBags.find((b) => b.key)?.key;
  if (!key) {
    const unreadable = keyBags.length > 0 || p12.safeContents.length > certBags.length;
    throw new CredentialError(
      unreadable
        ? 'The private key in the PFX file is not an RSA key this tool can read.'
        : 'The PFX file holds no private key.',
      'Entra client assertions need an RSA certificate with its private key in the file.',
    );
  }
  const certificates = certBags.map((b) => b.cert).filter((c): c is NonNullable<typeof c> => !!c);
  if (certificates.length === 0)
    throw new CredentialError(
      'The PFX file holds no certificate.',
      'Export the certificate together with its private key.',
    );
  // The first certificate whose public key is the private key's; the PEM path checks the match again.
  const pem = certificates.map((c) => forge.pki.certificateToPem(c)).join('\n');
  return loadPemCertificate(`${pem}\n${forge.pki.privateKeyToPem(key)}`, undefined, nowMs);
}
