import * as vscode from 'vscode';
import { CredentialError } from '../../core/errors';

/**
 * Loads the certificate once before anything is saved, through the same core function every token request uses, so
 * an unreadable file, a wrong passphrase or a key that does not match is caught now.
 */
export async function checkCertificate(path: string, passphrase: string | undefined): Promise<void> {
  const { resolveCredential } = await import('../../core/credentialSource');
  const warnings: string[] = [];
  try {
    await resolveCredential({ kind: 'certificate', path }, '', {
      readSecret: async (name) => (name === 'certificatePassphrase' ? passphrase : undefined),
      warn: (w) => warnings.push(w),
    });
  } catch (e) {
    if (e instanceof CredentialError && e.part === 'certificate')
      throw new CredentialError(
        `Certificate: ${e.problem}`,
        `${e.fix} Choose a PEM file holding the certificate and its private key, or a PFX file.`,
        'certificate',
      );
    throw e;
  }
  if (warnings.length) void vscode.window.showWarningMessage(warnings.join(' '));
}
