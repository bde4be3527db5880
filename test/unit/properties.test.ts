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
import { DEFINITIONS_FILE_KIND, parseDefinitionsFile, planImport, validateBlueprint, type BlueprintDefinition } from '../../src/extension/definitionRules';

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

  it('configuration import: any file text parses or gives a ConfigError', () => {
    const text = fc.oneof(fc.string({ maxLength: 200 }), fc.json({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ kind: DEFINITIONS_FILE_KIND, version: 1, blueprints: v, agents: [] })));
    fc.assert(fc.property(text, (t) => onlyThrows(() => parseDefinitionsFile(t), ConfigError)), { numRuns: RUNS / 2 });
  });

  it('configuration import: any entries give an all-valid plan or a ConfigError; a plan never moves or adds a host', () => {
    const guid = fc.uuid().map((u) => u.toLowerCase());
    // Mostly good values, so that many generated files are valid and the plan's guarantees get checked, not only refusals.
    const field = <T>(good: fc.Arbitrary<T>) => fc.oneof({ arbitrary: good, weight: 30 }, { arbitrary: fc.string({ maxLength: 20 }), weight: 1 }, { arbitrary: fc.constant(undefined), weight: 1 }, { arbitrary: fc.jsonValue({ maxDepth: 1 }), weight: 1 });
    const authority = fc.oneof({ arbitrary: fc.constantFrom('https://login.microsoftonline.com', 'https://login.microsoftonline.us', 'http://127.0.0.1:8080'), weight: 14 }, { arbitrary: fc.constantFrom('http://127.0.0.1:8081', 'https://login.attacker.example', 'http://login.microsoftonline.com', 'javascript:alert(1)', 'https://user:pw@login.microsoftonline.com'), weight: 1 });
    const blueprint = fc.record({ clientId: field(guid), displayName: field(fc.string({ minLength: 1, maxLength: 20 })), tenant: field(fc.constantFrom('contoso.onmicrosoft.com', '7c1d2f3a-5b6e-4f80-9a1b-2c3d4e5f6a7b')), authority: field(authority), credentialKind: field(fc.constantFrom('secret', 'certificate', 'federatedTokenFile', 'managedIdentity')), certificatePath: field(fc.constant('/tmp/cert.pem')), federatedTokenFile: field(fc.constant('/var/run/token')), managedIdentityClientId: field(guid) });
    const agent = (parents: string[]) => fc.record({ clientId: field(guid), blueprintId: parents.length ? fc.oneof({ arbitrary: fc.constantFrom(...parents), weight: 6 }, { arbitrary: guid, weight: 1 }) : guid, displayName: field(fc.string({ minLength: 1, maxLength: 20 })), defaultScope: field(fc.oneof({ arbitrary: fc.constantFrom('https://graph.microsoft.com/.default', 'api://x/.default'), weight: 6 }, { arbitrary: fc.constant('User.Read'), weight: 1 })), agentUsers: fc.oneof(fc.constant(undefined), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 })) });
    const existing: BlueprintDefinition = { clientId: '0b5e6a7c-1d2e-4f3a-8b9c-0d1e2f3a4b5c', displayName: 'Mine', tenant: 'contoso.onmicrosoft.com', authority: 'https://login.microsoftonline.com', credentialKind: 'secret' };
    const file = fc.array(fc.oneof({ arbitrary: blueprint, weight: 6 }, { arbitrary: fc.constant({ ...existing, authority: 'https://login.microsoftonline.us' }), weight: 1 }, { arbitrary: fc.constant({ ...existing, authority: 'http://127.0.0.1:9' }), weight: 1 }, { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 }), { maxLength: 3 }).chain((blueprints) => {
      const ids = blueprints.map((b) => (b && typeof b === 'object' && !Array.isArray(b) ? (b as { clientId?: unknown }).clientId : undefined)).filter((id): id is string => typeof id === 'string');
      return fc.record({ blueprints: fc.constant(blueprints as unknown[]), agents: fc.array(fc.oneof({ arbitrary: agent(ids), weight: 6 }, { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 }), { maxLength: 3 }) });
    });
    let planned = 0;
    fc.assert(
      fc.property(file, (f) => {
        let plan;
        try {
          plan = planImport(f, { blueprints: [existing], agents: [] }, [], 'http://127.0.0.1:8080');
        } catch (e) {
          assert.ok(e instanceof ConfigError, String(e));
          return;
        }
        if (plan.blueprints.length + plan.agents.length > 0) planned++;
        for (const b of plan.blueprints) {
          assert.notEqual(b.clientId, existing.clientId, 'an existing blueprint is never replaced');
          const { confirmBeforeUse, ...rest } = b;
          assert.deepEqual(validateBlueprint(rest, []), rest, 'every planned blueprint passes the rules, its host included');
          if (new URL(b.authority).hostname === '127.0.0.1') assert.equal(b.authority, 'http://127.0.0.1:8080', 'loopback only at the sandbox origin');
          assert.equal(confirmBeforeUse, b.credentialKind === 'secret' ? undefined : true, 'a credential that needs no secret is confirmed before use');
        }
        const known = new Set([existing.clientId, ...plan.blueprints.map((b) => b.clientId)]);
        for (const a of plan.agents) assert.ok(known.has(a.blueprintId), 'every planned agent has its blueprint');
      }),
      { numRuns: RUNS / 2 },
    );
    console.log(`      (${planned} of ${RUNS / 2} generated files were valid imports)`);
    assert.ok(planned >= RUNS / 40, `only ${planned} of ${RUNS / 2} generated files were valid imports`);
  });
});
