import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { loadCertificateFile } from '../../src/core/credentials/certificateFile';
import { loadPemCertificate } from '../../src/core/credentials/credentials';
import { CredentialError } from '../../src/core/errors/errors';
import { fixture, fixtures } from '../helpers';

const DAY = 86_400_000;

/** A self-signed RSA certificate valid from `from` to `to` (ms), made with node's key generation and forge's X.509. */
function certificatePem(from: number, to: number): string {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(from);
  cert.validity.notAfter = new Date(to);
  const name = [{ name: 'commonName', value: 'dated' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return `${forge.pki.certificateToPem(cert)}${privateKey}`;
}

describe('certificate files', () => {
  const expected = loadPemCertificate(fixture('blueprint-cert.pem'));

  for (const name of ['blueprint-cert.pfx', 'blueprint-cert-legacy.pfx']) {
    it(`opens a PFX (${name}) with its password, to the same certificate as the PEM`, async () => {
      const loaded = await loadCertificateFile(readFileSync(join(fixtures, name)), 'fixture-pfx-password');
      assert.equal(loaded.x5tS256, expected.x5tS256);
      assert.equal(loaded.privateKey.asymmetricKeyType, 'rsa');
    });
  }

  it('explains a wrong PFX password, and a file that is neither PEM nor PFX', async () => {
    await assert.rejects(
      loadCertificateFile(readFileSync(join(fixtures, 'blueprint-cert.pfx')), 'wrong'),
      (e: unknown) => e instanceof CredentialError && /cannot be opened with this password/.test(e.message),
    );
    await assert.rejects(
      loadCertificateFile(Buffer.from('garbage bytes that are not a certificate'), undefined),
      (e: unknown) => e instanceof CredentialError && /not a PKCS#12/.test(e.message),
    );
  });

  it('tells PEM from PFX by content', async () => {
    const loaded = await loadCertificateFile(
      Buffer.from(fixture('blueprint-cert-encrypted.pem')),
      'fixture-passphrase',
    );
    assert.equal(loaded.x5tS256, expected.x5tS256);
  });

  it('refuses an expired certificate and one not yet valid, and warns before expiry', () => {
    const now = Date.now();
    assert.throws(
      () => loadPemCertificate(certificatePem(now - 400 * DAY, now - DAY)),
      (e: unknown) => e instanceof CredentialError && /expired on/.test(e.message),
    );
    assert.throws(
      () => loadPemCertificate(certificatePem(now + 2 * DAY, now + 400 * DAY)),
      (e: unknown) => e instanceof CredentialError && /not valid until/.test(e.message),
    );
    const soon = loadPemCertificate(certificatePem(now - DAY, now + 10 * DAY + 3600_000));
    assert.deepEqual(soon.warnings.length, 1);
    assert.match(soon.warnings[0]!, /expires in 10 days/);
    assert.deepEqual(expected.warnings, []);
  });
});
