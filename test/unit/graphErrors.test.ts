import assert from 'node:assert/strict';
import { graphErrorExplanation, graphPermissionFor } from '../../src/core/graph/graphErrors';
import { graphEndpointFor } from '../../src/extension/tokens/tokenRequests';

describe('Graph errors and endpoints (core/graphErrors, tokenRequests)', () => {
  it("names the permission of Agent ID's calls by method, and of the common reads", () => {
    const agents = '/v1.0/servicePrincipals/microsoft.graph.agentIdentity';
    assert.equal(graphPermissionFor(agents, true, 'POST'), 'AgentIdentity.CreateAsManager');
    assert.equal(graphPermissionFor(agents, false, 'POST'), 'AgentIdentity.Create.All');
    assert.equal(graphPermissionFor('/v1.0/servicePrincipals/x', true, 'DELETE'), 'AgentIdentity.CreateAsManager');
    assert.equal(
      graphPermissionFor('/graph/v1.0/users/microsoft.graph.agentUser', true, 'POST'),
      'AgentIdUser.ReadWrite.IdentityParentedBy',
    );
    assert.equal(graphPermissionFor('https://graph.microsoft.com/v1.0/users', true), 'User.Read.All');
    assert.equal(
      graphPermissionFor('https://graph.microsoft.com/v1.0/servicePrincipals/x', true),
      'Application.Read.All',
    );
  });

  it("explains Agent ID's codes and gotchas before the generic ones, and names who needs the grant", () => {
    assert.match(
      graphErrorExplanation(400, 'AgentIdentity_AgentBlueprintPrincipalDoesNotExist', '', true, '/x').fix,
      /agentIdentityBlueprintPrincipal/,
    );
    assert.match(graphErrorExplanation(400, 'Request_BadRequest', 'No sponsor specified', true, '/x').fix, /--sponsor/);
    assert.match(
      graphErrorExplanation(400, 'Request_BadRequest', 'Object with id abc not found.', true, '/x').meaning,
      /replicating/,
    );
    const denied = graphErrorExplanation(
      403,
      'Authorization_RequestDenied',
      'Insufficient privileges',
      true,
      '/v1.0/servicePrincipals/microsoft.graph.agentIdentity',
      'POST',
      'the blueprint "Orders"',
    );
    assert.match(denied.fix, /^Grant the blueprint "Orders" the application permission AgentIdentity\.CreateAsManager/);
    // A delegated write refused: the Azure CLI's Directory.AccessAsUser.All gotcha is named.
    assert.match(
      graphErrorExplanation(
        403,
        'Authorization_RequestDenied',
        '',
        false,
        '/v1.0/servicePrincipals/microsoft.graph.agentIdentity',
        'POST',
        'you',
      ).fix,
      /Directory\.AccessAsUser\.All/,
    );
    assert.match(graphErrorExplanation(429, 'TooManyRequests', '', true, '/x').fix, /Wait a minute/);
  });

  it("sends a blueprint's Graph calls to its cloud's Graph, or to the sandbox's Graph for a loopback authority", () => {
    assert.deepEqual(graphEndpointFor('https://login.microsoftonline.com'), {
      endpoint: 'https://graph.microsoft.com',
      resource: 'https://graph.microsoft.com',
    });
    assert.deepEqual(graphEndpointFor('https://login.microsoftonline.us'), {
      endpoint: 'https://graph.microsoft.us',
      resource: 'https://graph.microsoft.us',
    });
    assert.deepEqual(graphEndpointFor('http://127.0.0.1:5170'), {
      endpoint: 'http://127.0.0.1:5170/graph',
      resource: 'https://graph.microsoft.com',
    });
  });
});
