import { b64 } from '../jwtText';
import assert from 'node:assert/strict';
import { explainClaims, tokenKind } from '../../src/core/tokens/claims';
import { TOKEN_EXCHANGE_APP_ID } from '../../src/core/config/config';
import { TokenDecodeError } from '../../src/core/errors/errors';
import { decodeToken, decodeTokenLenient, expiryOf } from '../../src/core/tokens/jwt';

const jwt = (header: unknown, claims: unknown) => `${b64(header)}.${b64(claims)}.sig`;

describe('JWT decoding', () => {
  it('decodes header and claims, with or without a Bearer prefix', () => {
    const raw = jwt({ alg: 'RS256', kid: 'k' }, { aud: 'x', exp: 2_000_000_000 });
    const t = decodeToken(`Bearer ${raw}\n`);
    assert.equal(t.raw, raw);
    assert.equal(t.header.kid, 'k');
    assert.equal(t.claims.aud, 'x');
    assert.equal(expiryOf(t)?.toISOString(), '2033-05-18T03:33:20.000Z');
  });
  it('gives a clear error for anything that is not a JWT', () => {
    const cases: [string, RegExp][] = [
      ['', /No token/],
      ['hello', /three dot-separated parts, this has 1/],
      ['a.b.c.d.e', /encrypted/],
      ['!!.e30.x', /header/],
      [`${b64({ alg: 'none' })}.notjson.x`, /payload/],
      [`${b64({ alg: 'none' })}.${b64([1])}.x`, /payload/],
    ];
    for (const [input, msg] of cases)
      assert.throws(
        () => decodeToken(input),
        (e: unknown) => e instanceof TokenDecodeError && msg.test(e.message),
        input,
      );
  });
  it('promise: deeply nested claims are a typed decode error, never "internal error … This is a bug"', () => {
    // 5,000 levels in 13 KB: JSON.parse takes it, JSON.stringify (every face's output) overflowed the stack.
    const deep = `${b64({ alg: 'none' })}.${b64(`{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`)}.x`;
    assert.throws(
      () => decodeToken(deep),
      (e: unknown) => e instanceof TokenDecodeError && /nested deeper than 64 levels/.test(e.message),
    );
    assert.equal(decodeTokenLenient(deep).opaque, true);
    // 64 levels are claims like any other.
    const ok = `${b64({ alg: 'none' })}.${b64(`{"a":${'['.repeat(63)}${']'.repeat(63)}}`)}.x`;
    assert.ok(Array.isArray(decodeToken(ok).claims.a));
    const header = `${b64(`{"alg":"none","x":${'{"y":'.repeat(100)}1${'}'.repeat(100)}}`)}.${b64({})}.x`;
    assert.throws(
      () => decodeToken(header),
      (e: unknown) => e instanceof TokenDecodeError && /header/.test(e.message),
    );
  });
  it('keeps undecodable server tokens as opaque', () => {
    const t = decodeTokenLenient('opaque-token');
    assert.equal(t.opaque, true);
    assert.deepEqual(t.claims, {});
  });
});

describe('claim explanations', () => {
  it('explains agent claims and decodes facets, times and the fmi path', () => {
    const now = Date.UTC(2026, 0, 1);
    const rows = explainClaims(
      {
        aud: TOKEN_EXCHANGE_APP_ID,
        sub: '/eid1/c/pub/t/abc/a/def/a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
        xms_act_fct: '11 9 1',
        xms_sub_fct: '1 13',
        xms_par_app_azp: 'bp',
        exp: now / 1000 + 3600,
        azpacr: '2',
        custom: '<script>alert(1)</script>',
      },
      now,
    );
    const by = Object.fromEntries(rows.map((r) => [r.name, r]));
    assert.match(by.aud!.detail!, /Token Exchange/);
    assert.match(by.sub!.detail!, /a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d/);
    assert.equal(
      by.xms_act_fct!.detail,
      "11 = agent identity, 9 = not documented (seen on agent tokens, and in Microsoft's sample), 1 = not documented (seen on agent tokens)",
    );
    assert.equal(by.xms_sub_fct!.detail, '1 = not documented (seen on agent tokens), 13 = agent user');
    assert.match(by.xms_par_app_azp!.meaning!, /blueprint/);
    assert.match(by.exp!.detail!, /^2026-01-01T01:00:00.000Z \(in 1 h\)$/);
    assert.equal(by.azpacr!.detail, 'certificate or federated assertion');
    assert.equal(by.custom!.meaning, undefined);
    assert.equal(by.custom!.value, '<script>alert(1)</script>');
  });
  it('names xms_idrel values, wids roles and well-known app ids, and says what it does not know', () => {
    const by = Object.fromEntries(
      explainClaims({
        xms_idrel: '7 26 99',
        wids: ['62e90394-69f5-4237-9190-012177145e10', 'b79fbf4d-3ef9-4689-8143-76b194e85509', 'x'],
        aud: '00000003-0000-0000-c000-000000000000',
        appid: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
        xms_tnt_fct: '3',
      }).map((r) => [r.name, r]),
    );
    assert.equal(by.xms_idrel!.detail, '7 = service principal, 26 = not documented (seen on T1), 99 = not documented');
    assert.equal(by.wids!.detail, 'Global Administrator, User (every member user), unknown role');
    assert.equal(by.aud!.detail, 'Microsoft Graph');
    assert.equal(by.appid!.detail, 'Azure CLI');
    assert.equal(by.xms_tnt_fct!.detail, "3 = not documented (in Microsoft's sample agent token)");
  });

  it('names the kind of token for its card', () => {
    assert.equal(tokenKind({ aud: TOKEN_EXCHANGE_APP_ID }), 'Exchange token (T1)');
    assert.equal(tokenKind({ idtyp: 'app', xms_par_app_azp: 'bp', roles: ['R'] }), 'Agent identity token');
    assert.equal(tokenKind({ idtyp: 'user', xms_sub_fct: '13', scp: 'User.Read' }), 'Agent user token');
    assert.equal(tokenKind({ idtyp: 'user', xms_act_fct: '11', scp: 'User.Read' }), 'Agent token on behalf of a user');
    assert.equal(tokenKind({ idtyp: 'user', scp: 'User.Read' }), 'User token');
    assert.equal(tokenKind({ idtyp: 'app', roles: [] }), 'App token');
    assert.equal(tokenKind({}), 'Token');
  });

  it('does not treat inherited object keys as claims it knows', () => {
    const [row] = explainClaims({ constructor: 'x' });
    assert.equal(row!.meaning, undefined);
  });
});
