import assert from 'node:assert/strict';
import { cli, cliSuiteSandbox, sandboxBlueprintArgs } from '../cliRunner';
import { AGENT, SECRET } from '../helpers';
import { assertTerminalSafe, EVERY_CONTROL, hostileToken, TERMINAL_ATTACK, unsignedJwt } from '../hostile';

// SECURITY.md, "A hostile token or server cannot drive the terminal": every field of every output mode, on stdout and
// stderr, with C0, C1, ESC, BEL and bidi characters in every place a token or a server can put text.
describe("promise: a hostile token or server cannot drive the user's terminal (CLI)", function () {
  this.timeout(30_000);
  const sandbox = cliSuiteSandbox();

  const tokenArgs = (...extra: string[]) => [
    'token',
    ...sandboxBlueprintArgs(sandbox().authority),
    '--agent',
    AGENT,
    '--client-secret-env',
    'S',
    ...extra,
  ];

  for (const json of [false, true]) {
    const mode = json ? '--json' : 'text';
    it(`decode (${mode}): claim names, values, header and explanation notes reach the terminal escaped`, async () => {
      const r = await cli(['decode', hostileToken(), ...(json ? ['--json'] : [])]);
      assert.equal(r.code, 0, r.stderr);
      assertTerminalSafe(r.stdout, 'stdout');
      assertTerminalSafe(r.stderr, 'stderr');
      // Escaped, not dropped: the user can see what the token holds.
      assert.ok(r.stdout.includes('\\u001b]52;c;cm0gLXJmIH4='), 'the OSC 52 attempt is shown as text');
      assert.ok(
        r.stdout.includes('\\u009b') && r.stdout.includes('\\u202e'),
        'C1 and bidi characters are shown as text',
      );
      if (json) {
        const parsed = JSON.parse(r.stdout) as { claims: Record<string, unknown>; header: Record<string, unknown> };
        assert.equal(parsed.claims[EVERY_CONTROL], EVERY_CONTROL, 'the JSON still means exactly what the token holds');
        assert.equal(parsed.header.kid, `k${TERMINAL_ATTACK}`);
      } else {
        assert.match(r.stdout, /fmi path: issued for agent identity /);
      }
    });

    it(`token (${mode}): tokens a hostile server issued reach the terminal escaped`, async () => {
      const issued = (claims: Record<string, unknown>) => ({
        kind: 'status' as const,
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({
          token_type: 'Bearer',
          expires_in: 3599,
          access_token: unsignedJwt({ alg: 'RS256' }, { ...claims, [`x${TERMINAL_ATTACK}`]: TERMINAL_ATTACK }),
        }),
      });
      sandbox().injectFaults(
        issued({ aud: 'fb60f99c-7a34-4190-8149-302f77469936' }),
        issued({ aud: 'https://graph.microsoft.com' }),
      );
      const r = await cli(tokenArgs(...(json ? ['--json'] : [])), { S: SECRET });
      assert.equal(r.code, 0, r.stderr);
      assertTerminalSafe(r.stdout, 'stdout');
      assertTerminalSafe(r.stderr, 'stderr');
      assert.ok(r.stdout.includes('\\u009b'));
    });

    it(`token (${mode}): a hostile error body reaches stderr escaped, in every field`, async () => {
      const body = {
        error: `invalid_client${TERMINAL_ATTACK}`,
        error_description: `AADSTS7000215: bad ${TERMINAL_ATTACK} ${EVERY_CONTROL}`,
        error_codes: [7000215],
        trace_id: TERMINAL_ATTACK,
        correlation_id: TERMINAL_ATTACK,
        timestamp: TERMINAL_ATTACK,
      };
      sandbox().injectFaults({
        kind: 'status',
        status: 401,
        contentType: 'application/json',
        body: JSON.stringify(body),
      });
      const r = await cli(tokenArgs(...(json ? ['--json'] : [])), { S: SECRET });
      assert.equal(r.code, 3, r.stderr);
      assertTerminalSafe(r.stdout, 'stdout');
      assertTerminalSafe(r.stderr, 'stderr');
      assert.match(r.stderr, /AADSTS7000215/);
      assert.ok(r.stderr.includes('\\u001b]52'), 'the server text is shown, escaped');
    });
  }

  it('a non-JSON error page with control characters reaches stderr escaped', async () => {
    sandbox().injectFaults({
      kind: 'status',
      status: 400,
      contentType: 'text/html',
      body: `<html><body>${TERMINAL_ATTACK}</body></html>`,
    });
    const r = await cli(tokenArgs(), { S: SECRET });
    assert.equal(r.code, 3, r.stderr);
    assertTerminalSafe(r.stderr, 'stderr');
  });
});
