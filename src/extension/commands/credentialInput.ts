import { MAX_CERTIFICATE_FILE_BYTES, readRegularFile } from '../../core/boundedFile';
import * as vscode from 'vscode';
import { CredentialError } from '../../core/errors';

/** Loads the PEM once before anything is saved, so a wrong passphrase or a key that does not match is caught now. */
export async function checkCertificate(path: string, passphrase: string | undefined): Promise<void> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(path, MAX_CERTIFICATE_FILE_BYTES);
  } catch (e) {
    throw new CredentialError(`The certificate file cannot be read (${(e as { reason?: string }).reason ?? 'unreadable'}).`, 'Choose a PEM file holding the certificate and its private key, or a PFX file.');
  }
  const { loadCertificateFile } = await import('../../core/certificateFile');
  const certificate = await loadCertificateFile(bytes, passphrase);
  if (certificate.warnings.length) void vscode.window.showWarningMessage(certificate.warnings.join(' '));
}
