import assert from 'node:assert/strict';
import { resourceOfScope, scopeForUrl, tokenDestination, urlInMessage } from '../../src/core/api/apiHosts';

const GRAPH = 'https://graph.microsoft.com/.default';
const sandboxOrigin = 'http://127.0.0.1:51234';

describe('where a token may be sent (core/apiHosts)', () => {
  it("sends a Graph token to its own cloud's Graph host only", () => {
    assert.deepEqual(tokenDestination('https://graph.microsoft.com/v1.0/me', GRAPH), {
      send: true,
      host: 'graph.microsoft.com',
    });
    const elsewhere = tokenDestination('https://graph.microsoft.com.evil.example/v1.0/me', GRAPH);
    assert.equal(elsewhere.send, false);
    assert.ok(!elsewhere.send && !elsewhere.confirm, 'a Graph token never goes elsewhere: nothing to confirm');
    assert.ok(!elsewhere.send && /not a host of https:\/\/graph\.microsoft\.com/.test(elsewhere.reason));
    assert.equal(tokenDestination('https://graph.microsoft.us/v1.0/me', GRAPH).send, false, 'another cloud');
    assert.equal(
      tokenDestination('https://graph.microsoft.us/v1.0/me', 'https://graph.microsoft.us/.default').send,
      true,
    );
  });

  it('refuses http (but for loopback), credentials in the URL, and what is not a URL, without asking', () => {
    for (const url of [
      'http://graph.microsoft.com/v1.0/me',
      'ftp://graph.microsoft.com/',
      'not a url',
      'https://u:p@graph.microsoft.com/',
    ])
      assert.deepEqual(
        (({ send, confirm }) => ({ send, confirm }))(
          tokenDestination(url, GRAPH) as { send: boolean; confirm: boolean },
        ),
        { send: false, confirm: false },
        url,
      );
  });

  it('a URL in a message: its origin (and the start of its path); what is not a URL is never repeated', () => {
    assert.equal(urlInMessage('https://api.contoso.example:8443/v1/jobs?x=secret'), 'https://api.contoso.example:8443');
    assert.equal(
      urlInMessage('https://api.contoso.example/v1/jobs?x=secret', true),
      'https://api.contoso.example/v1/jobs',
    );
    assert.equal(urlInMessage(`eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2ln`), 'a token (not a URL)');
    assert.equal(urlInMessage('Bearer eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2ln'), 'a token (not a URL)');
    assert.equal(urlInMessage('my-password-typed-here'), '(not a URL)');
  });

  it('promise: a token pasted where the URL goes is called a token, never quoted, not even in part', () => {
    // Found by a mutation audit: with a scope given, the URL reaches this check (without one, an earlier one).
    const token = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from('{"aud":"api://x","oid":"0123456789abcdef"}').toString('base64url')}.c2lnbmF0dXJlLXBhcnQtb2YtaXQ`;
    for (const pasted of [token, `Bearer ${token}`, `  ${token}`, `bearer ${token}\n`])
      for (const scope of [GRAPH, 'api://sandbox-weather/.default']) {
        const verdict = tokenDestination(pasted, scope);
        assert.ok(!verdict.send && !verdict.confirm, pasted);
        const said = !verdict.send ? `${verdict.reason} ${verdict.fix}` : '';
        assert.match(said, /^A token is not a URL\./, said);
        for (let i = 0; i + 8 <= token.length; i += 4)
          assert.ok(!said.includes(token.slice(i, i + 8)), `a piece of the token: ${said}`);
      }
  });

  it("sends the sandbox's API tokens to the running sandbox's origin, and only there", () => {
    const scope = 'api://sandbox-weather/.default';
    assert.equal(tokenDestination(`${sandboxOrigin}/apis/weather/forecast`, scope, { sandboxOrigin }).send, true);
    assert.equal(tokenDestination('http://127.0.0.1:9/apis/weather', scope, { sandboxOrigin }).send, false);
    assert.equal(tokenDestination(`${sandboxOrigin}/apis/weather`, scope).send, false, 'no sandbox running');
  });

  it('promise: a token for Graph, the sandbox or the exchange never goes to a host outside its own, whatever any allow-list says', () => {
    const listed = (scope: string, host: string) => ({ sandboxOrigin, userHosts: { [scope]: [host] } });
    for (const [scope, url] of [
      [GRAPH, 'https://jobs.contoso.com/x'],
      ['https://graph.microsoft.us/.default', 'https://jobs.contoso.com/x'],
      ['api://sandbox-weather/.default', 'http://127.0.0.1:9/apis/weather'],
      [`${sandboxOrigin}/.default`, 'http://127.0.0.1:9/'],
      // Graph by its app id and its canary: Graph tokens as well.
      ['00000003-0000-0000-c000-000000000000/.default', 'https://jobs.contoso.com/x'],
      ['https://canary.graph.microsoft.com/.default', 'https://jobs.contoso.com/x'],
    ] as const) {
      const v = tokenDestination(url, scope, listed(scope, new URL(url).host));
      assert.deepEqual([v.send, !v.send && v.confirm], [false, false], scope);
    }
    for (const scope of [
      'api://AzureADTokenExchange/.default',
      'api://AzureADTokenExchange',
      'api://AzureADTokenExchangeUSGov/.default',
      'api://AzureADTokenExchangeChina/.default',
      'fb60f99c-7a34-4190-8149-302f77469936/.default',
      'api://fb60f99c-7a34-4190-8149-302f77469936/.default',
    ]) {
      for (const url of [
        'https://login.microsoftonline.com/x',
        'https://jobs.contoso.com/x',
        `${sandboxOrigin}/apis/weather`,
      ]) {
        const v = tokenDestination(url, scope, listed(scope, new URL(url).host));
        assert.deepEqual([v.send, !v.send && v.confirm], [false, false], `${scope} → ${url}`);
        assert.ok(!v.send && /the agent's credential/.test(v.reason));
      }
    }
  });

  it('promise: a resource URI that names a host grants it nothing when a model chose the scope', () => {
    const scope = 'https://127.0.0.1:4443/.default';
    assert.equal(tokenDestination('https://127.0.0.1:4443/x', scope).send, true, 'typed by the user: its own host');
    const chosen = tokenDestination('https://127.0.0.1:4443/x', scope, { modelChoseScope: true });
    assert.equal(chosen.send, false);
    assert.equal(
      tokenDestination('https://api.contoso.com/x', 'https://api.contoso.com/.default', { modelChoseScope: true }).send,
      false,
    );
  });

  it('sends to a host the user listed for that scope, and an https resource to its own host', () => {
    const scope = 'api://contoso-jobs/.default';
    assert.equal(tokenDestination('https://jobs.contoso.com/run', scope).send, false);
    assert.equal(
      tokenDestination('https://jobs.contoso.com/run', scope, { userHosts: { [scope]: ['JOBS.contoso.com'] } }).send,
      true,
    );
    assert.equal(
      tokenDestination('https://jobs.contoso.com/run', 'api://other/.default', {
        userHosts: { [scope]: ['jobs.contoso.com'] },
      }).send,
      false,
      'listed for another scope',
    );
    assert.equal(
      tokenDestination('https://api.contoso.com:8443/x', 'https://api.contoso.com:8443/.default').send,
      true,
    );
  });

  it('infers the scope of Graph URLs per cloud and of the sandbox APIs, and nothing else', () => {
    assert.equal(scopeForUrl('https://graph.microsoft.com/v1.0/users?$top=1'), GRAPH);
    assert.equal(
      scopeForUrl('https://microsoftgraph.chinacloudapi.cn/v1.0/me'),
      'https://microsoftgraph.chinacloudapi.cn/.default',
    );
    assert.equal(
      scopeForUrl(`${sandboxOrigin}/apis/weather/forecast`, { sandboxOrigin }),
      'api://sandbox-weather/.default',
    );
    assert.equal(scopeForUrl(`${sandboxOrigin}/apis/weather`, {}), undefined);
    assert.equal(scopeForUrl('https://api.contoso.com/x'), undefined);
    assert.equal(scopeForUrl('::'), undefined);
    assert.equal(resourceOfScope('https://graph.microsoft.com/User.Read openid'), 'https://graph.microsoft.com');
    assert.equal(resourceOfScope('api://contoso/.default'), 'api://contoso');
  });
});
