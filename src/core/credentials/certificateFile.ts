import type { LoadedCertificate } from './credentials';
import { loadPemCertificate } from './credentials';

/** A certificate file, PEM or PKCS#12 (PFX), told apart by its content rather than its name. */
export async function loadCertificateFile(
  bytes: Buffer,
  password: string | undefined,
  nowMs = Date.now(),
): Promise<LoadedCertificate> {
  const head = bytes.subarray(0, 64).toString('latin1').trimStart();
  if (head.startsWith('-----BEGIN') || /^[\w .:-]*\r?\n?-----BEGIN/.test(head))
    return loadPemCertificate(bytes.toString('utf8'), password, nowMs);
  const { loadPfxCertificate } = await import('./pfx');
  return loadPfxCertificate(bytes, password, nowMs);
}
