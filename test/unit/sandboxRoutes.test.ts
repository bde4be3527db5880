import assert from 'node:assert/strict';
import { routeOf } from '../../src/sandbox/routes';

describe("the sandbox's routes", () => {
  it('maps each endpoint, tenant by id or domain, as sent', () => {
    const t = '7c1d2f3a-5b6e-4f80-9a1b-2c3d4e5f6a7b';
    assert.deepEqual(routeOf('POST', `/${t}/oauth2/v2.0/token`), { kind: 'token', tenant: t });
    assert.deepEqual(routeOf('POST', '/sandbox.onmicrosoft.com/oauth2/v2.0/token'), {
      kind: 'token',
      tenant: 'sandbox.onmicrosoft.com',
    });
    assert.deepEqual(routeOf('GET', `/${t}/v2.0/.well-known/openid-configuration`), {
      kind: 'openid-configuration',
      tenant: t,
      version: 2,
    });
    assert.deepEqual(routeOf('GET', `/${t}/.well-known/openid-configuration`), {
      kind: 'openid-configuration',
      tenant: t,
      version: 1,
    });
    assert.deepEqual(routeOf('GET', `/${t}/discovery/v2.0/keys`), { kind: 'keys', tenant: t });
    assert.deepEqual(routeOf('GET', `/${t}/discovery/keys`), { kind: 'keys', tenant: t });
    assert.deepEqual(routeOf('GET', '/external/jwks'), { kind: 'external-keys' });
    assert.deepEqual(routeOf('GET', '/external/.well-known/openid-configuration'), {
      kind: 'external-openid-configuration',
    });
    assert.deepEqual(routeOf('GET', '/msi/token'), { kind: 'managed-identity' });
  });

  it('says why nothing matched: the method, or the path', () => {
    assert.deepEqual(routeOf('GET', '/t/oauth2/v2.0/token'), {
      kind: 'method-not-allowed',
      tenant: 't',
      allowed: 'POST',
    });
    assert.deepEqual(routeOf('POST', '/t/discovery/keys'), { kind: 'method-not-allowed', tenant: 't', allowed: 'GET' });
    assert.deepEqual(routeOf('POST', '/external/jwks'), { kind: 'method-not-allowed', allowed: 'GET' });
    assert.deepEqual(routeOf('GET', '/t/oauth2/v2.0/authorize'), { kind: 'authorize', tenant: 't', submit: false });
    assert.deepEqual(routeOf('POST', '/t/oauth2/v2.0/authorize'), { kind: 'authorize', tenant: 't', submit: true });
    assert.deepEqual(routeOf('PUT', '/t/oauth2/v2.0/authorize'), {
      kind: 'method-not-allowed',
      tenant: 't',
      allowed: 'GET',
    });
    assert.deepEqual(routeOf('GET', '/t/oauth2/v2.0/devicecode'), { kind: 'not-found', tenant: 't' });
    assert.deepEqual(routeOf('GET', '/'), { kind: 'not-found' });
    assert.deepEqual(routeOf('GET', '/%E0%A4%A/keys'), { kind: 'not-found' }, 'a malformed escape is not a crash');
  });

  it('routes the sample protected APIs and their RFC 9728 metadata', () => {
    assert.deepEqual(routeOf('POST', '/apis/weather/forecast/today'), {
      kind: 'api',
      api: 'weather',
      path: 'forecast/today',
    });
    assert.deepEqual(routeOf('GET', '/apis/weather'), { kind: 'api', api: 'weather', path: '' });
    assert.deepEqual(routeOf('GET', '/.well-known/oauth-protected-resource/apis/weather'), {
      kind: 'api-metadata',
      api: 'weather',
    });
    assert.deepEqual(routeOf('POST', '/.well-known/oauth-protected-resource/apis/weather'), {
      kind: 'method-not-allowed',
      allowed: 'GET',
    });
    assert.equal(routeOf('GET', '/apis').kind, 'not-found', 'no API named');
  });
});
