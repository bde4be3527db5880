// Local agents sign users in (agent-id-2026 §2, PREVIEW): the CLI's sign-in against the sandbox's /authorize, a test
// playing the browser (the page, its form, the redirect back to the CLI's loopback listener); then the sandbox's side
// of each wire rule: PKCE S256 verified, codes single use, short-lived and bound to client and redirect URI, and the
// refusals Entra gives (50011, 82014, 700016, a plain challenge, 700025).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { decodeJwt } from 'jose';
import { cliPath, cliSuiteSandbox } from '../cliRunner';
import { AGENT, SANDBOX_TENANT, SANDBOX_USER_PASSWORD, SINGLE_INSTANCE, USER_ID, USER_UPN } from '../helpers';

const SCOPE = 'api://sandbox-weather/Forecast.Read';

/** The browser's part: open the page, sign in (or decline) with its form; the sandbox's answer to the form. */
async function signInAt(
  authorizeUrl: string,
  action: 'accept' | 'decline' = 'accept',
  password = SANDBOX_USER_PASSWORD,
) {
  const page = await fetch(authorizeUrl);
  const html = await page.text();
  assert.equal(page.status, 200, html.slice(0, 400));
  const request = /name="request" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(request, 'the page carries its request id');
  return fetch(new URL(authorizeUrl).origin + new URL(authorizeUrl).pathname, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(authorizeUrl).origin },
    body: new URLSearchParams({ request, username: USER_UPN, password, action }),
  });
}

describe('local agents: sign-in with authorization code + PKCE (agent-id-2026 §2)', () => {
  const sandbox = cliSuiteSandbox();
  const authorizeBase = () => `${sandbox().authority}/${SANDBOX_TENANT}/oauth2/v2.0/authorize`;

  it('sign-in prints the URL, takes the one redirect on 127.0.0.1, redeems the code with the verifier, prints the token', async () => {
    const child = spawn(
      process.execPath,
      [
        cliPath,
        'sign-in',
        '--authority',
        sandbox().authority,
        '--tenant',
        'sandbox.onmicrosoft.com',
        '--client-id',
        SINGLE_INSTANCE,
        '--scope',
        SCOPE,
        '--no-browser',
        '--json',
      ],
      { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    const lines = createInterface({ input: child.stderr });
    let url = '';
    for await (const line of lines) {
      if (line.trim().startsWith('http')) {
        url = line.trim();
        break;
      }
    }
    const authorize = new URL(url);
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorize.searchParams.get('client_id'), SINGLE_INSTANCE);
    assert.match(authorize.searchParams.get('redirect_uri') ?? '', /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.ok(authorize.searchParams.get('state') && authorize.searchParams.get('nonce'), 'state and nonce sent');
    // A stray request to the listener (wrong state) is refused, and the wait goes on.
    const listener = authorize.searchParams.get('redirect_uri')!;
    assert.equal((await fetch(`${listener}?code=x&state=not-ours`)).status, 400);
    // A request line no URL parser takes (`GET //`) is answered 400 too; the listener does not fall over.
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(listener).port), '127.0.0.1', () =>
        socket.end('GET // HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (d: Buffer) => (text += d));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    assert.match(raw, /^HTTP\/1\.1 400/);
    const submitted = await signInAt(url);
    assert.equal(submitted.status, 302);
    const back = new URL(submitted.headers.get('location')!);
    assert.equal(back.origin + back.pathname, listener);
    assert.equal((await fetch(back)).status, 200);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stdout);
    const result = JSON.parse(stdout) as { flow: string; claims: Record<string, unknown>; legs: unknown[] };
    assert.equal(result.flow, 'local-agent');
    assert.equal(result.claims.idtyp, 'user');
    assert.equal(result.claims.oid, USER_ID);
    assert.equal(result.claims.azp, SINGLE_INSTANCE);
    assert.equal(result.claims.scp, 'Forecast.Read');
    // On the wire: the code and the verifier whose S256 is the challenge, no credential.
    const redeemed = sandbox().requests.find((r) => r.params.grant_type === 'authorization_code')!;
    assert.ok(redeemed, 'the code was redeemed at the token endpoint');
    assert.equal(redeemed.params.client_id, SINGLE_INSTANCE);
    assert.ok(!('client_secret' in redeemed.params) && !('client_assertion' in redeemed.params));
    assert.equal(
      createHash('sha256').update(redeemed.params.code_verifier!).digest('base64url'),
      authorize.searchParams.get('code_challenge'),
    );
    // The listener is closed: one code, then it stops.
    await assert.rejects(fetch(listener));
  });

  describe("the sandbox's /authorize and code redemption", () => {
    const redirect = 'http://127.0.0.1:49999/';
    function authorizeUrl(over: Record<string, string> = {}, verifier = randomBytes(32).toString('base64url')) {
      const params = new URLSearchParams({
        client_id: SINGLE_INSTANCE,
        response_type: 'code',
        redirect_uri: redirect,
        response_mode: 'query',
        scope: `openid ${SCOPE}`,
        state: 'st',
        nonce: 'nn',
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
        ...over,
      });
      return { url: `${authorizeBase()}?${params}`, verifier };
    }
    async function codeFor(over: Record<string, string> = {}) {
      const { url, verifier } = authorizeUrl(over);
      const answer = await signInAt(url);
      const location = new URL(answer.headers.get('location')!);
      return { code: location.searchParams.get('code')!, verifier, location };
    }
    const redeem = (params: Record<string, string>) =>
      fetch(`${sandbox().authority}/${SANDBOX_TENANT}/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({
          client_id: SINGLE_INSTANCE,
          grant_type: 'authorization_code',
          redirect_uri: redirect,
          ...params,
        }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    const codeOf = (body: Record<string, unknown>) => (body.error_codes as number[] | undefined)?.[0];

    it('a code redeems once, with the right verifier, client and redirect URI, before it expires', async () => {
      const { code, verifier, location } = await codeFor();
      assert.equal(location.searchParams.get('state'), 'st');
      assert.equal(codeOf((await redeem({ code, code_verifier: 'w'.repeat(43) })).body), 50148, 'a wrong verifier');
      assert.equal(
        codeOf((await redeem({ code, code_verifier: verifier, redirect_uri: 'http://127.0.0.1:1/' })).body),
        70000,
      );
      assert.equal(codeOf((await redeem({ code, code_verifier: verifier, client_secret: 'x' })).body), 700025);
      const ok = await redeem({ code, code_verifier: verifier });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(decodeJwt(String(ok.body.id_token)).nonce, 'nn', 'the nonce is in the ID token');
      assert.equal(codeOf((await redeem({ code, code_verifier: verifier })).body), 54005, 'a reused code');
      sandbox().authorization.codeLifetimeMs = 0;
      try {
        const late = await codeFor();
        await new Promise((r) => setTimeout(r, 5));
        assert.equal(codeOf((await redeem({ code: late.code, code_verifier: late.verifier })).body), 70008);
      } finally {
        sandbox().authorization.codeLifetimeMs = 10 * 60_000;
      }
    });

    it('refuses as Entra does: a plain challenge, a redirect URI not registered, an agent identity (82014), an unknown client', async () => {
      const plain = await fetch(authorizeUrl({ code_challenge_method: 'plain', code_challenge: 'p'.repeat(43) }).url, {
        redirect: 'manual',
      });
      assert.equal(plain.status, 302);
      const back = new URL(plain.headers.get('location')!);
      assert.equal(back.searchParams.get('error'), 'invalid_request');
      assert.match(back.searchParams.get('error_description') ?? '', /^AADSTS90100: .*S256/);
      for (const [over, code] of [
        [{ redirect_uri: 'https://evil.example/' }, 50011],
        [{ client_id: AGENT }, 82014],
        [{ client_id: '00000000-0000-4000-8000-000000000000' }, 700016],
      ] as const) {
        const page = await fetch(authorizeUrl(over).url, { redirect: 'manual' });
        assert.equal(page.status, 400, JSON.stringify(over));
        assert.match(await page.text(), new RegExp(`AADSTS${code}:`));
      }
      const undefinedScope = await fetch(authorizeUrl({ scope: 'api://sandbox-weather/Forecast.Admin' }).url, {
        redirect: 'manual',
      });
      assert.match(
        new URL(undefinedScope.headers.get('location')!).searchParams.get('error_description') ?? '',
        /^AADSTS650053: /,
        'a scope the resource does not define is refused before anyone consents to it',
      );
      const declined = await signInAt(authorizeUrl().url, 'decline');
      assert.match(
        new URL(declined.headers.get('location')!).searchParams.get('error_description') ?? '',
        /^AADSTS65004/,
      );
      const wrong = await signInAt(authorizeUrl().url, 'accept', 'not-the-password');
      assert.equal(wrong.status, 200);
      assert.match(await wrong.text(), /Your account or password is incorrect/);
    });

    it('the page is text only: hostile parameters never become markup, and it runs no script', async () => {
      const page = await fetch(authorizeUrl({ state: '"><script>alert(1)</script>' }).url);
      const html = await page.text();
      assert.ok(!html.includes('<script'), 'no script element');
      assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    });
  });
});
