import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  describeClaimsChallenge,
  diagnose,
  graphPermissionFor,
  parseWwwAuthenticate,
  type DiagnosisInput,
} from '../../src/core/api/apiDiagnosis';

const NOW = Date.parse('2026-12-02T10:00:00Z');
const s = (d: string) => Math.floor(Date.parse(d) / 1000);
/** An agent's app-only token, as the sandbox issues one. */
const agentClaims = {
  aud: 'api://sandbox-weather',
  idtyp: 'app',
  roles: ['Forecast.Read'],
  tid: '7c1d2f3a-5b6e-4f80-9a1b-2c3d4e5f6a7b',
  ver: '2.0',
  iss: 'https://login.microsoftonline.com/7c1d2f3a-5b6e-4f80-9a1b-2c3d4e5f6a7b/v2.0',
  xms_par_app_azp: '0b5e6a7c-1d2e-4f3a-8b9c-0d1e2f3a4b5c',
  nbf: s('2026-12-02T09:00:00Z'),
  exp: s('2026-12-02T17:00:00Z'),
};
const causesOf = (input: Partial<DiagnosisInput> & { url?: string }) =>
  diagnose({ status: 403, headers: {}, claims: agentClaims, now: NOW, ...input }).causes.map((c) => c.cause);

describe('why an API refused a token (core/apiDiagnosis)', () => {
  describe('WWW-Authenticate (RFC 7235/6750)', () => {
    it('reads challenges with quoted values holding commas, escaped quotes, and unquoted values', () => {
      assert.deepEqual(
        parseWwwAuthenticate(
          'Bearer realm="api, v2", error="insufficient_scope", scope="Forecast.Read", error_description="say \\"hi\\"", Basic realm=x',
        ),
        [
          {
            scheme: 'Bearer',
            params: {
              realm: 'api, v2',
              error: 'insufficient_scope',
              scope: 'Forecast.Read',
              error_description: 'say "hi"',
            },
          },
          { scheme: 'Basic', params: { realm: 'x' } },
        ],
      );
    });
    it('keeps a token68 and lower-cases parameter names', () => {
      assert.deepEqual(parseWwwAuthenticate('Negotiate abc+/==, Bearer Error=invalid_token'), [
        { scheme: 'Negotiate', params: { token68: 'abc+/==' } },
        { scheme: 'Bearer', params: { error: 'invalid_token' } },
      ]);
      assert.deepEqual(parseWwwAuthenticate(''), []);
    });
    it('never throws, whatever the header holds (a hostile API writes it)', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
          parseWwwAuthenticate(text);
        }),
        { numRuns: 2000 },
      );
      assert.equal(parseWwwAuthenticate(`Bearer x="${'a'.repeat(1 << 20)}`).length, 1, 'bounded, unterminated');
    });
  });

  describe('what the API said', () => {
    it('names what a Conditional Access or CAE claims challenge asks for', () => {
      const cae = Buffer.from('{"access_token":{"nbf":{"essential":true,"value":"1604106651"}}}').toString('base64');
      assert.match(describeClaimsChallenge(cae).asks[0]!, /Continuous Access Evaluation revoked/);
      const stepUp = Buffer.from('{"access_token":{"acrs":{"essential":true,"value":"c1"}}}').toString('base64url');
      assert.match(describeClaimsChallenge(stepUp).asks[0]!, /authentication context c1/);
      assert.match(describeClaimsChallenge('not base64 json!').asks[0]!, /could not be read/);
      const d = diagnose({
        status: 401,
        headers: {
          'WWW-Authenticate': `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="${cae}"`,
        },
        claims: agentClaims,
        now: NOW,
      });
      assert.match(d.summary, /^HTTP 401: A claims challenge/);
      assert.match(d.causes[0]!.evidence, /Continuous Access Evaluation/);
    });
    it('passes on the scope an insufficient_scope challenge names', () => {
      const [cause] = diagnose({
        status: 403,
        headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="Forecast.Write"' },
        now: NOW,
      }).causes;
      // No claims: a delegated token is assumed (no idtyp=app), so the fix is a delegated grant.
      assert.match(cause!.fix, /delegated scope Forecast\.Write/);
      const [appOnly] = diagnose({
        status: 403,
        headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="Forecast.Write"' },
        claims: { idtyp: 'app', roles: ['Forecast.Read'] },
        now: NOW,
      }).causes;
      assert.match(appOnly!.cause, /lacks Forecast\.Write.*app role/);
      assert.match(appOnly!.evidence, /roles = Forecast\.Read$/);
      assert.match(appOnly!.fix, /Grant the agent identity the app role Forecast\.Write \(Grant Permissions…/);
      assert.doesNotMatch(appOnly!.fix, /by an admin/, 'anyone allowed to grant it can: not only an admin');
      // The fix as one click: the role by its value, the kind the token needs.
      assert.deepEqual(appOnly!.grant, { kind: 'appRole', value: 'Forecast.Write' });
      assert.deepEqual(cause!.grant, { kind: 'scope', value: 'Forecast.Write' });
    });
    it('names no grant a button could not honestly carry: a list, markup, controls, a very long value', () => {
      for (const scope of ['a b', '<img src=x>', 'Read\u202eetirW', 'x'.repeat(200), '"', '']) {
        const [cause] = diagnose({
          status: 403,
          headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${scope}"` },
          claims: { idtyp: 'app', roles: [] },
          now: NOW,
        }).causes;
        assert.equal(cause?.grant, undefined, JSON.stringify(scope));
      }
    });
    it('offers the protected-resource metadata (RFC 9728) of an invalid_token challenge', () => {
      const d = diagnose({
        status: 401,
        headers: {
          'www-authenticate':
            'Bearer error="invalid_token", resource_metadata="https://api.contoso.com/.well-known/oauth-protected-resource"',
        },
        now: NOW,
      });
      assert.equal(d.resourceMetadata, 'https://api.contoso.com/.well-known/oauth-protected-resource');
      assert.deepEqual(
        d.causes.map((c) => c.cause.slice(0, 30)),
        ['The API did not accept the tok'],
        'the metadata is information, set against the token by explainResponse, not a cause of its own',
      );
    });
    it("explains Microsoft Graph's error codes with the permission the call needs and how to grant it", () => {
      const body = JSON.stringify({
        error: {
          code: 'Authorization_RequestDenied',
          message: 'Insufficient privileges to complete the operation.',
          innerError: { 'request-id': 'r-1', 'client-request-id': 'c-1', date: '2026-12-02T10:00:00' },
        },
      });
      const [cause] = diagnose({
        status: 403,
        headers: {},
        body,
        claims: { ...agentClaims, aud: 'https://graph.microsoft.com', roles: [] },
        url: 'https://graph.microsoft.com/v1.0/applications?$top=1',
        now: NOW,
      }).causes;
      assert.match(cause!.cause, /lacks the permission/);
      assert.match(
        cause!.evidence,
        /Authorization_RequestDenied: Insufficient privileges.*request-id r-1, client-request-id c-1/,
      );
      assert.match(cause!.fix, /application permission Application\.Read\.All \(an app role assignment/);
      const delegated = diagnose({
        status: 403,
        headers: {},
        body,
        claims: { idtyp: 'user', scp: 'openid' },
        url: 'https://graph.microsoft.com/v1.0/users',
        now: NOW,
      }).causes[0]!;
      assert.match(delegated.fix, /delegated permission User\.ReadBasic\.All .*oauth2PermissionGrant/);
      for (const code of ['InvalidAuthenticationToken', 'Authorization_IdentityNotFound', 'Request_ResourceNotFound']) {
        const c = diagnose({
          status: 401,
          headers: {},
          body: JSON.stringify({ error: { code, message: 'm' } }),
          now: NOW,
        }).causes[0]!;
        assert.doesNotMatch(c.cause, /answered/, `${code} is explained, not just named`);
      }
      assert.match(
        diagnose({ status: 403, headers: {}, body: '{"error":{"code":"SomethingNew","message":"m"}}', now: NOW })
          .causes[0]!.cause,
        /answered SomethingNew/,
      );
      assert.equal(graphPermissionFor('https://graph.microsoft.com/v1.0/me', true), undefined);
      assert.equal(graphPermissionFor('not a url', true), undefined);
    });
  });

  describe('what the token shows against what the API expects', () => {
    it('a token for another audience', () => {
      const d = diagnose({
        status: 401,
        headers: {},
        claims: agentClaims,
        now: NOW,
        expect: { audiences: ['api://jobs'] },
      });
      assert.match(d.causes[0]!.evidence, /aud = api:\/\/sandbox-weather; the API accepts api:\/\/jobs/);
      assert.match(d.causes[0]!.fix, /scope api:\/\/jobs\/\.default/);
      assert.deepEqual(causesOf({ expect: { audiences: ['API://sandbox-weather/'] } }), [], 'the same audience');
    });
    it('expired, or not valid yet', () => {
      assert.match(causesOf({ now: s('2026-12-02T18:00:00Z') * 1000 })[0]!, /expired/);
      assert.match(causesOf({ claims: { ...agentClaims, nbf: s('2026-12-02T11:00:00Z') } })[0]!, /not valid yet/);
    });
    it('an app-only token on a user-only route (Graph /me)', () => {
      assert.match(
        causesOf({ expect: { userOnly: true } })[0]!,
        /app-only token on a route that acts for a signed-in user/,
      );
    });
    it('a missing app role (app-only) or delegated scope (user)', () => {
      assert.match(causesOf({ expect: { roles: ['Forecast.Write'] } })[0]!, /lacks the app role .*Forecast\.Write/);
      assert.deepEqual(causesOf({ expect: { roles: ['Forecast.Read'] } }), []);
      const user = { ...agentClaims, idtyp: 'user', roles: undefined, scp: 'User.Read' };
      assert.match(
        causesOf({ claims: user, expect: { scopes: ['Mail.Read'] } })[0]!,
        /lacks the delegated scope .*Mail\.Read/,
      );
      assert.match(
        causesOf({ expect: { scopes: ['Mail.Read'] } })[0]!,
        /app-only token to an API that takes delegated scopes/,
      );
    });
    it("another tenant than the API's, and a v1/v2 mismatch", () => {
      assert.match(causesOf({ expect: { tenant: 'f6a7b8c9-d0e1-4f2a-9b3c-5d6e7f809102' } })[0]!, /another tenant/);
      assert.match(
        causesOf({ expect: { tokenVersion: '1.0' } })[0]!,
        /A v2\.0 token to an API that validates v1\.0 tokens/,
      );
    });
    it('an API that refuses agents, or accepts only agents of other blueprints', () => {
      assert.match(causesOf({ expect: { rejectsAgents: true } })[0]!, /refuses agent identities/);
      assert.match(causesOf({ expect: { parentBlueprints: ['a-blueprint'] } })[0]!, /other blueprints only/);
      assert.deepEqual(causesOf({ expect: { parentBlueprints: [agentClaims.xms_par_app_azp] } }), []);
    });
    it('says so when nothing explains it, and nothing for a success', () => {
      const { xms_par_app_azp: _parent, ...notAgent } = agentClaims;
      assert.match(diagnose({ status: 403, headers: {}, claims: notAgent, now: NOW }).summary, /nothing in the answer/);
      // An agent's token with nothing else to go on: the likeliest cause left is that the API refuses agents.
      assert.match(
        diagnose({ status: 403, headers: {}, claims: agentClaims, now: NOW }).summary,
        /^HTTP 403: The API refused an agent identity for a reason of its own/,
      );
      assert.deepEqual(diagnose({ status: 200, headers: {}, now: NOW }).causes, []);
    });
  });
});
