import assert from 'node:assert/strict';
import {
  validateAuthority,
  validateClientId,
  validateDefaultScope,
  validateTenant,
  isLoopbackHost,
  tokenEndpointUrl,
} from '../../src/core/config/config';
import { ConfigError } from '../../src/core/errors/errors';

function configError(fn: () => unknown, field: string, pattern: RegExp) {
  assert.throws(fn, (e: unknown) => e instanceof ConfigError && e.field === field && pattern.test(e.message));
}

describe('configuration validation', () => {
  it('accepts tenant GUIDs (lower-cased) and domains', () => {
    assert.equal(validateTenant('7C1D2F3A-5B6E-4F80-9A1B-2C3D4E5F6A7B'), '7c1d2f3a-5b6e-4f80-9a1b-2c3d4e5f6a7b');
    assert.equal(validateTenant(' Contoso.onmicrosoft.com '), 'contoso.onmicrosoft.com');
  });
  it('rejects empty, multi-tenant aliases and junk tenants, naming the field', () => {
    configError(() => validateTenant('', '--tenant'), '--tenant', /empty/);
    configError(() => validateTenant('common', '--tenant'), '--tenant', /not a tenant/);
    configError(() => validateTenant('not a tenant!', '--tenant'), '--tenant', /neither a GUID nor a domain/);
  });
  it('requires GUID client ids', () => {
    assert.equal(
      validateClientId('A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D', '--agent', 'agent identity'),
      'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
    );
    configError(() => validateClientId('my-agent', '--agent', 'agent identity'), '--agent', /not a GUID.*client id/);
  });
  it('requires one scope ending in /.default', () => {
    assert.equal(validateDefaultScope('api://x/.default'), 'api://x/.default');
    configError(
      () => validateDefaultScope('https://graph.microsoft.com/User.Read', '--scope'),
      '--scope',
      /does not end in \/\.default/,
    );
    configError(() => validateDefaultScope('a/.default b/.default', '--scope'), '--scope', /more than one scope/);
    configError(() => validateDefaultScope('/.default', '--scope'), '--scope', /does not end/);
    configError(() => validateDefaultScope('', '--scope'), '--scope', /empty/);
  });
  it('requires https except for loopback, and an origin only', () => {
    assert.equal(validateAuthority('https://login.microsoftonline.com/'), 'https://login.microsoftonline.com');
    assert.equal(validateAuthority('http://127.0.0.1:8080'), 'http://127.0.0.1:8080');
    assert.equal(validateAuthority('http://localhost:1'), 'http://localhost:1');
    assert.equal(validateAuthority('http://[::1]:1'), 'http://[::1]:1');
    assert.equal(validateAuthority('http://127.1.2.3'), 'http://127.1.2.3');
    configError(
      () => validateAuthority('http://login.microsoftonline.com', '--authority'),
      '--authority',
      /plain http.*loopback/,
    );
    configError(() => validateAuthority('http://128.0.0.1', '--authority'), '--authority', /plain http/);
    configError(() => validateAuthority('ftp://x', '--authority'), '--authority', /ftp/);
    configError(
      () => validateAuthority('https://login.microsoftonline.com/contoso', '--authority'),
      '--authority',
      /path/,
    );
    configError(
      () => validateAuthority('https://u:p@login.microsoftonline.com', '--authority'),
      '--authority',
      /user name/,
    );
    configError(() => validateAuthority('nope', '--authority'), '--authority', /not a URL/);
  });
  it('knows loopback hosts', () => {
    assert.ok(isLoopbackHost('127.0.0.1') && isLoopbackHost('LOCALHOST') && isLoopbackHost('[::1]'));
    assert.ok(!isLoopbackHost('127.0.0.256') && !isLoopbackHost('localhost.evil.com') && !isLoopbackHost('10.0.0.1'));
  });
  it('builds the token endpoint URL', () => {
    assert.equal(
      tokenEndpointUrl('https://login.microsoftonline.com', 'contoso.onmicrosoft.com'),
      'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
    );
  });
});
