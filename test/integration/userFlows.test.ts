import assert from 'node:assert/strict';
import type { AutonomousTokenRequest } from '../../src/core/engine/agentTokens';
import { TOKEN_EXCHANGE_APP_ID } from '../../src/core/config/config';
import { EntraError } from '../../src/core/errors/entraError';
import { ConfigError } from '../../src/core/errors/errors';
import {
  AGENT,
  AGENT_USER_ID,
  AGENT_USER_UPN,
  ASSERTION_TYPE,
  BLUEPRINT,
  OTHER_AGENT,
  SANDBOX_TENANT,
  sandboxRequest,
  USER_ID,
  USER_UPN,
  userToken,
  sandboxAndEngine,
} from '../helpers';

describe('user flows against the sandbox', () => {
  const live = sandboxAndEngine();

  const base = (): AutonomousTokenRequest =>
    sandboxRequest(live.sandbox, { scope: 'https://graph.microsoft.com/User.Read' });

  describe('on behalf of a user', () => {
    it('sends T1 and the user token exactly as documented and gets a delegated agent token', async () => {
      const tc = await userToken(live.sandbox.authority);
      live.sandbox.clearRecords();
      const r = await live.engine.getOnBehalfOfToken({ ...base(), userToken: tc });
      assert.equal(r.flow, 'obo');
      assert.deepEqual(
        r.legs.map((l) => l.name),
        ['blueprint', 'agent'],
      );
      assert.deepEqual(live.sandbox.requests[1]!.params, {
        client_id: AGENT,
        scope: 'https://graph.microsoft.com/User.Read',
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: r.t1.raw,
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: tc,
        requested_token_use: 'on_behalf_of',
      });
      const c = r.token.claims;
      assert.equal(c.idtyp, 'user');
      assert.equal(c.oid, USER_ID);
      assert.equal(c.upn, USER_UPN);
      assert.equal(c.scp, 'User.Read');
      assert.equal(c.appid, AGENT);
      assert.equal(c.xms_par_app_azp, BLUEPRINT);
      assert.ok(String(c.xms_act_fct).split(' ').includes('11'));
    });

    it('refreshes with the agent refresh-token leg (T1 as assertion), once per refresh token', async () => {
      const tc = await userToken(live.sandbox.authority);
      const first = await live.engine.getOnBehalfOfToken({ ...base(), userToken: tc });
      assert.ok(first.refreshToken);
      live.sandbox.clearRecords();
      const refreshed = await live.engine.refreshUserToken({ ...base(), refreshToken: first.refreshToken! });
      assert.deepEqual(
        live.sandbox.requests.map((r) => r.params.grant_type),
        ['refresh_token'],
        'T1 comes from the cache',
      );
      assert.deepEqual(live.sandbox.requests[0]!.params, {
        client_id: AGENT,
        scope: 'https://graph.microsoft.com/User.Read',
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: first.t1.raw,
        grant_type: 'refresh_token',
        refresh_token: first.refreshToken,
      });
      assert.equal(refreshed.token.claims.oid, USER_ID);
      assert.equal(refreshed.token.claims.scp, 'User.Read');
      assert.equal(refreshed.legs[1]!.parameters.refresh_token, '[redacted]');
      assert.notEqual(refreshed.refreshToken, first.refreshToken, 'rotated');
      await assert.rejects(
        live.engine.refreshUserToken({ ...base(), refreshToken: first.refreshToken! }),
        (e: unknown) => e instanceof EntraError && e.code === 70000,
      );
    });

    it('catches a user token for Graph before sending anything, explaining AADSTS50013', async () => {
      const graphToken = await userToken(live.sandbox.authority, 'https://graph.microsoft.com/User.Read');
      live.sandbox.clearRecords();
      await assert.rejects(
        live.engine.getOnBehalfOfToken({ ...base(), userToken: graphToken }),
        (e: unknown) =>
          e instanceof ConfigError && /not for the blueprint/.test(e.message) && /AADSTS50013/.test(e.fix),
      );
      assert.equal(live.sandbox.requests.length, 0);
    });

    it('catches an expired user token before sending anything', async () => {
      const tc = await userToken(live.sandbox.authority);
      const claims = JSON.parse(Buffer.from(tc.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
      const expired = `${tc.split('.')[0]}.${Buffer.from(JSON.stringify({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 })).toString('base64url')}.${tc.split('.')[2]}`;
      live.sandbox.clearRecords();
      await assert.rejects(
        live.engine.getOnBehalfOfToken({ ...base(), userToken: expired }),
        (e: unknown) =>
          e instanceof ConfigError && /expired at \d{4}-/.test(e.message) && /Sign the user in again/.test(e.fix),
      );
      assert.equal(live.sandbox.requests.length, 0, 'nothing was sent');
      // The same token, unexpired, goes through: the check is the expiry, not the tampering (the sandbox would catch that).
      assert.equal((await live.engine.getOnBehalfOfToken({ ...base(), userToken: tc })).token.claims.oid, USER_ID);
    });

    it('gets AADSTS50013 from the sandbox too, when the check is bypassed', async () => {
      const graphToken = await userToken(live.sandbox.authority, 'https://graph.microsoft.com/User.Read');
      const t1 = (await live.engine.getAutonomousToken({ ...base(), scope: 'https://graph.microsoft.com/.default' })).t1
        .raw;
      const res = await fetch(`${live.sandbox.authority}/${SANDBOX_TENANT}/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({
          client_id: AGENT,
          scope: 'https://graph.microsoft.com/User.Read',
          client_assertion_type: ASSERTION_TYPE,
          client_assertion: t1,
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          assertion: graphToken,
          requested_token_use: 'on_behalf_of',
        }),
      });
      const body = (await res.json()) as { error_codes: number[] };
      assert.deepEqual(body.error_codes, [50013]);
    });

    it('explains missing consent (AADSTS65001)', async () => {
      const tc = await userToken(live.sandbox.authority);
      await assert.rejects(
        live.engine.getOnBehalfOfToken({ ...base(), scope: 'https://graph.microsoft.com/Files.Read', userToken: tc }),
        (e: unknown) => e instanceof EntraError && e.code === 65001 && e.body.suberror === 'consent_required',
      );
    });
  });

  describe('as the agent user', () => {
    it("runs three legs in MSAL's wire format and gets the agent user's token", async () => {
      const r = await live.engine.getAgentUserToken({
        ...base(),
        scope: 'https://graph.microsoft.com/.default',
        userId: AGENT_USER_ID,
      });
      assert.equal(r.flow, 'agent-user');
      assert.deepEqual(
        r.legs.map((l) => [l.name, l.status]),
        [
          ['blueprint', 200],
          ['agent', 200],
          ['agent-user', 200],
        ],
      );
      const [leg1, leg2, leg3] = live.sandbox.requests;
      assert.equal(leg1!.params.fmi_path, AGENT);
      assert.deepEqual(leg2!.params, {
        client_id: AGENT,
        scope: 'api://AzureADTokenExchange/.default',
        grant_type: 'client_credentials',
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: r.t1.raw,
      });
      assert.deepEqual(leg3!.params, {
        client_id: AGENT,
        scope: 'https://graph.microsoft.com/.default openid profile offline_access',
        grant_type: 'user_fic',
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: r.t1.raw,
        user_federated_identity_credential: r.t2!.raw,
        user_id: AGENT_USER_ID,
        client_info: '1',
      });
      assert.equal(r.t2!.claims.aud, TOKEN_EXCHANGE_APP_ID);
      assert.equal(r.t2!.claims.azp, AGENT);
      const c = r.token.claims;
      assert.equal(c.idtyp, 'user');
      assert.equal(c.oid, AGENT_USER_ID);
      assert.equal(c.upn, AGENT_USER_UPN);
      assert.ok(String(c.xms_sub_fct).split(' ').includes('13'));
      assert.equal(c.xms_par_app_azp, BLUEPRINT);
      assert.equal(c.scp, 'User.Read Mail.Read');
    });

    it('names the agent user by UPN too, and serves a repeat from the cache', async () => {
      const r = await live.engine.getAgentUserToken({
        ...base(),
        scope: 'https://graph.microsoft.com/.default',
        username: AGENT_USER_UPN,
      });
      assert.equal(live.sandbox.requests[2]!.params.username, AGENT_USER_UPN);
      assert.ok(!('user_id' in live.sandbox.requests[2]!.params));
      const again = await live.engine.getAgentUserToken({
        ...base(),
        scope: 'https://graph.microsoft.com/.default',
        username: AGENT_USER_UPN,
      });
      assert.equal(again.fromCache, true);
      assert.equal(again.accessToken, r.accessToken);
      assert.equal(live.sandbox.requests.length, 3);
    });

    it("explains an unknown agent user, and a user who is not this agent's (AADSTS50034)", async () => {
      for (const userId of ['00000000-0000-4000-8000-000000000000', USER_ID]) {
        await assert.rejects(
          live.engine.getAgentUserToken({ ...base(), scope: 'https://graph.microsoft.com/.default', userId }),
          (e: unknown) => e instanceof EntraError && e.code === 50034,
        );
      }
      // Another agent's agent user: the user's identity parent is checked before any consent is looked at (consent is
      // granted to an agent for its own user), so the answer is 50034, never 65001. No source pins Entra's order; this
      // is the sandbox's, stated here once.
      await assert.rejects(
        live.engine.getAgentUserToken({
          ...base(),
          agentId: OTHER_AGENT,
          scope: 'https://graph.microsoft.com/.default',
          userId: AGENT_USER_ID,
        }),
        (e: unknown) =>
          e instanceof EntraError &&
          e.code === 50034 &&
          /is not an agent user of agent identity/.test(e.description ?? ''),
      );
    });

    it('checks the user reference before sending anything', async () => {
      await assert.rejects(
        live.engine.getAgentUserToken({ ...base(), userId: AGENT_USER_ID, username: AGENT_USER_UPN }),
        ConfigError,
      );
      await assert.rejects(live.engine.getAgentUserToken({ ...base() }), ConfigError);
      await assert.rejects(live.engine.getAgentUserToken({ ...base(), username: 'not-a-upn' }), ConfigError);
      assert.equal(live.sandbox.requests.length, 0);
    });
  });
});
