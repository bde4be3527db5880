import { b64 } from '../jwtText';
import assert from 'node:assert/strict';
import { TOKEN_EXCHANGE_APP_ID } from '../../src/core/config/config';
import { decodeToken, type DecodedToken } from '../../src/core/tokens/jwt';
import { metadataUrl } from '../../src/core/tokens/signature';
import { compareClaims, tokenWarnings } from '../../src/core/tokens/tokenInsights';

const token = (
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { alg: 'RS256', kid: 'k' },
): DecodedToken => decodeToken(`${b64(header)}.${b64(claims)}.c2ln`);
const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const at = (minutes: number) => NOW / 1000 + minutes * 60;

describe('token insights', () => {
  it('compares T1 and the final token claim by claim', () => {
    const t1 = token({ aud: TOKEN_EXCHANGE_APP_ID, azp: 'bp', tid: 't', xms_act_fct: '1 9' });
    const final = token({ aud: 'https://graph.microsoft.com', appid: 'agent', tid: 't', xms_par_app_azp: 'bp' });
    const rows = compareClaims(t1, final);
    assert.deepEqual(
      rows.map((r) => r.name),
      ['aud', 'azp', 'tid', 'xms_act_fct', 'appid', 'xms_par_app_azp'],
    );
    const by = Object.fromEntries(rows.map((r) => [r.name, r]));
    assert.equal(by.tid!.differs, false);
    assert.equal(by.aud!.differs, true);
    assert.ok(!('right' in by.azp!) && by.azp!.differs);
    assert.ok(!('left' in by.xms_par_app_azp!) && by.xms_par_app_azp!.differs);
  });

  it('does not highlight the claims that differ between any two tokens, unless one token lacks them', () => {
    const a = token({ iat: 1, nbf: 1, exp: 2, uti: 'u1', aio: 'a1', rh: 'r1', roles: ['A'] });
    const b = token({ iat: 5, nbf: 5, exp: 9, uti: 'u2', aio: 'a2', roles: ['B'] });
    const by = Object.fromEntries(compareClaims(a, b).map((r) => [r.name, r.differs]));
    assert.deepEqual(by, { iat: false, nbf: false, exp: false, uti: false, aio: false, rh: true, roles: true });
  });

  it('compares structured values by content', () => {
    const rows = compareClaims(token({ roles: ['a', 'b'] }), token({ roles: ['a', 'b'] }));
    assert.equal(rows[0]!.differs, false);
  });

  it('warns about expiry, app tokens without roles, exchange tokens, issuer forms and non-access tokens', () => {
    const kinds = (claims: Record<string, unknown>) => tokenWarnings(token(claims), NOW).map((w) => w.kind);
    const app = { idtyp: 'app', appid: 'a', roles: ['R'], ver: '1.0', iss: 'https://sts.windows.net/t/' };
    assert.deepEqual(kinds({ ...app, exp: at(60) }), []);
    assert.deepEqual(kinds({ ...app, exp: at(-1) }), ['expired']);
    assert.deepEqual(kinds({ ...app, exp: at(3) }), ['expiring']);
    assert.deepEqual(kinds({ ...app, roles: undefined, exp: at(60) }), ['no-roles']);
    assert.deepEqual(kinds({ ...app, aud: TOKEN_EXCHANGE_APP_ID, roles: undefined, exp: at(60) }), ['exchange-token']);
    assert.deepEqual(kinds({ ...app, exp: at(60), iss: 'https://login.microsoftonline.com/t/v2.0' }), [
      'issuer-version',
    ]);
    assert.deepEqual(kinds({ ...app, exp: at(60), ver: '2.0', azp: 'a', iss: 'https://sts.windows.net/t/' }), [
      'issuer-version',
    ]);
    assert.deepEqual(kinds({ aud: 'client', azp: 'client', nonce: 'n', exp: at(60) }), ['not-access-token']);
    assert.deepEqual(kinds({ sub: 'x', exp: at(60) }), ['not-access-token']);
  });

  it('finds the metadata document for v1, v2 and loopback issuers, and nothing for others', () => {
    assert.equal(
      metadataUrl('https://login.microsoftonline.com/t/v2.0')?.href,
      'https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration',
    );
    assert.equal(
      metadataUrl('https://sts.windows.net/t/')?.href,
      'https://login.microsoftonline.com/t/.well-known/openid-configuration',
    );
    assert.equal(
      metadataUrl('http://127.0.0.1:9/t/v2.0')?.href,
      'http://127.0.0.1:9/t/v2.0/.well-known/openid-configuration',
    );
    assert.equal(metadataUrl('http://evil.example/t/v2.0'), undefined);
    assert.equal(metadataUrl('https://login.microsoftonline.com/a/b/c'), undefined);
    assert.equal(metadataUrl('not a url'), undefined);
    assert.equal(metadataUrl(42), undefined);
  });
});
