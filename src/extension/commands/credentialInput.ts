import { readFile } from 'node:fs/promises';
import { CredentialError } from '../../core/errors';

/** Loads the PEM once before anything is saved, so a wrong passphrase or a key that does not match is caught now. */
export async function checkCertificate(path: string, passphrase: string | undefined): Promise<void> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (e) {
    throw new CredentialError(`The certificate file cannot be read (${(e as NodeJS.ErrnoException).code ?? 'unreadable'}).`, 'Choose a PEM file holding the certificate and its private key.');
  }
  const { loadPemCertificate } = await import('../../core/credentials');
  loadPemCertificate(pem, passphrase);
}
