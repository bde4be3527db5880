import assert from 'node:assert/strict';
import { EntraError, parseEntraErrorBody } from '../../src/core/errors/entraError';
import { catalogedCodes, explainAadsts } from '../../src/core/errors/errorCatalog';

describe('Entra error bodies', () => {
  it('reads every documented field and keeps claims as a JSON string', () => {
    const body = parseEntraErrorBody(
      JSON.stringify({
        error: 'invalid_client',
        error_description:
          'AADSTS7000215: Invalid client secret provided. Trace ID: t Correlation ID: c Timestamp: 2026-01-01 00:00:00Z',
        error_codes: [7000215],
        timestamp: '2026-01-01 00:00:00Z',
        trace_id: 't',
        correlation_id: 'c',
        error_uri: 'https://login.microsoftonline.com/error?code=7000215',
        suberror: 'consent_required',
        claims: '{"access_token":{"capolids":{"essential":true}}}',
        unknown_field: 'dropped',
      }),
    );
    assert.equal(body.error, 'invalid_client');
    assert.deepEqual(body.error_codes, [7000215]);
    assert.equal(body.suberror, 'consent_required');
    assert.equal(body.claims, '{"access_token":{"capolids":{"essential":true}}}');
    assert.ok(!('unknown_field' in body));
    const err = new EntraError(401, body);
    assert.equal(err.code, 7000215);
    assert.equal(err.traceId, 't');
    assert.equal(err.correlationId, 'c');
    assert.match(err.explanation, /client secret/);
    assert.match(err.fix, /value/);
  });

  it('survives HTML pages, bare text and empty bodies', () => {
    assert.deepEqual(parseEntraErrorBody('Too Many Requests'), { error_description: 'Too Many Requests' });
    assert.deepEqual(parseEntraErrorBody('<html><body><h1>Service Unavailable</h1></body></html>'), {
      error_description: 'Service Unavailable',
    });
    assert.deepEqual(parseEntraErrorBody(''), {});
    assert.deepEqual(parseEntraErrorBody('null'), { error_description: 'null' });
    assert.deepEqual(parseEntraErrorBody('[1,2]'), { error_description: '[1,2]' });
    const throttled = new EntraError(429, parseEntraErrorBody('Too Many Requests'), 60);
    assert.equal(throttled.code, undefined);
    assert.match(throttled.explanation, /throttl/);
    assert.equal(throttled.retryAfterSeconds, 60);
  });

  it('ignores wrongly typed fields', () => {
    const body = parseEntraErrorBody('{"error":5,"error_codes":["x",70011,1.5],"trace_id":null}');
    assert.deepEqual(body, { error_codes: [70011] });
  });

  it('takes the code from the description when error_codes is missing', () => {
    assert.equal(new EntraError(400, { error_description: 'AADSTS50027: JWT token is invalid' }).code, 50027);
  });

  it('explains every code in shared docs §4', () => {
    const documented = [
      7000215, 7000222, 7000218, 900144, 700016, 700027, 700024, 50027, 50013, 50012, 50048, 90002, 70011, 700022,
      1002012, 500011, 65001, 70003, 7000112, 700229, 70021, 700211, 700212, 700213, 82001, 50196, 90055,
      // Agent ID's 2026 shapes (shared docs agent-id-2026.md §7).
      82008, 82014, 50000, 7000216, 9002324, 53003,
    ];
    for (const code of documented) {
      const e = explainAadsts(code);
      assert.ok(e, `AADSTS${code} is not in the catalog`);
      assert.ok(e.explanation.endsWith('.') && e.fix.length > 10, `AADSTS${code} needs a sentence and a fix`);
    }
    assert.ok(catalogedCodes.length >= documented.length);
  });
});
