import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { compactVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import {
  certificateCredential,
  loadPemCertificate,
  signCertificateAssertion,
  ASSERTION_LIFETIME_SECONDS,
} from '../../src/core/credentials/credentials';
import { CredentialError } from '../../src/core/errors/errors';
import { fixture } from '../helpers';

const ENDPOINT = 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token';
const CLIENT = '0b5e6a7c-1d2e-4f3a-8b9c-0d1e2f3a4b5c';

function credentialError(fn: () => unknown, pattern: RegExp) {
  assert.throws(fn, (e: unknown) => e instanceof CredentialError && pattern.test(e.message));
}

describe('certificate credentials', () => {
  const pem = fixture('blueprint-cert.pem');
  const cert = new X509Certificate(pem);

  it('loads a PEM with certificate and key, and computes both thumbprints', () => {
    const loaded = loadPemCertificate(pem);
    assert.equal(loaded.x5tS256, createHash('sha256').update(cert.raw).digest('base64url'));
    assert.equal(loaded.x5t, createHash('sha1').update(cert.raw).digest('base64url'));
    assert.match(loaded.subject, /sandbox-blueprint/);
  });

  it('loads an encrypted key with its passphrase, and explains a wrong or missing one', () => {
    const enc = fixture('blueprint-cert-encrypted.pem');
    assert.equal(loadPemCertificate(enc, 'fixture-passphrase').x5tS256, loadPemCertificate(pem).x5tS256);
    credentialError(() => loadPemCertificate(enc, 'wrong'), /cannot be decrypted.*passphrase/);
    credentialError(() => loadPemCertificate(enc), /encrypted and no passphrase/);
  });

  it('explains unusable PEM files without echoing their content', () => {
    credentialError(() => loadPemCertificate(fixture('mismatched-cert.pem')), /does not belong to the certificate/);
    credentialError(() => loadPemCertificate(fixture('ec-cert.pem')), /is ec, not RSA/);
    credentialError(() => loadPemCertificate(pem.split('-----BEGIN PRIVATE KEY-----')[0]!), /no private key/);
    credentialError(
      () => loadPemCertificate('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----'),
      /no certificate/,
    );
    try {
      loadPemCertificate(
        '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nSECRETBYTES\n-----END PRIVATE KEY-----',
      );
      assert.fail('should throw');
    } catch (e) {
      assert.ok(e instanceof CredentialError);
      assert.ok(!e.message.includes('SECRETBYTES'));
    }
  });

  it('signs a PS256 assertion with x5t#S256 and the documented claims', async () => {
    const now = 1_800_000_000;
    const jwt = await signCertificateAssertion(certificateCredential(loadPemCertificate(pem)), CLIENT, ENDPOINT, now);
    const header = decodeProtectedHeader(jwt);
    assert.deepEqual(header, {
      alg: 'PS256',
      typ: 'JWT',
      'x5t#S256': createHash('sha256').update(cert.raw).digest('base64url'),
    });
    const claims = decodeJwt(jwt);
    assert.deepEqual(Object.keys(claims).sort(), ['aud', 'exp', 'iat', 'iss', 'jti', 'nbf', 'sub']);
    assert.equal(claims.aud, ENDPOINT);
    assert.equal(claims.iss, CLIENT);
    assert.equal(claims.sub, CLIENT);
    assert.match(String(claims.jti), /^[0-9a-f-]{36}$/);
    assert.equal(claims.nbf, now);
    assert.equal(claims.iat, now);
    assert.equal(claims.exp, now + ASSERTION_LIFETIME_SECONDS);
    assert.ok(ASSERTION_LIFETIME_SECONDS <= 600);
    await compactVerify(jwt, cert.publicKey, { algorithms: ['PS256'] });
  });

  it('offers RS256 with a SHA-1 x5t for older setups', async () => {
    const jwt = await signCertificateAssertion(
      certificateCredential(loadPemCertificate(pem), 'RS256'),
      CLIENT,
      ENDPOINT,
    );
    assert.deepEqual(decodeProtectedHeader(jwt), {
      alg: 'RS256',
      typ: 'JWT',
      x5t: createHash('sha1').update(cert.raw).digest('base64url'),
    });
    await compactVerify(jwt, cert.publicKey, { algorithms: ['RS256'] });
  });

  it('gives each assertion its own jti', async () => {
    const c = certificateCredential(loadPemCertificate(pem));
    const [a, b] = await Promise.all([
      signCertificateAssertion(c, CLIENT, ENDPOINT),
      signCertificateAssertion(c, CLIENT, ENDPOINT),
    ]);
    assert.notEqual(decodeJwt(a).jti, decodeJwt(b).jti);
  });
});
