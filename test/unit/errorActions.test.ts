import assert from 'node:assert/strict';
import { EntraError, parseEntraErrorBody } from '../../src/core/errors/entraError';
import { catalogedCodes, remedyOf } from '../../src/core/errors/errorCatalog';
import { reportOf } from '../../src/core/errors/errorReport';
import { ConfigError, CredentialError, NetworkError } from '../../src/core/errors/errors';
import { errorActions } from '../../src/extension/errorActions';

const entra = (code: number | undefined, status = 400) =>
  new EntraError(
    status,
    parseEntraErrorBody(
      JSON.stringify({
        error: 'invalid_client',
        error_description: code ? `AADSTS${code}: x. Trace ID: t` : 'Too Many Requests',
        ...(code ? { error_codes: [code] } : {}),
        trace_id: 'trace-1',
        correlation_id: 'corr-1',
        timestamp: '2026-12-01 10:00:00Z',
      }),
    ),
    status === 429 ? 30 : undefined,
    { endpoint: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token', leg: 'T1 (blueprint)' },
  );
/**
 * Catalogued codes with no one-click fix in the product, and why (kept here, not in the bundle): the fix is made elsewhere (the tenant, the user
 * token, the request's shape, which the product always sends right).
 */
const NO_ONE_CLICK_FIX: Readonly<Record<number, string>> = {
  900144: 'the description names the missing parameter; the product always sends them all',
  50013: "the user token's audience is set where the user signs in, not here",
  70003: 'the product sends only grant types agent identities support',
  7000112: 'an application is enabled in the tenant (Entra admin center or Graph)',
  700229: 'the assertion must be an app-only token; the product sends T1',
  700212: "the federated credential's audience is set in the tenant",
  700213: 'T1 names the agent in fmi_path; the product always sets it to the agent that presents it',
  82001: 'the product sends the two-leg exchange only, and the blueprint asks as itself only where it may',
  50000: 'a server error, or a user_id the product never sends a UPN in; Retry is offered as for every 5xx',
  53003: "Conditional Access policies are changed by the tenant's admin, not here",
  50126: "the sandbox user's password is the sandbox's",
  50034: 'the agent user is created in the tenant (New Agent User…)',
};

const all = { blueprintId: 'b', agentId: 'a', canRetry: true };

describe('errors that offer their fix', () => {
  it('offers the fix where it is made, then Retry, then Copy Error Details', () => {
    for (const [code, fix] of [
      [7000215, 'setCredential'],
      [7000222, 'setCredential'],
      [700027, 'setCredential'],
      [90002, 'editBlueprint'],
      [700016, 'editBlueprint'],
      [700211, 'editAgent'],
      [500011, 'editAgent'],
    ] as const)
      assert.deepEqual(errorActions(reportOf(entra(code)), all), [fix, 'retry', 'copyDetails'], String(code));
    // Missing consent: Grant Permissions… on the agent (on the sandbox, and for anyone who may grant).
    assert.deepEqual(errorActions(reportOf(entra(65001)), all), ['grant', 'retry', 'copyDetails']);
    assert.deepEqual(errorActions(reportOf(entra(undefined, 429)), all), ['retry', 'copyDetails']);
  });

  it('every catalogued code has its one-click fix, or says why it has none', () => {
    for (const code of catalogedCodes) {
      const remedy = remedyOf(code, 400);
      const none = Object.hasOwn(NO_ONE_CLICK_FIX, code);
      assert.ok(
        !!remedy !== none,
        `AADSTS${code}: ${remedy ? `remedy ${remedy} and` : 'neither a remedy nor'} a reason for none`,
      );
      if (remedy) assert.ok(errorActions(reportOf(entra(code)), all).length >= 2, String(code));
    }
  });

  it('offers only what applies: no blueprint known, no retry, no details', () => {
    assert.deepEqual(errorActions(reportOf(entra(7000215)), { agentId: 'a' }), ['copyDetails']);
    const allowList = new ConfigError('Authority', 'https://x.example is not an allowed Entra host.', 'Add the host…');
    assert.deepEqual(errorActions(reportOf(allowList), all), ['openSettings']);
    assert.deepEqual(errorActions(reportOf(new ConfigError('Tenant', 'is empty.', 'Give one.')), all), []);
    assert.deepEqual(errorActions(reportOf(new CredentialError('The PEM is unreadable.', 'Pick it again.')), all), [
      'setCredential',
    ]);
    const network = new NetworkError(
      'timeout',
      'No answer in 30 s.',
      'https://login.microsoftonline.com/t/oauth2/v2.0/token',
    );
    assert.deepEqual(errorActions(reportOf(network), all), ['retry', 'copyDetails']);
    assert.deepEqual(errorActions(reportOf(new TypeError('bug')), all), []);
  });

  it('puts in the details what a support ticket asks for, and Retry-After when Entra sent one', () => {
    const report = reportOf(entra(7000215));
    assert.ok(report.kind === 'explained');
    assert.equal(
      report.details,
      [
        'Error: AADSTS7000215 (invalid_client), HTTP 400',
        'Meaning: The client secret sent for the blueprint is not valid.',
        `Fix: ${(entra(7000215) as EntraError).fix}`,
        'Entra said: AADSTS7000215: x.',
        'Trace ID: trace-1',
        'Correlation ID: corr-1',
        'Timestamp: 2026-12-01 10:00:00Z',
        'Endpoint: POST https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token (T1 (blueprint)), answered HTTP 400',
      ].join('\n'),
    );
    const throttled = reportOf(entra(undefined, 429));
    assert.ok(throttled.kind === 'explained' && /^Retry after: 30 s$/m.test(throttled.details ?? ''));
  });
});
