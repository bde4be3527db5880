// The sandbox's Microsoft Graph subset answers as Graph does — its token checks, its permission checks, its error
// bodies and headers — and core/apiDiagnosis reads those answers into a cause and a fix.
import assert from 'node:assert/strict';
import { diagnose } from '../../src/core/api/apiDiagnosis';
import { scopeForUrl, tokenDestination } from '../../src/core/api/apiHosts';
import { clientSecret } from '../../src/core/credentials/credentials';
import {
  AGENT,
  AGENT_USER_ID,
  AGENT_USER_UPN,
  BLUEPRINT,
  OTHER_AGENT,
  SANDBOX_TENANT,
  sandboxAndEngine,
  SECRET,
  testDirectory,
} from '../helpers';

const GRAPH = 'https://graph.microsoft.com/.default';

describe("the sandbox's Microsoft Graph subset ({sandbox}/graph/v1.0/…)", () => {
  // The Support Agent may read applications here (Application.Read.All); the Research Agent may read users only.
  const directory = testDirectory();
  directory.tenants[0]!.blueprints[0]!.agents.find((a) => a.clientId === OTHER_AGENT)!.roles = {
    'https://graph.microsoft.com': ['Mail.Send', 'Application.Read.All'],
  };
  const live = sandboxAndEngine({ sandbox: { directory }, engineFor: 'suite' });

  const base = () => ({
    authority: live.sandbox.authority,
    tenant: SANDBOX_TENANT,
    blueprintId: BLUEPRINT,
    credential: clientSecret(SECRET),
    scope: GRAPH,
  });
  const appToken = async (agentId: string) =>
    (await live.engine.getAutonomousToken({ ...base(), agentId })).accessToken;
  const userToken = async () =>
    (await live.engine.getAgentUserToken({ ...base(), agentId: AGENT, userId: AGENT_USER_ID })).accessToken;
  const url = (path: string) => `${live.sandbox.authority}/graph/v1.0${path}`;
  async function get(path: string, token?: string, init: RequestInit = {}) {
    const response = await fetch(url(path), {
      ...init,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        'client-request-id': 'test-client-request',
        ...(init.headers as Record<string, string> | undefined),
      },
    });
    const body = await response.text();
    const headers: Record<string, string> = {};
    response.headers.forEach((v, k) => (headers[k] = v));
    return { status: response.status, headers, body, json: JSON.parse(body) as Record<string, unknown> };
  }
  const explain = async (path: string, token: string) => {
    const r = await get(path, token);
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    return { r, d: diagnose({ status: r.status, headers: r.headers, body: r.body, claims, url: url(path) }) };
  };

  it("is where a sandbox Graph token may go, and a Graph URL's scope is inferred", () => {
    const context = { sandboxOrigin: live.sandbox.authority };
    assert.equal(scopeForUrl(url('/users'), context), GRAPH);
    assert.equal(tokenDestination(url('/users'), GRAPH, context).send, true);
    // Without the sandbox as the token's issuer, a Graph token does not go to a loopback port.
    assert.equal(tokenDestination(url('/users'), GRAPH).send, false);
  });

  it('lists users for an app-only token with User.Read.All, with Graph’s headers, $select and $top', async () => {
    const r = await get('/users?$select=id,userPrincipalName&$top=5', await appToken(AGENT));
    assert.equal(r.status, 200, r.body);
    assert.match(r.headers['content-type']!, /^application\/json;odata\.metadata=minimal/);
    assert.equal(r.headers['client-request-id'], 'test-client-request');
    assert.match(r.headers['request-id']!, /^[0-9a-f-]{36}$/);
    assert.equal(r.json['@odata.context'], 'https://graph.microsoft.com/v1.0/$metadata#users');
    const users = r.json.value as Record<string, unknown>[];
    assert.ok(users.some((u) => u.userPrincipalName === AGENT_USER_UPN));
    assert.deepEqual(Object.keys(users[0]!).sort(), ['id', 'userPrincipalName']);
    const one = await get(`/users/${AGENT_USER_UPN}`, await appToken(AGENT));
    assert.equal(one.json.id, AGENT_USER_ID);
    assert.equal(one.json.identityParentId, AGENT);
  });

  it('refuses /applications without Application.Read.All: 403 Authorization_RequestDenied, explained with the grant', async () => {
    const { r, d } = await explain('/applications', await appToken(AGENT));
    assert.equal(r.status, 403);
    const error = r.json.error as { code: string; message: string; innerError: Record<string, string> };
    assert.equal(error.code, 'Authorization_RequestDenied');
    assert.equal(error.message, 'Insufficient privileges to complete the operation.');
    assert.equal(error.innerError['request-id'], r.headers['request-id']);
    assert.equal(error.innerError['client-request-id'], 'test-client-request');
    assert.match(d.summary, /^HTTP 403: Microsoft Graph refused the call/);
    assert.match(d.causes[0]!.fix, /application permission Application\.Read\.All \(an app role assignment/);
    assert.match(d.causes[0]!.evidence, /request-id [0-9a-f-]{36}, client-request-id test-client-request/);
    // The agent that has it reads the blueprints, as agentIdentityBlueprint applications.
    const ok = await get('/applications', await appToken(OTHER_AGENT));
    assert.equal(ok.status, 200, ok.body);
    assert.deepEqual(
      (ok.json.value as { appId: string }[]).map((a) => a.appId),
      [
        BLUEPRINT,
        ...testDirectory()
          .tenants[0]!.blueprints.slice(1)
          .map((b) => b.clientId),
      ],
    );
  });

  it('answers /me with an app-only token as Graph does (400), and explains it as a route for users', async () => {
    const { r, d } = await explain('/me', await appToken(AGENT));
    assert.equal(r.status, 400);
    assert.equal(
      (r.json.error as { message: string }).message,
      '/me request is only valid with delegated authentication flow.',
    );
    assert.equal(d.causes[0]!.cause, 'An app-only token on a route that acts for a signed-in user.');
    assert.match(d.causes[0]!.fix, /agent user's token/);
  });

  it("serves /me to the agent user's token (User.Read), and refuses it /users, naming the delegated grant", async () => {
    const token = await userToken();
    const me = await get('/me', token);
    assert.equal(me.status, 200, me.body);
    assert.equal(me.json.userPrincipalName, AGENT_USER_UPN);
    const { r, d } = await explain('/users', token);
    assert.equal(r.status, 403);
    assert.match(d.causes[0]!.fix, /delegated permission User\.ReadBasic\.All to the agent identity for this user/);
  });

  it('reads an agent identity by id, and answers an unknown id with Request_ResourceNotFound', async () => {
    const token = await appToken(OTHER_AGENT);
    const sp = await get(`/servicePrincipals/${AGENT}`, token);
    assert.equal(sp.status, 200, sp.body);
    assert.equal(sp.json['@odata.type'], '#microsoft.graph.agentIdentity');
    assert.equal(sp.json.agentIdentityBlueprintId, BLUEPRINT);
    const missing = '00000000-0000-4000-8000-000000000000';
    const { r, d } = await explain(`/servicePrincipals/${missing}`, token);
    assert.equal(r.status, 404);
    assert.match((r.json.error as { message: string }).message, new RegExp(`^Resource '${missing}' does not exist`));
    assert.match(d.summary, /does not exist, or this identity may not see it/);
  });

  it('checks the token itself first: none, another audience, an altered one; 401 InvalidAuthenticationToken', async () => {
    const none = await get('/users');
    assert.equal(none.status, 401);
    assert.equal((none.json.error as { message: string }).message, 'Access token is empty.');
    assert.match(none.headers['www-authenticate']!, /^Bearer realm="", authorization_uri=".*", client_id="00000003-/);
    const weather = (
      await live.engine.getAutonomousToken({ ...base(), agentId: AGENT, scope: 'api://sandbox-weather/.default' })
    ).accessToken;
    const wrong = await explain('/users', weather);
    assert.equal(wrong.r.status, 401);
    assert.equal(
      (wrong.r.json.error as { message: string }).message,
      'Access token validation failure. Invalid audience.',
    );
    assert.match(wrong.d.summary, /Microsoft Graph did not accept the token itself/);
    // The payload changed (a role added): the signature over the hashed nonce no longer holds.
    const [h, p, s] = (await appToken(AGENT)).split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const altered = `${h}.${Buffer.from(JSON.stringify({ ...claims, roles: ['Application.Read.All'] })).toString('base64url')}.${s}`;
    const refused = await get('/applications', altered);
    assert.equal(refused.status, 401);
    assert.equal((refused.json.error as { message: string }).message, 'Access token validation failure.');
  });

  it('takes GET only (405), and names an unknown segment (400), after the token is checked', async () => {
    const token = await appToken(AGENT);
    const post = await get('/users', token, { method: 'POST', body: '{}' });
    assert.equal(post.status, 405);
    assert.equal((post.json.error as { code: string }).code, 'Request_BadRequest');
    const unknown = await get('/groups', token);
    assert.equal(unknown.status, 400);
    assert.equal((unknown.json.error as { message: string }).message, "Resource not found for the segment 'groups'.");
  });
});
