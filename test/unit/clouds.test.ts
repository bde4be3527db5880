import assert from 'node:assert/strict';
import { isAllowedAuthority } from '../../src/core/config/authorityPolicy';
import { CLOUDS, defaultGraphScope, isCloudName } from '../../src/core/config/clouds';
import { validateAuthority } from '../../src/core/config/config';

describe('clouds', () => {
  it("knows each cloud's authority, Graph and FIC audience (shared docs §6)", () => {
    assert.deepEqual(
      Object.values(CLOUDS).map((c) => [c.name, c.authority, defaultGraphScope(c), c.ficAudience]),
      [
        [
          'public',
          'https://login.microsoftonline.com',
          'https://graph.microsoft.com/.default',
          'api://AzureADTokenExchange',
        ],
        [
          'usgov',
          'https://login.microsoftonline.us',
          'https://graph.microsoft.us/.default',
          'api://AzureADTokenExchangeUSGov',
        ],
        [
          'china',
          'https://login.chinacloudapi.cn',
          'https://microsoftgraph.chinacloudapi.cn/.default',
          'api://AzureADTokenExchangeChina',
        ],
      ],
    );
  });
  it('every cloud authority is valid and on the allow-list; other hosts are not', () => {
    for (const c of Object.values(CLOUDS)) {
      assert.equal(validateAuthority(c.authority), c.authority);
      assert.ok(isAllowedAuthority(c.authority), c.name);
    }
    assert.ok(isAllowedAuthority('http://127.0.0.1:5000'));
    assert.ok(!isAllowedAuthority('https://login.microsoftonline.com.evil.example'));
    assert.ok(!isAllowedAuthority('http://login.microsoftonline.com'));
    assert.ok(isAllowedAuthority('https://login.contoso.example', ['login.contoso.example']));
  });
  it('names clouds strictly', () => {
    assert.ok(isCloudName('usgov') && !isCloudName('constructor') && !isCloudName('Public'));
  });
});
