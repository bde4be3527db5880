import assert from 'node:assert/strict';
import { ConfigError } from '../../src/core/errors/errors';
import { requestLine } from '../../src/sidecar/requestRecord';
import { requestRow, sidecarApisFromSetting, sidecarPort } from '../../src/extension/sidecar/sidecarRules';
import { sidecarCurlLines, sidecarSettingsText } from '../../src/extension/sidecar/sidecarSettings';

describe("the extension's agent sidecar, pure rules", () => {
  it('takes a port 0–65535 from the setting (0: any free port), else 5178', () => {
    assert.deepEqual(
      [0, 5178, 8080, 65535, 65536, -1, 80.5, '5178', null, undefined].map(sidecarPort),
      [0, 5178, 8080, 65535, 5178, 5178, 5178, 5178, 5178, 5178],
    );
  });

  it('reads downstream APIs from the user setting, with their base URL and app-only switch', () => {
    assert.deepEqual(sidecarApisFromSetting(undefined), []);
    assert.deepEqual(
      sidecarApisFromSetting({
        weather: { scopes: ['api://contoso-weather/.default'], baseUrl: 'https://weather.contoso.com/v1' },
        jobs: { scopes: [' api://jobs/Read ', 'api://jobs/Write'], requestAppToken: true },
      }),
      [
        { name: 'weather', scopes: ['api://contoso-weather/.default'], baseUrl: 'https://weather.contoso.com/v1' },
        { name: 'jobs', scopes: ['api://jobs/Read', 'api://jobs/Write'], requestAppToken: true },
      ],
    );
  });

  it('refuses a bad entry by name, saying what to write, before anything starts', () => {
    const cases: [unknown, RegExp][] = [
      [[], /must be an object of API names/],
      ['weather', /must be an object/],
      [{ 'bad name!': { scopes: ['x'] } }, /bad name!: is not a usable API name/],
      [{ weather: {} }, /weather › scopes: must list one or more scopes/],
      [{ weather: { scopes: [] } }, /weather › scopes/],
      [{ weather: { scopes: ['ok', 3] } }, /weather › scopes/],
      [{ weather: { scopes: ['x'], baseUrl: 'ftp://weather' } }, /weather › baseUrl: is not an http\(s\) URL/],
      [{ weather: { scopes: ['x'], baseUrl: 'not a url' } }, /weather › baseUrl/],
      [{ weather: { scopes: ['x'], requestAppToken: 'yes' } }, /weather › requestAppToken: must be true or false/],
    ];
    for (const [raw, message] of cases)
      assert.throws(
        () => sidecarApisFromSetting(raw),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
        JSON.stringify(raw),
      );
  });

  it('copies SIDECAR_URL, an Agents SDK connection and a curl line, naming the blueprint and an agent', () => {
    const text = sidecarSettingsText({
      url: 'http://127.0.0.1:5178',
      blueprintName: 'Contoso Blueprint',
      blueprintId: 'b1',
      tenant: 't1',
      agentId: 'a1',
    });
    assert.match(text, /^SIDECAR_URL=http:\/\/127\.0\.0\.1:5178$/m);
    assert.match(text, /^connections__serviceConnection__settings__authType=EntraAuthSideCar$/m);
    assert.match(text, /^connections__serviceConnection__settings__clientId=b1$/m);
    assert.match(text, /^connections__serviceConnection__settings__tenantId=t1$/m);
    assert.match(
      text,
      /AuthorizationHeaderUnauthenticated\/graph\?AgentIdentity=a1&optionsOverride.RequestAppToken=true"/,
    );
    assert.doesNotMatch(text, /secret\s*=|clientSecret|ClientSecret/i, 'no secret key of any kind');
  });

  it('gives one runnable curl per API it serves, Graph first, none for the aliases; in the .env as comments', () => {
    const input = {
      url: 'http://127.0.0.1:5178',
      blueprintName: 'B',
      blueprintId: 'b1',
      tenant: 't1',
      agentId: 'a1',
      apis: ['agenticblueprint', 'default', 'weather', 'graph', 'legacy'],
    };
    assert.deepEqual(sidecarCurlLines(input), [
      'curl -s "http://127.0.0.1:5178/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=a1&optionsOverride.RequestAppToken=true"',
      'curl -s "http://127.0.0.1:5178/AuthorizationHeaderUnauthenticated/weather?AgentIdentity=a1&optionsOverride.RequestAppToken=true"',
      'curl -s "http://127.0.0.1:5178/AuthorizationHeaderUnauthenticated/legacy?AgentIdentity=a1&optionsOverride.RequestAppToken=true"',
    ]);
    // Every line of the .env is a setting, a comment or empty: the curl lines do not break its parsing.
    for (const line of sidecarSettingsText(input).split('\n')) assert.match(line, /^(#.*|\w+=.*|)$/, line);
  });

  const record = {
    at: new Date('2026-12-02T10:11:12Z'),
    route: '/AuthorizationHeaderUnauthenticated',
    api: 'graph',
    agentId: 'a1',
    scope: 'https://graph.microsoft.com/.default',
    status: 200,
    fromCache: true,
    ms: 0.42,
  };

  it('names who asked in a request row: the agent user, the agent, or the blueprint', () => {
    const name = (id: string) => (id === 'a1' ? 'Research Agent' : undefined);
    assert.equal(requestRow(record, name).label, 'Research Agent');
    assert.equal(requestRow({ ...record, agentId: 'a2' }, name).label, 'a2');
    assert.equal(requestRow({ ...record, agentUser: 'u@x' }, name).label, 'u@x');
    assert.deepEqual(
      requestRow({ ...record, agentUser: 'u@x' }, name).tooltip.find(([k]) => k === 'Agent identity'),
      ['Agent identity', 'Research Agent (a1)'],
    );
    const { agentId: _, ...app } = record;
    assert.equal(requestRow(app, name).label, 'the blueprint');
    const row = requestRow(record, name);
    assert.match(row.description, /^\d\d:\d\d:\d\d · 200 · https:\/\/graph\.microsoft\.com\/\.default · cache$/);
    assert.deepEqual(
      row.tooltip.find(([k]) => k === 'Answered by'),
      ['Answered by', 'the cache'],
    );
    const failed = requestRow({ ...record, status: 401, fromCache: false, problem: { title: 'T', detail: 'D' } }, name);
    assert.deepEqual(
      failed.tooltip.find(([k]) => k === 'Problem'),
      ['Problem', 'T: D'],
    );
  });

  it('logs a request in one line, escaping what came from outside', () => {
    assert.equal(
      requestLine({ ...record, agentUser: 'u@x' }),
      '2026-12-02T10:11:12.000Z  200  /AuthorizationHeaderUnauthenticated graph  agent a1  user u@x  https://graph.microsoft.com/.default  (cache)  0.4 ms',
    );
    assert.match(
      requestLine({ ...record, api: 'g\u001b[2J' }, (t) => t.replaceAll('\u001b', '\\e')),
      / g\\e\[2J /,
    );
  });
});
