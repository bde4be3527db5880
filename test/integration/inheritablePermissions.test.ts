// Inheritable permissions (agent-id-2026 §3): Graph's rules on the sandbox's side, and the merge at issuance, which
// happens only when both halves hold: the resource listed as inheritable on the blueprint, and the permission granted
// to the blueprint's principal. Through the core's own Graph calls (core/graph/inheritablePermissions.ts).
import assert from 'node:assert/strict';
import { findResource, grantAppRole, grantScopes, principalOf } from '../../src/core/graph/blueprintSetup';
import { GraphClient } from '../../src/core/graph/graphClient';
import {
  effectivePermissions,
  inheritanceParts,
  listInheritable,
  readPermissionHalves,
  removeInheritable,
  setInheritable,
  whyMissing,
} from '../../src/core/graph/inheritablePermissions';
import { GraphError } from '../../src/core/errors/errors';
import { EntraError } from '../../src/core/errors/entraError';
import { BLUEPRINT, OTHER_AGENT, sandboxAndEngine, sandboxRequest, userToken } from '../helpers';

const GRAPH = 'https://graph.microsoft.com';
const BLUEPRINT_OBJECT = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';
const WEATHER_APP = '5d1e3c2b-8f4a-4b6c-9d7e-1a2b3c4d5e6f';
const PERMISSIONS = [
  'AgentIdentityBlueprint.ReadWrite.All',
  'Application.Read.All',
  'AppRoleAssignment.ReadWrite.All',
  'DelegatedPermissionGrant.ReadWrite.All',
];

describe('inheritable permissions: Graph rules, and both halves merged at issuance', () => {
  const clients: GraphClient[] = [];
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });
  const live = sandboxAndEngine({ engineFor: 'suite' });
  const graph = (version: 'v1.0' | 'beta' = 'v1.0') => {
    const client = new GraphClient({
      endpoint: `${live.sandbox.authority}/graph`,
      appOnly: false,
      caller: 'you',
      version,
      retryBaseDelayMs: 50,
      token: () => userToken(live.sandbox.authority, PERMISSIONS.map((p) => `${GRAPH}/${p}`).join(' ')),
    });
    clients.push(client);
    return client;
  };
  const supportWeather = () =>
    live.engine.getAutonomousToken(
      sandboxRequest(live.sandbox, { agentId: OTHER_AGENT, scope: 'api://sandbox-weather/.default' }),
      { forceRefresh: true },
    );

  it('finds what inheritance is set on (the resource, the principal, the object), and says which is missing', async () => {
    const g = graph();
    const parts = await inheritanceParts(g, { clientId: BLUEPRINT }, 'api://sandbox-weather', 'the tenant');
    assert.equal(parts.object, BLUEPRINT_OBJECT, 'looked up when the setup does not know it');
    assert.equal(parts.resource.appId, WEATHER_APP);
    assert.ok(parts.principal.id);
    await assert.rejects(
      inheritanceParts(g, { clientId: BLUEPRINT }, 'api://nowhere', 'the tenant'),
      /api:\/\/nowhere has no service principal in tenant the tenant/,
    );
    await assert.rejects(
      inheritanceParts(g, { clientId: '00000000-0000-4000-8000-000000000001' }, 'api://sandbox-weather', 'the tenant'),
      /Blueprint: has no service principal in tenant the tenant[\s\S]*Finish Setup/,
    );
  });

  it("follows Graph's rules: 201, 409 on a duplicate, 400 for a non-GUID app, a blocked scope, an 11th resource; PATCH, GET, DELETE", async () => {
    const g = graph();
    const base = `/applications/microsoft.graph.agentIdentityBlueprint/${BLUEPRINT_OBJECT}/inheritablePermissions`;
    const body = {
      resourceAppId: WEATHER_APP,
      inheritableScopes: { '@odata.type': '#microsoft.graph.allAllowedScopes', kind: 'allAllowed' },
      inheritableRoles: { '@odata.type': '#microsoft.graph.noRoles', kind: 'none' },
    };
    const status = (p: Promise<unknown>) =>
      p.then(
        () => 0,
        (e: unknown) => (e instanceof GraphError ? e.status : -1),
      );
    assert.equal(await status(g.create(base, body)), 0);
    assert.equal(await status(g.create(base, body)), 409);
    assert.equal(await status(g.create(base, { ...body, resourceAppId: 'weather' })), 400);
    assert.equal(
      await status(
        g.create(base, {
          resourceAppId: '00000003-0000-0000-c000-000000000000',
          inheritableScopes: { kind: 'enumerated', scopes: ['User.Read', 'Directory.ReadWrite.All'] },
        }),
      ),
      400,
      'a high-privilege scope is refused [I: which ones]',
    );
    for (let i = 0; i < 9; i++)
      assert.equal(
        await status(g.create(base, { ...body, resourceAppId: `00000000-0000-4000-8000-00000000000${i}` })),
        0,
      );
    assert.equal(
      await status(g.create(base, { ...body, resourceAppId: '00000000-0000-4000-8000-0000000000aa' })),
      400,
      'at most 10 resource apps',
    );
    for (let i = 0; i < 9; i++) await removeInheritable(g, BLUEPRINT_OBJECT, `00000000-0000-4000-8000-00000000000${i}`);
    // The core's calls: PATCH on the second set (after Graph's 409), read back, through beta's path as well.
    assert.equal(
      await setInheritable(g, BLUEPRINT_OBJECT, {
        resourceAppId: WEATHER_APP,
        scopes: ['Forecast.Read'],
        roles: 'allAllowed',
      }),
      'changed',
    );
    assert.deepEqual(await listInheritable(g, BLUEPRINT_OBJECT), [
      { resourceAppId: WEATHER_APP, scopes: ['Forecast.Read'], roles: 'allAllowed' },
    ]);
    const beta = await graph('beta').list<{ resourceAppId: string }>(
      `/applications/${BLUEPRINT_OBJECT}/graph.agentIdentityBlueprint/inheritablePermissions`,
    );
    assert.deepEqual(
      beta.map((b) => b.resourceAppId),
      [WEATHER_APP],
    );
    await removeInheritable(g, BLUEPRINT_OBJECT, WEATHER_APP);
    assert.deepEqual(await listInheritable(g, BLUEPRINT_OBJECT), []);
    assert.equal(await status(removeInheritable(g, BLUEPRINT_OBJECT, WEATHER_APP)), 404);
  });

  it('an app role reaches the agent token only when both halves hold: granted to the principal, and listed', async () => {
    const g = graph();
    assert.equal((await supportWeather()).token.claims.roles, undefined, 'the Support Agent holds no weather role');
    const weather = (await findResource(g, 'api://sandbox-weather'))!;
    const principal = (await principalOf(g, BLUEPRINT))!;
    const role = weather.appRoles.find((r) => r.value === 'Forecast.Read')!;
    // Half one: granted to the blueprint's principal. Not listed, so not inherited.
    await grantAppRole(g, principal.id, weather, role.id);
    assert.equal((await supportWeather()).token.claims.roles, undefined, 'granted but not listed: nothing inherited');
    // Half two: listed with scopes only. Roles still not inherited.
    await setInheritable(g, BLUEPRINT_OBJECT, { resourceAppId: WEATHER_APP, scopes: 'allAllowed', roles: 'none' });
    assert.equal((await supportWeather()).token.claims.roles, undefined, 'roles not listed: nothing inherited');
    // Both.
    await setInheritable(g, BLUEPRINT_OBJECT, {
      resourceAppId: WEATHER_APP,
      scopes: 'allAllowed',
      roles: 'allAllowed',
    });
    assert.deepEqual((await supportWeather()).token.claims.roles, ['Forecast.Read']);
    // Listed, then the listing removed: gone again.
    await removeInheritable(g, BLUEPRINT_OBJECT, WEATHER_APP);
    assert.equal((await supportWeather()).token.claims.roles, undefined);
  });

  it('a delegated scope reaches the on-behalf-of token only when both halves hold; otherwise 65001', async () => {
    const g = graph();
    const obo = async () =>
      live.engine.getOnBehalfOfToken(
        {
          ...sandboxRequest(live.sandbox, { agentId: OTHER_AGENT, scope: 'api://sandbox-weather/Forecast.Read' }),
          userToken: await userToken(live.sandbox.authority),
        },
        { forceRefresh: true },
      );
    const refused = (e: unknown) => e instanceof EntraError && e.code === 65001;
    await assert.rejects(obo(), refused, 'no consent of its own');
    const weather = (await findResource(g, 'api://sandbox-weather'))!;
    const principal = (await principalOf(g, BLUEPRINT))!;
    await setInheritable(g, BLUEPRINT_OBJECT, { resourceAppId: WEATHER_APP, scopes: ['Forecast.Read'], roles: 'none' });
    await assert.rejects(obo(), refused, 'listed but not consented to the principal');
    await grantScopes(g, principal.id, weather, ['Forecast.Read']);
    assert.equal((await obo()).token.claims.scp, 'Forecast.Read');
    // Enumerated scopes that leave it out: not inherited.
    await setInheritable(g, BLUEPRINT_OBJECT, { resourceAppId: WEATHER_APP, scopes: ['Other.Scope'], roles: 'none' });
    await assert.rejects(obo(), refused);
    await removeInheritable(g, BLUEPRINT_OBJECT, WEATHER_APP);
  });

  it("reads both halves from Graph: the agent's grants, its blueprint principal's, and the blueprint's setting", async () => {
    const g = graph();
    const weather = (await findResource(g, 'api://sandbox-weather'))!;
    const principal = (await principalOf(g, BLUEPRINT))!;
    await grantScopes(g, principal.id, weather, ['Forecast.Read']);
    await setInheritable(g, BLUEPRINT_OBJECT, { resourceAppId: WEATHER_APP, scopes: 'allAllowed', roles: 'none' });
    const halves = await readPermissionHalves(
      g,
      { agent: OTHER_AGENT, principal: principal.id, blueprintObject: BLUEPRINT_OBJECT },
      weather,
    );
    assert.deepEqual(halves.own, { roles: [], scopes: [] });
    assert.deepEqual(halves.principal.scopes, ['Forecast.Read']);
    assert.deepEqual(halves.setting, { resourceAppId: WEATHER_APP, scopes: 'allAllowed', roles: 'none' });
    assert.deepEqual(effectivePermissions(halves), [{ value: 'Forecast.Read', kind: 'scope', from: 'inherited' }]);
    await removeInheritable(g, BLUEPRINT_OBJECT, WEATHER_APP);
  });

  it('explains effective permissions and the missing half (pure)', () => {
    const halves = {
      own: { roles: ['Forecast.Read'], scopes: [] },
      principal: { roles: ['Forecast.Write'], scopes: ['Forecast.Read'] },
      setting: { resourceAppId: WEATHER_APP, scopes: 'allAllowed' as const, roles: 'none' as const },
    };
    assert.deepEqual(effectivePermissions(halves), [
      { value: 'Forecast.Read', kind: 'role', from: 'own' },
      { value: 'Forecast.Read', kind: 'scope', from: 'inherited' },
    ]);
    assert.match(
      whyMissing(halves, 'role', 'Forecast.Write')!,
      /granted to the blueprint's principal, but the blueprint does not list it/,
    );
    assert.match(
      whyMissing({ ...halves, setting: undefined }, 'role', 'Forecast.Admin')!,
      /holds no app role Forecast.Admin, and does not inherit it/,
    );
    assert.match(
      whyMissing({ ...halves, setting: { ...halves.setting, roles: 'allAllowed' } }, 'role', 'Forecast.Admin')!,
      /lists the app role Forecast.Admin as inheritable, but it is not granted/,
    );
    assert.match(
      whyMissing({ ...halves, principal: { roles: [], scopes: [] } }, 'scope', 'Forecast.Read')!,
      /lists the delegated scope Forecast.Read as inheritable, but it is not granted to the blueprint's principal/,
    );
    assert.equal(whyMissing(halves, 'scope', 'Forecast.Read'), undefined);
  });
});
