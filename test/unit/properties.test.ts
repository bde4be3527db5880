// Property-based checks: generated inputs, zero unexpected exceptions. Every failure must be a typed, explained error.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { explainClaims } from '../../src/core/claims';
import { validateAuthority, validateClientId, validateDefaultScope, validateTenant } from '../../src/core/config';
import { EntraError, parseEntraErrorBody } from '../../src/core/entraError';
import { ConfigError, TokenDecodeError } from '../../src/core/errors';
import { decodeToken } from '../../src/core/jwt';
import { compareClaims, tokenWarnings } from '../../src/core/tokenInsights';
import { tokenOptions } from '../../src/cli/tokenCommand';
import { parse, UsageError } from '../../src/cli/usage';

const RUNS = 2000;
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const claimsArb = fc.dictionary(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 12 });

/** Runs fn; a thrown error must be one of the expected kinds. */
function onlyThrows(fn: () => unknown, ...kinds: (new (...args: never[]) => Error)[]): void {
  try {
    fn();
  } catch (e) {
    if (!kinds.some((k) => e instanceof k)) throw e;
  }
}

describe('properties (generated inputs)', () => {
  it('the JWT decoder: any text decodes or gives a TokenDecodeError; encoded claims come back as they were', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => onlyThrows(() => decodeToken(text), TokenDecodeError)), { numRuns: RUNS / 2 });
    fc.assert(
      fc.property(claimsArb, fc.jsonValue(), (claims, junk) => {
        const token = decodeToken(`${b64({ alg: 'RS256' })}.${b64(claims)}.${b64(junk)}`);
        assert.deepEqual(token.claims, JSON.parse(JSON.stringify(claims)));
      }),
      { numRuns: RUNS / 2 },
    );
  });

  it('the claim explainer and token insights never throw, and explain every claim once', () => {
    fc.assert(
      fc.property(claimsArb, claimsArb, fc.integer(), (a, b, now) => {
        const rows = explainClaims(a, now);
        assert.equal(rows.length, Object.keys(a).length);
        const left = { raw: 'x', header: {}, claims: a };
        const right = { raw: 'y', header: {}, claims: b };
        compareClaims(left, right);
        tokenWarnings(left, now);
      }),
      { numRuns: RUNS },
    );
  });

  it('the error-body parser survives any body, and EntraError explains it', () => {
    const bodies = fc.oneof(fc.string({ maxLength: 400 }), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), fc.record({ error: fc.string(), error_codes: fc.array(fc.oneof(fc.integer(), fc.string())), error_description: fc.string(), claims: fc.jsonValue() }).map((v) => JSON.stringify(v)));
    fc.assert(
      fc.property(bodies, fc.integer({ min: 100, max: 599 }), (text, status) => {
        const body = parseEntraErrorBody(text);
        const e = new EntraError(status, body);
        assert.ok(e.explanation.length > 0 && e.fix.length > 0);
        if (body.error_codes) assert.ok(body.error_codes.every((c) => Number.isInteger(c)));
      }),
      { numRuns: RUNS },
    );
  });

  it('configuration checks: any value is accepted or refused with a ConfigError naming the field', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (v) => {
        for (const check of [() => validateTenant(v, 'T'), () => validateClientId(v, 'C', 'x'), () => validateAuthority(v, 'A'), () => validateDefaultScope(v, 'S')]) {
          try {
            check();
          } catch (e) {
            assert.ok(e instanceof ConfigError, String(e));
            assert.ok(['T', 'C', 'A', 'S'].includes(e.field));
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('CLI argument parsing: any argument list parses or gives a UsageError', () => {
    const flag = fc.constantFrom(...Object.keys(tokenOptions).map((k) => `--${k}`), '--', '-h', '--nope', '-x');
    const args = fc.array(fc.oneof(flag, fc.string({ maxLength: 30 })), { maxLength: 12 });
    fc.assert(fc.property(args, (list) => onlyThrows(() => parse('token', list, tokenOptions), UsageError)), { numRuns: RUNS });
  });
});
