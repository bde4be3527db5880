import assert from 'node:assert/strict';
import { REDACTED, redactParameters, redactTokens } from '../../src/core/redact';

describe('redaction', () => {
  it('records credential and token parameters by name only', () => {
    const params = { client_id: 'c', scope: 's', client_secret: 'S3cret', client_assertion: 'eyJa.b.c', assertion: 'ASSERTION-1', refresh_token: 'REFRESH-2', user_federated_identity_credential: 'FIC-3', password: 'PASSWORD-4', fmi_path: 'agent' };
    const out = redactParameters(params);
    assert.deepEqual(out, { client_id: 'c', scope: 's', client_secret: REDACTED, client_assertion: REDACTED, assertion: REDACTED, refresh_token: REDACTED, user_federated_identity_credential: REDACTED, password: REDACTED, fmi_path: 'agent' });
    for (const v of ['S3cret', 'eyJa.b.c', 'ASSERTION-1', 'REFRESH-2', 'FIC-3', 'PASSWORD-4']) assert.ok(!JSON.stringify(out).includes(v));
  });

  it('keeps no whole token in a log line: unsigned, signed, several, at the edges', () => {
    const signed = 'eyJhbGciOiJSUzI1NiJ9.eyJhcHBpZCI6ImEifQ.c2lnbmF0dXJlLWJ5dGVz';
    const unsigned = 'eyJhbGciOiJub25lIn0.eyJhIjoxfQ.';
    const line = `${signed} leg agent: Bearer ${unsigned} and again:${signed}`;
    const out = redactTokens(line);
    assert.ok(!out.includes(signed) && !out.includes(unsigned), out);
    assert.ok(!out.includes('eyJhcHBpZCI6ImEifQ'), 'no claims segment survives');
    assert.equal(out.match(/\[token redacted\]/g)?.length, 3);
    assert.equal(redactTokens('no tokens here: eyJ alone, a.b.c'), 'no tokens here: eyJ alone, a.b.c');
  });
});
