import { b64 } from '../jwtText';
import assert from 'node:assert/strict';
import type { AgentTokenResult } from '../../src/core/engine/agentTokens';
import { TOKEN_EXCHANGE_APP_ID } from '../../src/core/config/config';
import { decodeToken } from '../../src/core/tokens/jwt';
import { EntraError, parseEntraErrorBody } from '../../src/core/errors/entraError';
import { NetworkError } from '../../src/core/errors/errors';
import {
  callView,
  copyText,
  curlUrlFor,
  DEFAULT_CURL_URL,
  defaultCallUrl,
  exchangeTitle,
  exchangeView,
  failedExchange,
  progressView,
  singleTokenView,
} from '../../src/extension/inspector/inspectorModel';

const jwt = (claims: Record<string, unknown>) => `${b64({ alg: 'RS256', kid: 'k' })}.${b64(claims)}.c2ln`;
const NOW = Date.UTC(2026, 10, 28, 12);

function result(): AgentTokenResult {
  const t1 = decodeToken(jwt({ aud: TOKEN_EXCHANGE_APP_ID, azp: 'bp', tid: 't', exp: NOW / 1000 + 3900 }));
  const token = decodeToken(
    jwt({
      aud: 'https://graph.microsoft.com',
      appid: 'agent',
      tid: 't',
      xms_par_app_azp: 'bp',
      roles: ['User.Read.All'],
      exp: NOW / 1000 + 29100,
      idtyp: 'app',
    }),
  );
  const leg = (name: string, parameters: Record<string, string>) => ({
    name,
    url: 'http://127.0.0.1:1/t/oauth2/v2.0/token',
    status: 200,
    durationMs: 5,
    parameters,
    attempts: 1,
    cached: false,
  });
  return {
    flow: 'autonomous',
    accessToken: token.raw,
    expiresOn: new Date(NOW + 29100_000),
    token,
    t1,
    legs: [
      { ...leg('blueprint', { client_id: 'bp', client_secret: '[redacted]' }), token: t1 },
      { ...leg('agent', { client_id: 'agent', client_assertion: '[redacted]' }), token },
    ],
    fromCache: false,
  };
}

describe('inspector model', () => {
  it("adds what Explain Agent Permissions… read, whence each permission, for the token's resource only", () => {
    const permissions = {
      resource: 'https://graph.microsoft.com',
      blueprintName: 'Sandbox Blueprint',
      permissions: [
        { value: 'User.Read.All', kind: 'role' as const, from: 'inherited' as const },
        { value: 'Mail.Send', kind: 'role' as const, from: 'own' as const },
      ],
    };
    const view = exchangeView(
      'Research Agent',
      'https://graph.microsoft.com/.default',
      result(),
      NOW,
      undefined,
      permissions,
    );
    assert.equal(
      view.note,
      "Its permissions on https://graph.microsoft.com, as Graph said (Explain Agent Permissions…): User.Read.All (app role, inherited from Sandbox Blueprint's grant); Mail.Send (app role, its own grant).",
    );
    const other = exchangeView(
      'Research Agent',
      'api://sandbox-weather/.default',
      result(),
      NOW,
      undefined,
      permissions,
    );
    assert.equal(other.note, undefined);
  });

  it("a single-instance agent's token: one column, why there is no T1, which object id is the agent", () => {
    const token = decodeToken(
      jwt({
        aud: 'api-app',
        azp: 'shared',
        oid: 'agent-object',
        sub: 'agent-object',
        idtyp: 'app',
        exp: NOW / 1000 + 29100,
      }),
    );
    const one: AgentTokenResult = {
      flow: 'single-instance',
      accessToken: token.raw,
      expiresOn: new Date(NOW + 29100_000),
      token,
      t1: token,
      legs: [
        {
          name: 'single-instance',
          url: 'http://127.0.0.1:1/t/oauth2/v2.0/token',
          status: 200,
          durationMs: 5,
          parameters: { client_id: 'shared', client_secret: '[redacted]' },
          attempts: 1,
          cached: false,
          token,
        },
      ],
      fromCache: false,
    };
    const view = exchangeView('Desk Agent', 'api://app/.default', one, NOW);
    assert.equal(view.columns.length, 1);
    assert.equal(view.primary, 0);
    assert.match(view.subtitle, /^Single-instance agent · /);
    assert.match(view.note ?? '', /^No T1: a single-instance agent shares its client id \(shared\) with its blueprint/);
    assert.match(view.note ?? '', /oid \(agent-object\) is the agent identity/);
    const oid = view.rows.find((r) => r.name === 'oid')!;
    assert.deepEqual(oid.values, ['agent-object']);
    assert.match(oid.meaning!, /own object id: not the blueprint's/);
    assert.deepEqual(
      view.legs.map((l) => l.from),
      ['Single-instance agent (the client id it shares with its blueprint)'],
    );
  });

  it('lays T1 and the final token side by side, with missing claims as null and differences marked', () => {
    const view = exchangeView('Research Agent', 'https://graph.microsoft.com/.default', result(), NOW);
    assert.match(view.title, /^Research Agent · /);
    assert.equal(view.primary, 1);
    assert.deepEqual(
      view.columns.map((c) => c.heading),
      ['T1 (blueprint → exchange)', 'Final token (agent identity)'],
    );
    const by = Object.fromEntries(view.rows.map((r) => [r.name, r]));
    assert.deepEqual(by.xms_par_app_azp!.values, [null, 'bp']);
    assert.match(by.xms_par_app_azp!.meaning!, /Parent blueprint/);
    assert.deepEqual(by.roles!.values, [null, '["User.Read.All"]']);
    assert.equal(by.tid!.differs, false);
    assert.equal(by.aud!.differs, true);
    assert.match(by.aud!.details[0]!, /Token Exchange/);
    assert.ok(view.columns[0]!.warnings.some((w) => /exchange token/.test(w)));
    assert.deepEqual(view.columns[1]!.warnings, []);
    assert.deepEqual(
      view.legs.map((l) => [l.from, l.host, l.status]),
      [
        ['Blueprint', '127.0.0.1:1', 200],
        ['Agent identity', '127.0.0.1:1', 200],
      ],
    );
    assert.ok(JSON.stringify(view).indexOf('c2ln') === -1, 'no raw token in the view');
  });

  it('keeps hostile claim values as plain strings', () => {
    const view = singleTokenView(decodeToken(jwt({ x: '<img src=x onerror=alert(1)>', n: { a: [1] } })), 'a test', NOW);
    assert.deepEqual(
      view.rows.map((r) => r.values[0]),
      ['<img src=x onerror=alert(1)>', '{"a":[1]}'],
    );
  });

  it('builds the copy texts, quoting the URL for a shell and refusing non-HTTP URLs', () => {
    const T = 'eyJhbGciOiJSUzI1NiJ9.eyJ4IjoxfQ.c2ln';
    assert.deepEqual(copyText('token', T, undefined), { text: T });
    assert.deepEqual(copyText('bearer', T, undefined), { text: `Authorization: Bearer ${T}` });
    assert.deepEqual(copyText('curl', T, "https://graph.microsoft.com/v1.0/users?$filter=name eq 'x'"), {
      text: `curl -H 'Authorization: Bearer ${T}' 'https://graph.microsoft.com/v1.0/users?$filter=name%20eq%20%27x%27'`,
    });
    assert.deepEqual(copyText('curl', T, "https://api.example/it's;rm -rf"), {
      text: `curl -H 'Authorization: Bearer ${T}' 'https://api.example/it'\\''s;rm%20-rf'`,
    });
    assert.match((copyText('curl', T, 'javascript:alert(1)') as { refused: string }).refused, /http or https/);
    assert.match((copyText('curl', T, 'not a url') as { refused: string }).refused, /not a URL/);
  });
});

describe('the curl box', () => {
  it("starts from the token's audience: Graph in its cloud, the API's identifier otherwise", () => {
    assert.equal(curlUrlFor('https://graph.microsoft.com'), 'https://graph.microsoft.com/v1.0/applications?$top=1');
    assert.equal(
      curlUrlFor('00000003-0000-0000-c000-000000000000'),
      'https://graph.microsoft.com/v1.0/applications?$top=1',
    );
    assert.equal(curlUrlFor('https://graph.microsoft.us/'), 'https://graph.microsoft.us/v1.0/applications?$top=1');
    assert.equal(curlUrlFor('https://api.contoso.com'), 'https://api.contoso.com');
    assert.equal(curlUrlFor('api://sandbox-weather'), 'api://sandbox-weather');
    assert.equal(curlUrlFor(undefined), DEFAULT_CURL_URL);
    assert.equal(curlUrlFor(['a', 'b']), DEFAULT_CURL_URL);
  });
});

describe('the request editor and the call view', () => {
  const SANDBOX = 'http://127.0.0.1:5170';
  it("starts from the sandbox's API or Graph subset for the sandbox's tokens, and from the curl URL otherwise", () => {
    const iss = `${SANDBOX}/t/v2.0`;
    assert.equal(
      defaultCallUrl('api://sandbox-weather/.default', { iss, aud: 'x' }, SANDBOX),
      `${SANDBOX}/apis/weather/forecast`,
    );
    assert.equal(
      defaultCallUrl('https://graph.microsoft.com/.default', { iss, aud: 'https://graph.microsoft.com' }, SANDBOX),
      `${SANDBOX}/graph/v1.0/users?$top=5`,
    );
    // A real tenant's Graph token goes to Graph, even while a sandbox runs.
    assert.equal(
      defaultCallUrl(
        'https://graph.microsoft.com/.default',
        { iss: 'https://sts.windows.net/t/', aud: 'https://graph.microsoft.com' },
        SANDBOX,
      ),
      'https://graph.microsoft.com/v1.0/applications?$top=1',
    );
  });

  const response = (status: number, body: string, headers: Record<string, string> = {}) => ({
    status,
    statusText: status === 200 ? 'OK' : 'Forbidden',
    headers,
    body,
    truncated: false,
    durationMs: 12,
  });
  const base = {
    method: 'GET',
    url: 'https://x.test/a',
    agentName: 'A',
    scope: 'api://x/.default',
    flow: 'autonomous' as const,
  };

  it('shows a call under way, one that got no answer, and an answer with its body as text', () => {
    assert.deepEqual(callView(base), {
      method: 'GET',
      url: 'https://x.test/a',
      agentName: 'A',
      scope: 'api://x/.default',
      pending: true,
    });
    assert.equal(
      callView({ ...base, error: 'The API could not be reached: ECONNREFUSED.' }).error,
      'The API could not be reached: ECONNREFUSED.',
    );
    const ok = callView({ ...base, response: response(200, '{"a":1}', { 'content-type': 'application/json' }) });
    assert.equal(ok.status, 200);
    assert.equal(ok.bodyKind, 'json');
    assert.equal(ok.body, '{\n  "a": 1\n}');
    assert.equal(ok.explanation, undefined);
    const html = callView({
      ...base,
      response: response(200, '<img src=x onerror=alert(1)>', { 'content-type': 'text/html' }),
    });
    assert.equal(html.bodyKind, 'text');
    assert.equal(html.body, '<img src=x onerror=alert(1)>');
  });

  it("carries a 403's explanation, and offers the metadata's scope only when it differs from the one used", () => {
    const diagnosis = {
      summary: 'HTTP 403: x',
      catalogueSummary: 'HTTP 403: x',
      causes: [{ cause: 'c', evidence: 'e', fix: 'f', quoted: {}, catalogue: { cause: 'c', fix: 'f' } }],
    };
    const denied = callView({
      ...base,
      response: response(403, ''),
      diagnosis,
      metadata: { resource: 'api://y', scopes: ['api://y/Read', 'api://y/.default'] },
    });
    assert.deepEqual(denied.explanation, { summary: 'HTTP 403: x', causes: [{ cause: 'c', evidence: 'e', fix: 'f' }] });
    assert.equal(denied.bodyKind, 'empty');
    assert.equal(denied.metadata?.retryScope, 'api://y/.default');
    const same = callView({ ...base, response: response(403, ''), metadata: { scopes: ['api://x/.default'] } });
    assert.equal(same.metadata?.retryScope, undefined);
  });

  it('shows an exchange under way with the legs still to come', () => {
    const p = progressView(
      'Research Agent',
      'api://x/.default',
      'agent-user',
      [],
      'running',
      undefined,
      { method: 'GET', url: 'https://x.test' },
      'u@x',
    );
    assert.equal(p.totalLegs, 3);
    assert.equal(p.legs.length, 0);
    assert.match(p.subtitle, /^Agent user as u@x · api:\/\/x\/\.default · Getting the token…$/);
    assert.deepEqual(p.call, { method: 'GET', url: 'https://x.test' });
    assert.equal(
      progressView('R', 's', 'autonomous', [], 'failed', 'AADSTS7000215: bad secret').message,
      'AADSTS7000215: bad secret',
    );
  });

  it("names a tab by its agent and its resource, so one agent's tokens are told apart", () => {
    assert.equal(
      exchangeTitle('Support Agent', 'https://graph.microsoft.com/.default'),
      'Support Agent · Microsoft Graph',
    );
    assert.equal(
      exchangeTitle('Support Agent', '00000003-0000-0000-c000-000000000000/.default'),
      'Support Agent · Microsoft Graph',
    );
    assert.equal(exchangeTitle('Support Agent', 'api://sandbox-weather/.default'), 'Support Agent · sandbox-weather');
    assert.equal(exchangeTitle('A', 'https://api.contoso.com/jobs/Jobs.Read'), 'A · api.contoso.com/jobs');
  });

  it("shows a refused exchange as sent: the leg's status and code, cause, evidence, fix, said simulated", () => {
    const refused = new EntraError(
      401,
      parseEntraErrorBody(
        JSON.stringify({
          error: 'invalid_client',
          error_description: 'AADSTS7000215: Invalid client secret provided. Trace ID: t',
          error_codes: [7000215],
        }),
      ),
      undefined,
      {
        endpoint: 'http://127.0.0.1:9/t/oauth2/v2.0/token',
        leg: 'blueprint',
        durationMs: 12,
        parameters: { client_id: 'bp', client_secret: '[redacted]' },
      },
    );
    const failed = failedExchange(refused, 'Wrong client secret (AADSTS7000215)', [
      { label: 'Set Blueprint Credential…' },
      { label: 'Retry' },
    ]);
    assert.deepEqual(failed.leg, {
      name: 'blueprint',
      from: 'Blueprint',
      host: '127.0.0.1:9',
      status: 401,
      durationMs: 12,
      cached: false,
      parameters: [
        ['client_id', 'bp'],
        ['client_secret', '[redacted]'],
      ],
      refused: 'AADSTS7000215 invalid_client',
    });
    assert.equal(failed.failure.cause, 'The client secret sent for the blueprint is not valid.');
    assert.equal(
      failed.failure.evidence,
      'leg 1: the blueprint asks for T1: Entra answered HTTP 401 invalid_client, AADSTS7000215.',
    );
    assert.equal(failed.failure.said, 'AADSTS7000215: Invalid client secret provided.');
    assert.match(failed.failure.simulated ?? '', /^Simulated by the sandbox \(Wrong client secret.*happens once/);
    assert.deepEqual(failed.failure.actions, [
      { label: 'Set Blueprint Credential…', action: 0 },
      { label: 'Retry', action: 1 },
    ]);
    // In the timeline: the refused leg after the ones that worked, so leg 2 is "not sent", never leg 1.
    const view = progressView('A', 'api://x/.default', 'autonomous', [], 'failed', 'x', undefined, undefined, failed);
    assert.equal(view.legs.length, 1);
    assert.equal(view.legs[0]!.refused, 'AADSTS7000215 invalid_client');
    assert.equal(view.failure?.fix, refused.fix);
    // Not Entra's: its explained summary, no leg.
    const other = failedExchange(new NetworkError('timeout', 'No answer in 30 s.', 'http://x'), undefined, []);
    assert.equal(other.leg, undefined);
    assert.equal(other.failure.cause, 'No answer in 30 s.');
  });

  it("a 403 whose fix is a grant offers it as the first such cause's button, when the host does", () => {
    const cause = (grant?: { kind: 'appRole'; value: string }) => ({
      cause: 'c',
      evidence: 'e',
      fix: 'f',
      quoted: {},
      catalogue: { cause: 'c', fix: 'f' },
      ...(grant ? { grant } : {}),
    });
    const diagnosis = {
      summary: 'HTTP 403: x',
      catalogueSummary: 'HTTP 403: x',
      causes: [cause(), cause({ kind: 'appRole', value: 'Weather.Read' }), cause({ kind: 'appRole', value: 'B' })],
    };
    const outcome = {
      method: 'GET',
      url: 'https://x.test/a',
      agentName: 'A',
      scope: 'api://x/.default',
      flow: 'autonomous' as const,
      response: { status: 403, statusText: 'Forbidden', headers: {}, body: '', durationMs: 1, truncated: false },
      diagnosis,
    };
    const causes = callView(outcome, 0).explanation!.causes;
    assert.deepEqual(
      causes.map((c) => c.action),
      [undefined, { label: 'Grant Weather.Read…', action: 0 }, undefined],
    );
    assert.ok(
      callView(outcome).explanation!.causes.every((c) => !c.action),
      'no button unless the host offers it',
    );
  });
});
