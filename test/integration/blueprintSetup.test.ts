// A signed-in developer's Graph calls (core/blueprintSetup.ts) against the sandbox's Graph: from an empty blueprint
// list to a working agent token with no GUID typed — create a blueprint (its principal, a secret), let it create an
// agent identity as itself, grant a role from the resource's own list, call the API — and Graph's gotchas on the way.
import assert from 'node:assert/strict';
import {
  appRoleAssignments,
  createBlueprint,
  findResource,
  finishSetup,
  grantAppRole,
  grantScopes,
  listBlueprints,
  makeSelfSignedCertificate,
  me,
  trustFederatedIdentity,
  uploadFirstCertificate,
  principalOf,
  SIGN_IN_PERMISSIONS,
} from '../../src/core/graph/blueprintSetup';
import { certificateCredential, clientSecret, loadPemCertificate } from '../../src/core/credentials/credentials';
import { ConfigError, GraphError } from '../../src/core/errors/errors';
import { EntraError } from '../../src/core/errors/entraError';
import { GraphClient } from '../../src/core/graph/graphClient';
import {
  BLUEPRINT,
  managedIdentitySandbox,
  MI_CLIENT_ID,
  MI_OBJECT_ID,
  SANDBOX_TENANT,
  sandboxAndEngine,
  USER_ID,
  userToken,
} from '../helpers';
import { managedIdentityAssertion } from '../../src/core/credentials/managedIdentity';

const GRAPH = 'https://graph.microsoft.com';
const scopes = (names: readonly string[]) => names.map((n) => `${GRAPH}/${n}`).join(' ');

describe('signed in through Graph: blueprints, their setup, and grants (core/blueprintSetup)', () => {
  const clients: GraphClient[] = [];
  // Before the helper's hooks, so that (mocha runs after() hooks in order) the clients close first, as they did.
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });
  const live = sandboxAndEngine({ engineFor: 'suite' });
  afterEach(() => {
    live.sandbox.graph.replicationLagMs = 0;
    live.sandbox.graph.faults.length = 0;
  });

  /** Graph as the sandbox's user, signed in with these delegated permissions. */
  function asUser(permissions: readonly string[], options: { maxRetries?: number } = {}): GraphClient {
    const client = new GraphClient({
      endpoint: `${live.sandbox.authority}/graph`,
      appOnly: false,
      caller: 'you',
      retryBaseDelayMs: 100,
      ...options,
      token: () => userToken(live.sandbox.authority, scopes(permissions)),
    });
    clients.push(client);
    return client;
  }
  /** Graph as a blueprint itself (its own app token), for its agent identities. */
  function asBlueprint(blueprintId: string, secret: string): GraphClient {
    const client = new GraphClient({
      endpoint: `${live.sandbox.authority}/graph`,
      appOnly: true,
      token: async () =>
        (
          await live.engine.getAppToken({
            authority: live.sandbox.authority,
            tenant: SANDBOX_TENANT,
            blueprintId,
            credential: clientSecret(secret),
            scope: `${GRAPH}/.default`,
          })
        ).accessToken,
    });
    clients.push(client);
    return client;
  }
  const agentToken = async (blueprintId: string, secret: string, agentId: string, scope: string) =>
    live.engine.getAutonomousToken({
      authority: live.sandbox.authority,
      tenant: SANDBOX_TENANT,
      blueprintId,
      agentId,
      credential: clientSecret(secret),
      scope,
    });

  it('goes from no blueprint to a 200 from the weather API: create, set up, agent, grant, token', async () => {
    const user = asUser([...SIGN_IN_PERMISSIONS.create, ...SIGN_IN_PERMISSIONS.grant]);
    const steps: string[] = [];
    const self = await me(user);
    assert.equal(self.id, USER_ID);
    const made = await createBlueprint(
      user,
      { displayName: 'Weather Bot Blueprint', sponsorId: self.id, secretName: 'test' },
      (s) => steps.push(s),
    );
    assert.deepEqual(steps, ['blueprint', 'principal', 'secret']);
    assert.deepEqual(made.missing, []);
    assert.match(made.secret!.secretText, /^sbxG~/);
    // The blueprint, acting as itself, creates its agent identity; the user grants it the API's role by name.
    const agent = await asBlueprint(made.blueprint.appId, made.secret!.secretText).create<{ id: string }>(
      '/servicePrincipals/microsoft.graph.agentIdentity',
      { displayName: 'Weather Bot', agentIdentityBlueprintId: made.blueprint.appId },
    );
    const weather = await findResource(user, 'api://sandbox-weather/.default');
    const role = weather!.appRoles.find((r) => r.value === 'Forecast.Read')!;
    await grantAppRole(user, agent.id, weather!, role.id);
    assert.deepEqual(
      (await appRoleAssignments(user, agent.id)).map((a) => a.appRoleId),
      [role.id],
    );
    const token = await agentToken(
      made.blueprint.appId,
      made.secret!.secretText,
      agent.id,
      'api://sandbox-weather/.default',
    );
    const answer = await fetch(`${live.sandbox.authority}/apis/weather/forecast`, {
      headers: { authorization: `Bearer ${token.accessToken}` },
    });
    assert.equal(answer.status, 200);
    // A second grant of the same role is Graph's 400, explained.
    await assert.rejects(grantAppRole(user, agent.id, weather!, role.id), (e: unknown) => {
      assert.ok(e instanceof GraphError);
      assert.match(e.graphMessage, /already exists/);
      return true;
    });
  });

  it("a blueprint without its principal: no token (AADSTS7000229), no agent identity (Agent ID's code, explained)", async () => {
    const user = asUser([...SIGN_IN_PERMISSIONS.create, 'Application.Read.All']);
    // The principal's step fails (503, no retries left): the blueprint exists, and the result says what is missing.
    const flaky = asUser(SIGN_IN_PERMISSIONS.create, { maxRetries: 0 });
    const self = await me(user);
    const created = await flaky.create<{ id: string; appId: string; displayName: string }>(
      '/applications/microsoft.graph.agentIdentityBlueprint',
      { displayName: 'Half Made', 'sponsors@odata.bind': [`${GRAPH}/v1.0/users/${self.id}`] },
    );
    live.sandbox.graph.faults.push({ status: 503 });
    const half = await finishSetup(flaky, created, ['principal', 'secret'], { secretName: 'test' });
    assert.deepEqual(half.missing, ['principal', 'secret']);
    assert.ok(half.failure instanceof GraphError && half.failure.status === 503);
    assert.equal(await principalOf(user, created.appId), undefined);
    // Its secret is added; with no principal it still cannot sign in.
    const secretOnly = await finishSetup(user, created, ['secret'], { secretName: 'test' });
    await assert.rejects(
      live.engine.getAppToken({
        authority: live.sandbox.authority,
        tenant: SANDBOX_TENANT,
        blueprintId: created.appId,
        credential: clientSecret(secretOnly.secret!.secretText),
        scope: `${GRAPH}/.default`,
      }),
      (e: unknown) => {
        assert.ok(e instanceof EntraError);
        assert.equal(e.code, 7000229);
        assert.match(e.fix, /Finish Setup/);
        return true;
      },
    );
    const agents = asUser(['AgentIdentity.Create.All']);
    await assert.rejects(
      agents.create('/servicePrincipals/microsoft.graph.agentIdentity', {
        displayName: 'Too Early',
        agentIdentityBlueprintId: created.appId,
      }),
      (e: unknown) => {
        assert.ok(e instanceof GraphError);
        assert.equal(e.code, 'AgentIdentity_AgentBlueprintPrincipalDoesNotExist');
        assert.match(e.fix, /agentIdentityBlueprintPrincipal/);
        return true;
      },
    );
    // Finish Setup: the principal now; the blueprint signs in.
    const done = await finishSetup(user, created, ['principal'], { secretName: 'test' });
    assert.deepEqual(done.missing, []);
    assert.ok(await principalOf(user, created.appId));
    await live.engine.getAppToken({
      authority: live.sandbox.authority,
      tenant: SANDBOX_TENANT,
      blueprintId: created.appId,
      credential: clientSecret(secretOnly.secret!.secretText),
      scope: `${GRAPH}/.default`,
    });
  });

  it('promise: a POST that mints a secret is never repeated after a 503 or 504; the secrets that exist are listed', async () => {
    const user = asUser([...SIGN_IN_PERMISSIONS.create, 'Application.Read.All']);
    const self = await me(user);
    for (const status of [503, 504] as const) {
      const created = await user.create<{ id: string; appId: string; displayName: string }>(
        '/applications/microsoft.graph.agentIdentityBlueprint',
        { displayName: `Lost Answer ${status}`, 'sponsors@odata.bind': [`${GRAPH}/v1.0/users/${self.id}`] },
      );
      // Graph adds the secret, then the gateway times out: the answer (and the secret's value) is lost.
      live.sandbox.graph.faults.push({ status, afterHandling: true });
      const result = await finishSetup(user, created, ['secret'], { secretName: 'lost' });
      assert.deepEqual(result.missing, ['secret']);
      const failure = result.failure;
      assert.ok(failure instanceof GraphError && failure.status === status, String(failure));
      assert.match(failure.meaning, /may have added it anyway/);
      assert.match(failure.meaning, /has 1 client secret now: "lost"/);
      assert.match(failure.fix, /Certificates & secrets/);
      const app = await user.get<{ passwordCredentials: unknown[] }>(`/applications/${created.id}`);
      assert.equal(app.passwordCredentials.length, 1, 'one POST, one secret: not repeated');
    }
    // 429 says the work was not done: that one is retried, and the secret comes back.
    const created = await user.create<{ id: string; appId: string; displayName: string }>(
      '/applications/microsoft.graph.agentIdentityBlueprint',
      { displayName: 'Throttled', 'sponsors@odata.bind': [`${GRAPH}/v1.0/users/${self.id}`] },
    );
    live.sandbox.graph.faults.push({ status: 429, retryAfterSeconds: 0 });
    const done = await finishSetup(user, created, ['secret'], { secretName: 'ok' });
    assert.deepEqual(done.missing, []);
    assert.match(done.secret!.secretText, /^sbxG~/);
  });

  it('waits out replication between the steps (400 "not found" right after a create)', async () => {
    const user = asUser(SIGN_IN_PERMISSIONS.create);
    const self = await me(user);
    live.sandbox.graph.replicationLagMs = 250;
    const made = await createBlueprint(user, { displayName: 'Lagged', sponsorId: self.id, secretName: 'test' });
    assert.deepEqual(made.missing, []);
    assert.ok(made.secret);
  });

  it("Graph's gotchas: no sponsor, no OData-Version, Directory.AccessAsUser.All, a missing permission", async () => {
    const token = await userToken(live.sandbox.authority, scopes(SIGN_IN_PERMISSIONS.create));
    const post = (body: unknown, headers: Record<string, string> = { 'odata-version': '4.0' }, t = token) =>
      fetch(`${live.sandbox.authority}/graph/v1.0/applications/microsoft.graph.agentIdentityBlueprint`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      }).then(async (r) => ({
        status: r.status,
        json: (await r.json()) as { error?: { message?: string }; appId?: string; '@odata.type'?: string },
      }));
    const noSponsor = await post({ displayName: 'No Sponsor' });
    assert.equal(noSponsor.status, 400);
    assert.equal(noSponsor.json.error?.message, 'No sponsor specified.');
    const sponsored = { displayName: 'Plain', 'sponsors@odata.bind': [`${GRAPH}/v1.0/users/${USER_ID}`] };
    const plain = await post(sponsored, {});
    assert.equal(plain.status, 201);
    assert.equal(plain.json['@odata.type'], '#microsoft.graph.application');
    const listed = await listBlueprints(asUser(SIGN_IN_PERMISSIONS.discover));
    assert.ok(!listed.some((b) => b.appId === plain.json.appId), 'an ordinary application is not a blueprint');
    assert.ok(listed.some((b) => b.appId === BLUEPRINT));
    // The Azure CLI's Directory.AccessAsUser.All: every Agent ID write refused, explained.
    const cli = asUser([...SIGN_IN_PERMISSIONS.create, 'Directory.AccessAsUser.All']);
    await assert.rejects(
      createBlueprint(cli, { displayName: 'Via CLI', sponsorId: USER_ID, secretName: 'x' }),
      (e: unknown) => {
        assert.ok(e instanceof GraphError);
        assert.equal(e.status, 403);
        assert.match(e.fix, /AgentIdentityBlueprint\.Create/);
        assert.match(e.fix, /Directory\.AccessAsUser\.All/);
        return true;
      },
    );
    // Granting without AppRoleAssignment.ReadWrite.All: the fix names it.
    const reader = asUser(['Application.Read.All']);
    const weather = await findResource(reader, 'api://sandbox-weather');
    await assert.rejects(
      grantAppRole(reader, 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', weather!, weather!.appRoles[0]!.id),
      (e: unknown) => e instanceof GraphError && e.status === 403 && /AppRoleAssignment\.ReadWrite\.All/.test(e.fix),
    );
  });

  it('a certificate made here: its key only in the PEM, its public part uploaded, and the blueprint signs with it', async () => {
    const user = asUser([...SIGN_IN_PERMISSIONS.create, ...SIGN_IN_PERMISSIONS.credentials]);
    const self = await me(user);
    const made = await createBlueprint(user, { displayName: 'Cert Made Here', sponsorId: self.id, secretName: 't' });
    const agent = await asBlueprint(made.blueprint.appId, made.secret!.secretText).create<{ id: string }>(
      '/servicePrincipals/microsoft.graph.agentIdentity',
      { displayName: 'Cert Bot', agentIdentityBlueprintId: made.blueprint.appId },
    );
    const certificate = await makeSelfSignedCertificate('Cert Made Here', 30);
    assert.match(certificate.pem, /-----BEGIN CERTIFICATE-----[\s\S]+-----BEGIN PRIVATE KEY-----/);
    assert.ok(!Buffer.from(certificate.publicDerBase64, 'base64').toString('latin1').includes('PRIVATE'));
    assert.match(certificate.thumbprint, /^[0-9A-F]{40}$/);
    await uploadFirstCertificate(user, made.blueprint.id, certificate, 'test');
    const token = await live.engine.getAutonomousToken({
      authority: live.sandbox.authority,
      tenant: SANDBOX_TENANT,
      blueprintId: made.blueprint.appId,
      agentId: agent.id,
      credential: certificateCredential(loadPemCertificate(certificate.pem)),
      scope: `${GRAPH}/.default`,
    });
    assert.ok(token.accessToken);
    // A second upload would replace the first: refused before anything is sent.
    await assert.rejects(
      uploadFirstCertificate(user, made.blueprint.id, await makeSelfSignedCertificate('again', 1), 'test'),
      (e: unknown) => e instanceof ConfigError && /replace them/.test(e.message),
    );
  });

  it('a federated credential for a managed identity: the blueprint then takes its token as its credential', async () => {
    // The sandbox whose managed-identity endpoint @azure/identity is pointed at (IDENTITY_ENDPOINT).
    const mi = await managedIdentitySandbox();
    const graph = (token: () => Promise<string>, appOnly: boolean) => {
      const client = new GraphClient({ endpoint: `${mi.authority}/graph`, appOnly, token });
      clients.push(client);
      return client;
    };
    const user = graph(
      () => userToken(mi.authority, scopes([...SIGN_IN_PERMISSIONS.create, ...SIGN_IN_PERMISSIONS.credentials])),
      false,
    );
    const made = await createBlueprint(user, { displayName: 'Trusts an MI', sponsorId: USER_ID, secretName: 't' });
    const secret = clientSecret(made.secret!.secretText);
    const base = { authority: mi.authority, tenant: SANDBOX_TENANT, blueprintId: made.blueprint.appId };
    const asItself = graph(
      async () =>
        (await live.engine.getAppToken({ ...base, credential: secret, scope: `${GRAPH}/.default` })).accessToken,
      true,
    );
    const agent = await asItself.create<{ id: string }>('/servicePrincipals/microsoft.graph.agentIdentity', {
      displayName: 'MI Bot',
      agentIdentityBlueprintId: made.blueprint.appId,
    });
    const credential = managedIdentityAssertion('api://AzureADTokenExchange', MI_CLIENT_ID);
    const attempt = () =>
      live.engine.getAutonomousToken({ ...base, agentId: agent.id, credential, scope: `${GRAPH}/.default` });
    // Before: no federated credential matches the managed identity's token.
    await assert.rejects(attempt(), (e: unknown) => e instanceof EntraError && e.code === 700211);
    const input = { name: 'mi-1', issuer: `${mi.authority}/${SANDBOX_TENANT}/v2.0`, subject: MI_OBJECT_ID };
    await trustFederatedIdentity(user, made.blueprint.id, input);
    await assert.rejects(
      trustFederatedIdentity(user, made.blueprint.id, input),
      (e: unknown) => e instanceof GraphError && e.status === 409,
    );
    const token = await attempt();
    assert.equal(token.token.claims.appid, agent.id);
  });

  it("grants delegated scopes from the resource's own list, and refuses one it does not define", async () => {
    const user = asUser(SIGN_IN_PERMISSIONS.grant);
    const graph = await findResource(user, GRAPH);
    assert.ok(graph!.oauth2PermissionScopes.some((s) => s.value === 'User.Read'));
    const support = 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e';
    await grantScopes(user, support, graph!, ['User.Read']);
    await assert.rejects(
      grantScopes(user, support, graph!, ['Not.A.Scope']),
      (e: unknown) => e instanceof GraphError && e.status === 400 && /Not\.A\.Scope/.test(e.graphMessage),
    );
  });
});
