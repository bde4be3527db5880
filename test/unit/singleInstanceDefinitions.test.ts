// Single-instance blueprints in the extension's definitions (pure rules): an import keeps the kind, takes the one
// agent identity that shares the blueprint's client id, and refuses an agent whose id says otherwise.
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/core/errors/errors';
import { isSingleInstanceAgent, planImport } from '../../src/extension/definitions/definitionRules';
import { agentTokenRequest } from '../../src/extension/tokens/tokenRequests';

const ID = '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e';
const OTHER = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const blueprint = (singleInstance: boolean) => ({
  clientId: ID,
  displayName: 'Desk',
  tenant: 'contoso.onmicrosoft.com',
  credentialKind: 'secret',
  ...(singleInstance ? { singleInstance: true } : {}),
});
const agent = (clientId: string) => ({
  clientId,
  blueprintId: ID,
  displayName: 'Desk agent',
  defaultScope: 'https://graph.microsoft.com/.default',
});
const none = { blueprints: [], agents: [] };

describe('single-instance definitions', () => {
  it('imports a single-instance blueprint with its agent identity, which shares its client id', () => {
    const plan = planImport({ blueprints: [blueprint(true)], agents: [agent(ID)] }, none, []);
    assert.equal(plan.blueprints[0]!.singleInstance, true);
    assert.deepEqual(
      plan.agents.map((a) => [a.clientId, isSingleInstanceAgent(a)]),
      [[ID, true]],
    );
    // Its token request is the one-leg flow, with the blueprint's credential; the other flows are refused.
    const request = agentTokenRequest(plan.blueprints[0]!, plan.agents[0]!, 'https://graph.microsoft.com/.default', {
      flow: 'autonomous',
    });
    assert.equal(request.flow, 'single-instance');
    assert.equal(request.blueprintId, ID);
    assert.ok(!('agentId' in request));
    assert.throws(
      () => agentTokenRequest(plan.blueprints[0]!, plan.agents[0]!, 'User.Read', { flow: 'obo', userToken: 'x' }),
      ConfigError,
    );
  });

  it('refuses an agent whose client id contradicts its blueprint kind', () => {
    assert.throws(
      () => planImport({ blueprints: [blueprint(true)], agents: [agent(OTHER)] }, none, []),
      (e: unknown) => e instanceof ConfigError && /differs from its single-instance blueprint/.test(e.problem),
    );
    assert.throws(
      () => planImport({ blueprints: [blueprint(false)], agents: [agent(ID)] }, none, []),
      (e: unknown) => e instanceof ConfigError && /not single-instance/.test(e.problem),
    );
  });
});
