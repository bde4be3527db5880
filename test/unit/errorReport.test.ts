import assert from 'node:assert/strict';
import { EntraError, parseEntraErrorBody } from '../../src/core/errors/entraError';
import { reportOf } from '../../src/core/errors/errorReport';
import {
  CancelledError,
  ConfigError,
  CredentialError,
  NetworkError,
  TokenDecodeError,
} from '../../src/core/errors/errors';

describe('the error boundary: what a face does with an error', () => {
  it('keeps a cancel quiet', () => {
    assert.equal(reportOf(new CancelledError()).kind, 'cancelled');
  });

  it('explains an Entra error with its code, meaning and fix, and logs its ids', () => {
    const body = parseEntraErrorBody(
      JSON.stringify({
        error: 'invalid_client',
        error_description: 'AADSTS700211: No matching federated identity record found.',
        error_codes: [700211],
        trace_id: 'trace-1',
        correlation_id: 'corr-1',
      }),
    );
    const report = reportOf(new EntraError(400, body));
    assert.equal(report.kind, 'explained');
    assert.ok(report.kind === 'explained' && report.category === 'entra');
    assert.match(report.summary, /^AADSTS700211: /);
    assert.match(report.logLine, /trace id trace-1, correlation id corr-1/);
  });

  it('names the field and the fix of a configuration error, and each other known kind', () => {
    const config = reportOf(new ConfigError('Tenant', 'is not a GUID or a domain.', 'Use the directory id.'));
    assert.deepEqual(
      [config.kind, config.summary],
      ['explained', 'Tenant is not a GUID or a domain. Use the directory id.'],
    );
    for (const [e, category] of [
      [new CredentialError('The passphrase does not open the key.', 'Set it again.', 'certificate'), 'credential'],
      [new TokenDecodeError('That is not a JWT.'), 'token'],
      [
        new NetworkError('timeout', 'No answer in 30 s.', 'https://login.microsoftonline.com/t/oauth2/v2.0/token'),
        'network',
      ],
    ] as const) {
      const report = reportOf(e);
      assert.ok(report.kind === 'explained' && report.category === category, category);
    }
  });

  it('treats anything else as a bug: one sentence to show, the stack for the log', () => {
    const report = reportOf(new TypeError('x is undefined'));
    assert.equal(report.kind, 'unexpected');
    assert.equal(report.summary, 'Something went wrong: x is undefined');
    assert.match(report.logLine, /TypeError: x is undefined\n\s+at /);
    assert.equal(reportOf('a string').summary, 'Something went wrong: a string');
  });
});
