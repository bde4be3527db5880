// Property-based checks: generated inputs, zero unexpected exceptions. Every failure must be a typed, explained error.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { explainClaims } from '../../src/core/tokens/claims';
import {
  validateAuthority,
  validateClientId,
  validateDefaultScope,
  validateTenant,
} from '../../src/core/config/config';
import { EntraError, parseEntraErrorBody } from '../../src/core/errors/entraError';
import { ConfigError, TokenDecodeError } from '../../src/core/errors/errors';
import { decodeToken } from '../../src/core/tokens/jwt';
import { compareClaims, tokenWarnings } from '../../src/core/tokens/tokenInsights';
import { describeFailure } from '../../src/cli/errors';
import { formatToken } from '../../src/cli/output';
import { tokenOptions } from '../../src/cli/tokenCommand';
import { singleTokenView } from '../../src/extension/inspector/inspectorModel';
import {
  anyText,
  bytesSegment,
  HUGE_VALUES,
  hostileJson,
  hostileJwt,
  hostileJwtBounded,
  tokenShapedText,
} from '../arbitraries';
import { hasRawControl, unsignedJwt } from '../hostile';
import { parse, UsageError } from '../../src/cli/usage';
import {
  DEFINITIONS_FILE_KIND,
  parseDefinitionsFile,
  planImport,
  validateBlueprint,
  type BlueprintDefinition,
} from '../../src/extension/definitions/definitionRules';

const RUNS = 2000;

/** Runs fn; a thrown error must be one of the expected kinds. */
function onlyThrows(fn: () => unknown, ...kinds: (new (...args: never[]) => Error)[]): void {
  try {
    fn();
  } catch (e) {
    if (!kinds.some((k) => e instanceof k)) throw e;
  }
}

describe('properties (generated inputs)', () => {
  it('the generators reach what attackers use: non-ASCII, lone surrogates, C1 and bidi, invalid UTF-8, three-part tokens', () => {
    // The audit measured fast-check's default strings: no non-ASCII in 2,000 draws, about 2 JWT-shaped. These must do better.
    const share = <T>(arb: fc.Arbitrary<T>, test: (v: T) => boolean) =>
      fc.sample(arb, { numRuns: 2000, seed: 42 }).filter(test).length / 2000;
    const text = anyText(40);
    // eslint-disable-next-line no-control-regex -- ASCII is \x00-\x7f
    assert.ok(share(text, (s) => /[^\x00-\x7f]/.test(s)) > 0.5, 'non-ASCII');
    assert.ok(
      share(
        text,
        (s) => /[\ud800-\udfff]/.test(s) && !/^(?:[\ud800-\udbff][\udc00-\udfff]|[^\ud800-\udfff])*$/.test(s),
      ) > 0.1,
      'lone surrogates',
    );
    assert.ok(
      share(text, (s) => /[\x80-\x9f]/.test(s)) > 0.3 &&
        share(text, (s) => /[\u202a-\u202e\u2066-\u2069]/.test(s)) > 0.2,
      'C1 and bidi',
    );
    const invalidUtf8 = (seg: string) =>
      !Buffer.from(Buffer.from(seg, 'base64url').toString('utf8'), 'utf8').equals(Buffer.from(seg, 'base64url'));
    assert.ok(share(bytesSegment, invalidUtf8) > 0.5, 'invalid UTF-8 inside base64url');
    assert.ok(
      share(tokenShapedText, (t) => {
        try {
          decodeToken(t);
          return true;
        } catch {
          return false;
        }
      }) > 0.2,
      'decodable three-part tokens',
    );
  });

  it('the JWT decoder: any text (full Unicode, token-shaped, invalid UTF-8 segments) decodes or gives a TokenDecodeError', () => {
    let decoded = 0;
    fc.assert(
      fc.property(fc.oneof(anyText(300), tokenShapedText), (text) => {
        let token;
        try {
          token = decodeToken(text);
        } catch (e) {
          assert.ok(e instanceof TokenDecodeError, String(e));
          return;
        }
        decoded++;
        assert.ok(
          token.claims && typeof token.claims === 'object' && !Array.isArray(token.claims),
          'claims are an object',
        );
        assert.equal(token.raw, token.raw.trim(), 'the raw token is trimmed');
      }),
      { numRuns: RUNS / 2 },
    );
    assert.ok(decoded > RUNS / 40, `only ${decoded} texts decoded: the generator must reach valid tokens too`);
  });

  it('the JWT decoder: hostile headers and claims (__proto__ keys, huge numbers, nesting) come back exactly as encoded', () => {
    fc.assert(
      fc.property(hostileJwt, ({ raw, header, claims }) => {
        const token = decodeToken(raw);
        assert.deepEqual(token.claims, JSON.parse(JSON.stringify(claims)));
        assert.deepEqual(token.header, JSON.parse(JSON.stringify(header)));
        assert.equal(
          Object.getPrototypeOf(token.claims),
          Object.prototype,
          'a __proto__ claim is a claim, not a prototype',
        );
      }),
      { numRuns: RUNS / 2 },
    );
  });

  it('claim explanations and insights on hostile tokens: one row per claim, comparison symmetric, warnings stable, text bounded', () => {
    const BOUND = 600;
    const check = (a: { raw: string }, b: { raw: string }, now: number) => {
      const left = decodeToken(a.raw);
      const right = decodeToken(b.raw);
      const rows = explainClaims(left.claims, now);
      assert.equal(rows.length, Object.keys(left.claims).length);
      for (const r of rows)
        assert.ok(
          (r.detail ?? '').length <= BOUND && (r.meaning ?? '').length <= BOUND,
          `${r.name}: an explanation of ${(r.detail ?? '').length} characters`,
        );
      const ab = compareClaims(left, right);
      const ba = compareClaims(right, left);
      assert.deepEqual(ab.map((c) => c.name).sort(), ba.map((c) => c.name).sort(), 'the same claims either way');
      const byName = new Map(ba.map((c) => [c.name, c]));
      for (const c of ab) {
        const other = byName.get(c.name)!;
        assert.equal(c.differs, other.differs, `${c.name}: differs is symmetric`);
        assert.deepEqual([c.left, c.right], [other.right, other.left], `${c.name}: sides swap`);
      }
      const warnings = tokenWarnings(left, now);
      assert.deepEqual(tokenWarnings(left, now), warnings, 'warnings are stable');
      assert.ok(
        warnings.length <= 12 && warnings.every((w) => w.message.length <= BOUND),
        'warnings are few and short',
      );
      const view = singleTokenView(left, 'a test', now);
      for (const row of view.rows)
        assert.ok(
          row.values.every((v) => v === null || typeof v === 'string'),
          'every value reaches the webview as text',
        );
      assert.ok(!hasRawControl(formatToken('t', left, now), true), 'the CLI rendering escapes every control character');
    };
    fc.assert(
      fc.property(hostileJwtBounded, hostileJwtBounded, fc.integer({ min: 0, max: 4_102_444_800_000 }), check),
      { numRuns: RUNS / 2 },
    );
    // Each megabyte value once, where the explainer reads it: the audience, an fmi path, facets, a name.
    const now = Date.now();
    for (const v of HUGE_VALUES) {
      const token = { raw: unsignedJwt({ alg: 'none' }, { aud: v, sub: v, xms_act_fct: v, upn: v }) };
      check(token, token, now);
    }
  });

  it('the error-body parser survives any body, and EntraError explains it in bounded text', () => {
    const bodies = fc.oneof(
      anyText(400),
      hostileJson.map((v) => JSON.stringify(v)),
      fc
        .record({
          error: anyText(),
          error_codes: fc.array(fc.oneof(fc.integer(), fc.double(), anyText(6), fc.constant(1e308))),
          error_description: anyText(200),
          claims: hostileJson,
          trace_id: anyText(),
        })
        .map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(bodies, fc.integer({ min: 100, max: 599 }), (text, status) => {
        const body = parseEntraErrorBody(text);
        const e = new EntraError(status, body);
        assert.ok(e.explanation.length > 0 && e.fix.length > 0);
        assert.ok(e.message.length < 1_000, "the message is the catalogue's, not the body");
        if (body.error_codes) assert.ok(body.error_codes.every((c) => Number.isInteger(c)));
        for (const v of Object.values(body)) assert.ok(typeof v === 'string' || Array.isArray(v), 'fields are typed');
        assert.ok(!hasRawControl(describeFailure(e).message, true), 'the CLI report escapes it');
      }),
      { numRuns: RUNS },
    );
  });

  it('configuration checks: any value is accepted or refused with a ConfigError naming the field, in bounded text', () => {
    fc.assert(
      fc.property(anyText(120), (v) => {
        for (const check of [
          () => validateTenant(v, 'T'),
          () => validateClientId(v, 'C', 'x'),
          () => validateAuthority(v, 'A'),
          () => validateDefaultScope(v, 'S'),
        ]) {
          try {
            check();
          } catch (e) {
            assert.ok(e instanceof ConfigError, String(e));
            assert.ok(['T', 'C', 'A', 'S'].includes(e.field));
            assert.ok(e.message.length < 400, 'a bad value is quoted clipped');
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('CLI argument parsing: any argument list parses or gives a UsageError', () => {
    const flag = fc.constantFrom(...Object.keys(tokenOptions).map((k) => `--${k}`), '--', '-h', '--nope', '-x');
    const args = fc.array(fc.oneof(flag, anyText(30)), { maxLength: 12 });
    fc.assert(
      fc.property(args, (list) => onlyThrows(() => parse('token', list, tokenOptions), UsageError)),
      { numRuns: RUNS },
    );
  });

  it('configuration import: any file text parses or gives a ConfigError', () => {
    const text = fc.oneof(
      anyText(200),
      fc.json({ maxDepth: 4 }),
      hostileJson.map((v) => JSON.stringify(v)),
      fc
        .jsonValue({ maxDepth: 3 })
        .map((v) => JSON.stringify({ kind: DEFINITIONS_FILE_KIND, version: 1, blueprints: v, agents: [] })),
    );
    fc.assert(
      fc.property(text, (t) => onlyThrows(() => parseDefinitionsFile(t), ConfigError)),
      { numRuns: RUNS / 2 },
    );
  });

  it('configuration import: any entries give an all-valid plan or a ConfigError; a plan never moves or adds a host', () => {
    const guid = fc.uuid().map((u) => u.toLowerCase());
    // Mostly good values, so that many generated files are valid and the plan's guarantees get checked, not only refusals.
    const field = <T>(good: fc.Arbitrary<T>) =>
      fc.oneof(
        { arbitrary: good, weight: 30 },
        { arbitrary: fc.string({ maxLength: 20 }), weight: 1 },
        { arbitrary: fc.constant(undefined), weight: 1 },
        { arbitrary: fc.jsonValue({ maxDepth: 1 }), weight: 1 },
      );
    const authority = fc.oneof(
      {
        arbitrary: fc.constantFrom(
          'https://login.microsoftonline.com',
          'https://login.microsoftonline.us',
          'http://127.0.0.1:8080',
        ),
        weight: 14,
      },
      {
        arbitrary: fc.constantFrom(
          'http://127.0.0.1:8081',
          'https://login.attacker.example',
          'http://login.microsoftonline.com',
          'javascript:alert(1)',
          'https://user:pw@login.microsoftonline.com',
        ),
        weight: 1,
      },
    );
    const blueprint = fc.record({
      clientId: field(guid),
      displayName: field(fc.string({ minLength: 1, maxLength: 20 })),
      tenant: field(fc.constantFrom('contoso.onmicrosoft.com', '7c1d2f3a-5b6e-4f80-9a1b-2c3d4e5f6a7b')),
      authority: field(authority),
      credentialKind: field(fc.constantFrom('secret', 'certificate', 'federatedTokenFile', 'managedIdentity')),
      certificatePath: field(fc.constant('/tmp/cert.pem')),
      federatedTokenFile: field(fc.constant('/var/run/token')),
      managedIdentityClientId: field(guid),
    });
    const agent = (parents: string[]) =>
      fc.record({
        clientId: field(guid),
        blueprintId: parents.length
          ? fc.oneof({ arbitrary: fc.constantFrom(...parents), weight: 6 }, { arbitrary: guid, weight: 1 })
          : guid,
        displayName: field(fc.string({ minLength: 1, maxLength: 20 })),
        defaultScope: field(
          fc.oneof(
            { arbitrary: fc.constantFrom('https://graph.microsoft.com/.default', 'api://x/.default'), weight: 6 },
            { arbitrary: fc.constant('User.Read'), weight: 1 },
          ),
        ),
        agentUsers: fc.oneof(fc.constant(undefined), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 })),
      });
    const existing: BlueprintDefinition = {
      clientId: '0b5e6a7c-1d2e-4f3a-8b9c-0d1e2f3a4b5c',
      displayName: 'Mine',
      tenant: 'contoso.onmicrosoft.com',
      authority: 'https://login.microsoftonline.com',
      credentialKind: 'secret',
    };
    const file = fc
      .array(
        fc.oneof(
          { arbitrary: blueprint, weight: 6 },
          { arbitrary: fc.constant({ ...existing, authority: 'https://login.microsoftonline.us' }), weight: 1 },
          { arbitrary: fc.constant({ ...existing, authority: 'http://127.0.0.1:9' }), weight: 1 },
          { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 },
        ),
        { maxLength: 3 },
      )
      .chain((blueprints) => {
        const ids = blueprints
          .map((b) =>
            b && typeof b === 'object' && !Array.isArray(b) ? (b as { clientId?: unknown }).clientId : undefined,
          )
          .filter((id): id is string => typeof id === 'string');
        return fc.record({
          blueprints: fc.constant(blueprints as unknown[]),
          agents: fc.array(
            fc.oneof({ arbitrary: agent(ids), weight: 6 }, { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 }),
            { maxLength: 3 },
          ),
        });
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
          assert.deepEqual(
            validateBlueprint(rest, []),
            rest,
            'every planned blueprint passes the rules, its host included',
          );
          if (new URL(b.authority).hostname === '127.0.0.1')
            assert.equal(b.authority, 'http://127.0.0.1:8080', 'loopback only at the sandbox origin');
          assert.equal(
            confirmBeforeUse,
            b.credentialKind === 'secret' ? undefined : true,
            'a credential that needs no secret is confirmed before use',
          );
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
