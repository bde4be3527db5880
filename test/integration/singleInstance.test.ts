// Single-instance agents (agent-id-2026 §1, PREVIEW): the agent identity shares its blueprint's client id, so its
// token is one client-credentials request with the blueprint's credential: no T1, no fmi_path. The wire on the
// sandbox's side, the CLI's flags, the pre-flight checks, and the sandbox's model of such a blueprint.
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { acquireToken } from '../../src/core/engine/acquisition';
import { ConfigError } from '../../src/core/errors/errors';
import { EntraError } from '../../src/core/errors/entraError';
import {
  buildDirectory,
  defaultDirectoryFile,
  DirectoryError,
  registerAgent,
  registerBlueprint,
} from '../../src/sandbox/directory';
import { cli, cliSuiteSandbox, sandboxBlueprintArgs } from '../cliRunner';
import {
  BLUEPRINT,
  SANDBOX_TENANT,
  SECRET,
  SINGLE_INSTANCE,
  SINGLE_INSTANCE_AGENT_OBJECT,
  SINGLE_INSTANCE_BLUEPRINT_OBJECT,
  USER_ID,
  userToken,
} from '../helpers';

const env = { BLUEPRINT_SECRET: SECRET };
const host = { readSecret: async () => SECRET, warn: () => {} };

describe('single-instance agents: one request, no T1 (agent-id-2026 §1)', () => {
  const sandbox = cliSuiteSandbox();
  const single = () => [
    ...sandboxBlueprintArgs(sandbox().authority, SINGLE_INSTANCE),
    '--client-secret-env',
    'BLUEPRINT_SECRET',
  ];

  it('token --single-instance sends exactly one POST: client_id = the shared id, the secret, no fmi_path', async () => {
    const run = await cli(
      ['token', ...single(), '--single-instance', '--scope', 'api://sandbox-weather/.default', '--json'],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    const requests = sandbox().requests;
    assert.equal(requests.length, 1, 'one request, not two legs');
    const [sent] = requests;
    assert.equal(sent!.params.client_id, SINGLE_INSTANCE);
    assert.equal(sent!.params.grant_type, 'client_credentials');
    assert.equal(sent!.params.scope, 'api://sandbox-weather/.default');
    assert.ok(!('fmi_path' in sent!.params), 'no fmi_path');
    assert.ok(!('client_assertion' in sent!.params), 'no T1 presented');
    const out = JSON.parse(run.stdout) as { flow: string; legs: unknown[]; claims: Record<string, unknown> };
    assert.equal(out.flow, 'single-instance');
    assert.equal(out.legs.length, 1);
    // [I] The claims as agent-id-2026 §1 infers them: the shared client id, the agent identity's own object id.
    assert.equal(out.claims.azp, SINGLE_INSTANCE);
    assert.equal(out.claims.oid, SINGLE_INSTANCE_AGENT_OBJECT);
    assert.notEqual(out.claims.oid, SINGLE_INSTANCE_BLUEPRINT_OBJECT);
    assert.equal(out.claims.idtyp, 'app');
    assert.deepEqual(out.claims.roles, ['Forecast.Read'], "the agent identity's permissions, not the blueprint's");
    assert.ok(!('xms_par_app_azp' in out.claims), 'its own parent: no xms_par_app_azp');
    assert.match(String(out.claims.xms_act_fct), /\b11\b/, 'facet 11: an agent identity');
  });

  it('refuses --agent and --flow with --single-instance, before anything is sent', async () => {
    for (const [extra, said] of [
      [['--agent', BLUEPRINT], /--agent does not go with --single-instance/],
      [['--flow', 'app'], /--single-instance does not go with --flow/],
    ] as const) {
      const run = await cli(['token', ...single(), '--single-instance', ...extra], env);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, said);
    }
    assert.equal(sandbox().requests.length, 0);
  });

  it('pre-flight: T1 asked of a single-instance agent, or of a classic blueprint without its agent, is caught before sending', async () => {
    const t1 = ['--scope', 'api://AzureADTokenExchange/.default'];
    const singleT1 = await cli(['token', ...single(), '--single-instance', ...t1], env);
    assert.equal(singleT1.code, 2, singleT1.stderr);
    assert.match(singleT1.stderr, /single-instance agent has no T1/);
    const classic = [...sandboxBlueprintArgs(sandbox().authority), '--client-secret-env', 'BLUEPRINT_SECRET'];
    const classicT1 = await cli(['token', ...classic, '--flow', 'app', ...t1], env);
    assert.equal(classicT1.code, 2, classicT1.stderr);
    assert.match(classicT1.stderr, /AADSTS82008/);
    assert.match(classicT1.stderr, /--agent/);
    assert.equal(sandbox().requests.length, 0, 'nothing reached the token endpoint');
    // The core's own check, for every face.
    await assert.rejects(
      acquireToken(
        new (await import('../../src/core/engine/agentTokens')).AgentTokenEngine(),
        {
          flow: 'single-instance',
          authority: sandbox().authority,
          tenant: SANDBOX_TENANT,
          blueprintId: SINGLE_INSTANCE,
          scope: 'api://AzureADTokenExchange/.default',
          credential: { kind: 'secret' },
        },
        host,
      ),
      (e: unknown) => e instanceof ConfigError && /no T1/.test(e.problem),
    );
  });

  it('the sandbox refuses the classic exchange for a single-instance blueprint (82001 [I]), and a classic T1 without fmi_path (82008)', async () => {
    const post = (params: Record<string, string>) =>
      fetch(`${sandbox().authority}/${SANDBOX_TENANT}/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams(params),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error: string; error_codes: number[] } }));
    const withFmi = await post({
      client_id: SINGLE_INSTANCE,
      client_secret: SECRET,
      grant_type: 'client_credentials',
      scope: 'api://AzureADTokenExchange/.default',
      fmi_path: SINGLE_INSTANCE,
    });
    assert.equal(withFmi.status, 400);
    assert.deepEqual(withFmi.body.error_codes, [82001]);
    const classic = await post({
      client_id: BLUEPRINT,
      client_secret: SECRET,
      grant_type: 'client_credentials',
      scope: 'api://AzureADTokenExchange/.default',
    });
    assert.equal(classic.status, 400);
    assert.deepEqual(classic.body.error_codes, [82008]);
    // The engine's classic flow against it meets the same refusal, explained.
    const { AgentTokenEngine } = await import('../../src/core/engine/agentTokens');
    const engine = new AgentTokenEngine();
    try {
      await assert.rejects(
        acquireToken(
          engine,
          {
            flow: 'autonomous',
            authority: sandbox().authority,
            tenant: SANDBOX_TENANT,
            blueprintId: SINGLE_INSTANCE,
            agentId: SINGLE_INSTANCE,
            scope: 'https://graph.microsoft.com/.default',
            credential: { kind: 'secret' },
          },
          host,
        ),
        (e: unknown) => e instanceof EntraError && e.code === 82001 && /fmi_path/.test(e.fix),
      );
    } finally {
      await engine.close();
    }
  });

  it('New Blueprint of the single-instance kind through Graph beta: no principal, a secret, its one agent; then one-leg tokens', async () => {
    const { createSingleInstanceBlueprint, SIGN_IN_PERMISSIONS } = await import('../../src/core/graph/blueprintSetup');
    const { GraphClient } = await import('../../src/core/graph/graphClient');
    const graph = new GraphClient({
      endpoint: `${sandbox().authority}/graph`,
      appOnly: false,
      caller: 'you',
      retryBaseDelayMs: 50,
      token: () =>
        userToken(
          sandbox().authority,
          SIGN_IN_PERMISSIONS.createSingleInstance.map((p) => `https://graph.microsoft.com/${p}`).join(' '),
        ),
    });
    try {
      const steps: string[] = [];
      const made = await createSingleInstanceBlueprint(
        graph,
        { displayName: 'Kiosk Blueprint', sponsorId: USER_ID, secretName: 'test', agentName: 'Kiosk Agent' },
        (s) => steps.push(s),
      );
      assert.equal(made.failure, undefined, String(made.failure));
      assert.deepEqual(steps, ['blueprint', 'secret', 'agent']);
      assert.ok(made.secret?.secretText && made.agentObjectId);
      assert.notEqual(made.agentObjectId, made.blueprint.appId, 'its own object id');
      const run = await cli(
        [
          'token',
          ...sandboxBlueprintArgs(sandbox().authority, made.blueprint.appId),
          '--client-secret-env',
          'KIOSK_SECRET',
          '--single-instance',
          '--json',
        ],
        { KIOSK_SECRET: made.secret!.secretText },
      );
      assert.equal(run.code, 0, run.stderr);
      assert.equal((JSON.parse(run.stdout) as { claims: { oid: string } }).claims.oid, made.agentObjectId);
      // A second agent identity is refused [I: AgentIdentity_LimitExceeded].
      await assert.rejects(
        graph.create('/servicePrincipals/microsoft.graph.agentIdentity', {
          displayName: 'Second',
          agentIdentityBlueprintId: made.blueprint.appId,
        }),
        /single-instance/,
      );
    } finally {
      await graph.close();
    }
  });

  it('models the blueprint: no principal, at most one agent identity, and with none yet no token (7000229 [I])', async () => {
    const file = defaultDirectoryFile();
    const blueprint = file.tenants[0]!.blueprints.find((b) => b.singleInstance)!;
    blueprint.agents.push({ displayName: 'A second instance' });
    assert.throws(
      () => buildDirectory(file),
      (e: unknown) => e instanceof DirectoryError && /at most one agent identity/.test(e.message),
    );
    blueprint.agents = [{ clientId: BLUEPRINT, displayName: 'Its own id?' }];
    assert.throws(() => buildDirectory(file), /must be left out/);

    const tenant = sandbox().directory.tenants[0]!;
    const added = registerBlueprint(tenant, {
      clientId: 'c9d8e7f6-a5b4-4c3d-8e2f-1a0b9c8d7e6f',
      displayName: 'Kiosk',
      clientSecret: SECRET,
      singleInstance: true,
    });
    assert.equal(added.principal, false);
    const none = await cli(
      [
        'token',
        ...sandboxBlueprintArgs(sandbox().authority, added.clientId),
        '--client-secret-env',
        'BLUEPRINT_SECRET',
        '--single-instance',
        '--json',
      ],
      env,
    );
    assert.equal(none.code, 3, none.stderr);
    assert.match(none.stderr, /AADSTS7000229/);
    const agent = registerAgent(tenant, added.clientId, { clientId: added.clientId, displayName: 'Kiosk agent' });
    assert.notEqual(agent.objectId, agent.clientId, 'its own object id');
    assert.throws(
      () => registerAgent(tenant, added.clientId, { clientId: added.clientId, displayName: 'again' }),
      /single-instance/,
    );
    const token = await cli(
      [
        'token',
        ...sandboxBlueprintArgs(sandbox().authority, added.clientId),
        '--client-secret-env',
        'BLUEPRINT_SECRET',
        '--single-instance',
        '--json',
      ],
      env,
    );
    assert.equal(token.code, 0, token.stderr);
    assert.equal(decodeJwt((JSON.parse(token.stdout) as { accessToken: string }).accessToken).oid, agent.objectId);
  });
});
