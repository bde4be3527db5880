import { b64 } from '../jwtText';
import assert from 'node:assert/strict';
import { explainClaims } from '../../src/core/claims';
import { TOKEN_EXCHANGE_APP_ID } from '../../src/core/config';
import { TokenDecodeError } from '../../src/core/errors';
import { decodeToken, decodeTokenLenient, expiryOf } from '../../src/core/jwt';

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
    assert.equal(by.xms_act_fct!.detail, '11 = agent identity, 9, 1');
    assert.equal(by.xms_sub_fct!.detail, '1, 13 = agent user');
    assert.match(by.xms_par_app_azp!.meaning!, /blueprint/);
    assert.match(by.exp!.detail!, /^2026-01-01T01:00:00.000Z \(in 1 h\)$/);
    assert.equal(by.azpacr!.detail, 'certificate or federated assertion');
    assert.equal(by.custom!.meaning, undefined);
    assert.equal(by.custom!.value, '<script>alert(1)</script>');
  });
  it('does not treat inherited object keys as claims it knows', () => {
    const [row] = explainClaims({ constructor: 'x' });
    assert.equal(row!.meaning, undefined);
  });
});
