import assert from 'node:assert/strict';
import { cli, cliSuiteSandbox, sandboxBlueprintArgs } from '../cliRunner';
import { AGENT, OTHER_AGENT, SECRET } from '../helpers';

describe('CLI: entra-agent-tokens call', () => {
  const sandbox = cliSuiteSandbox();
  const base = (agent: string) => [
    ...sandboxBlueprintArgs(sandbox().authority),
    '--agent',
    agent,
    '--client-secret-env',
    'BLUEPRINT_SECRET',
  ];
  const env = { BLUEPRINT_SECRET: SECRET };
  const weather = () => `${sandbox().authority}/apis/weather/forecast`;

  it("calls the sandbox's API with the agent's token (scope inferred from the URL): the body on stdout, exit 0", async () => {
    const r = await cli(['call', weather(), ...base(AGENT)], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { caller: string }).caller, AGENT);
    assert.ok(r.stdout.endsWith('}\n'), 'the output ends its last line');
    assert.equal(r.stderr, '');
    assert.ok(!r.stdout.includes(SECRET) && !r.stdout.includes('eyJ'), 'neither the secret nor the token');
  });

  it('exits 5 on a 403 and says on stderr which role is missing and how to grant it', async () => {
    const r = await cli(['call', weather(), ...base(OTHER_AGENT)], env);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stdout, /insufficient_scope/);
    assert.match(
      r.stderr,
      /^HTTP 403 Forbidden in \d+ ms\n- The token lacks Forecast\.Read: the API says this call needs it \(as an app role\)/,
    );
    assert.equal(
      r.stderr.split('The token lacks Forecast.Read').length,
      2,
      'the cause is said once, not again as a headline',
    );
    assert.match(r.stderr, /evidence: .*the token is app-only, roles = \(none\)/);
    assert.match(r.stderr, /fix: Grant the agent identity the app role Forecast\.Read \(Grant Permissions…/);
    // The challenge's RFC 9728 document, fetched from the API's own origin: what the API says it is.
    assert.match(
      r.stderr,
      /The API's metadata: resource api:\/\/sandbox-weather, scopes api:\/\/sandbox-weather\/\.default /,
    );
    const json = await cli(['call', weather(), ...base(OTHER_AGENT), '--json'], env);
    assert.equal(json.code, 5);
    const parsed = JSON.parse(json.stdout) as {
      status: number;
      token: { aud: string; azp: string; roles?: string[] };
      explanation: { summary: string; causes: { cause: string; evidence: string; fix: string }[] };
    };
    assert.equal(parsed.status, 403);
    assert.equal(parsed.token.azp, OTHER_AGENT);
    assert.equal(parsed.token.roles, undefined);
    assert.match(parsed.explanation.causes[0]!.evidence, /insufficient_scope.*Forecast\.Read/);
    assert.equal(
      (parsed as unknown as { resourceMetadata: { resource: string } }).resourceMetadata.resource,
      'api://sandbox-weather',
    );
  });

  it("calls the sandbox's Graph subset with a Graph token (scope inferred), and explains Graph's refusals", async () => {
    const graph = (path: string) => `${sandbox().authority}/graph/v1.0${path}`;
    const users = await cli(['call', graph('/users?$select=userPrincipalName'), ...base(AGENT), '--json'], env);
    assert.equal(users.code, 0, users.stderr);
    const out = JSON.parse(users.stdout) as { status: number; body: string; token: { aud: string } };
    assert.equal(out.status, 200);
    assert.equal(out.token.aud, 'https://graph.microsoft.com');
    assert.match(out.body, /research-agent@sandbox\.onmicrosoft\.com/);
    const apps = await cli(['call', graph('/applications'), ...base(AGENT)], env);
    assert.equal(apps.code, 5);
    assert.match(apps.stderr, /^HTTP 403 Forbidden in \d+ ms\n- Microsoft Graph refused the call/);
    assert.match(
      apps.stderr,
      /evidence: Authorization_RequestDenied: Insufficient privileges .*\(request-id [0-9a-f-]{36}/,
    );
    assert.match(apps.stderr, /fix: Grant the agent identity the application permission Application\.Read\.All/);
    const me = await cli(['call', graph('/me'), ...base(AGENT)], env);
    assert.equal(me.code, 5);
    assert.match(
      me.stderr,
      /^HTTP 400 Bad Request in \d+ ms\n- An app-only token on a route that acts for a signed-in user\./,
    );
  });

  it("sends the token only to its resource's hosts: anything else needs --allow-api-host, and gets nothing before", async () => {
    sandbox().clearRecords();
    const other = await cli(
      ['call', 'https://api.contoso.example/x', '--scope', 'api://contoso-jobs/.default', ...base(AGENT)],
      env,
    );
    assert.equal(other.code, 2);
    assert.match(
      other.stderr,
      /api\.contoso\.example is not a host of api:\/\/contoso-jobs.*--allow-api-host api\.contoso\.example/,
    );
    // Never, whatever is allowed: a sandbox API's token elsewhere, and the exchange's token anywhere.
    for (const [url, scope] of [
      ['https://api.contoso.example/x', 'api://sandbox-weather/.default'],
      [weather(), 'api://AzureADTokenExchange/.default'],
    ]) {
      const r = await cli(['call', url, '--scope', scope, '--allow-api-host', new URL(url).host, ...base(AGENT)], env);
      assert.equal(r.code, 2, `${scope}: ${r.stderr}`);
      assert.match(r.stderr, /whatever any allow-list says|the agent's credential/);
    }
    assert.equal(sandbox().requests.length, 0, 'no token was even asked for');
    const http = await cli(['call', 'http://graph.microsoft.com/v1.0/me', ...base(AGENT)], env);
    assert.equal(http.code, 2);
    assert.match(http.stderr, /https only/);
    const unknown = await cli(['call', 'https://api.contoso.example/x', ...base(AGENT)], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--scope is required for https:\/\/api\.contoso\.example/);
    const authz = await cli(['call', weather(), '--header', 'Authorization: Bearer x', ...base(AGENT)], env);
    assert.equal(authz.code, 2);
    assert.match(authz.stderr, /the agent's token is the request's only credential/);
  });
});
