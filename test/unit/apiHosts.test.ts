import assert from 'node:assert/strict';
import { resourceOfScope, scopeForUrl, tokenDestination } from '../../src/core/apiHosts';

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
    assert.ok(!elsewhere.send && elsewhere.confirm, 'a host outside the resource asks first');
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

  it("sends the sandbox's API tokens to the running sandbox's origin, and only there", () => {
    const scope = 'api://sandbox-weather/.default';
    assert.equal(tokenDestination(`${sandboxOrigin}/apis/weather/forecast`, scope, { sandboxOrigin }).send, true);
    assert.equal(tokenDestination('http://127.0.0.1:9/apis/weather', scope, { sandboxOrigin }).send, false);
    assert.equal(tokenDestination(`${sandboxOrigin}/apis/weather`, scope).send, false, 'no sandbox running');
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
