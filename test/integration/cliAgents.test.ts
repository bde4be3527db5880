// The blueprint acting as itself through Microsoft Graph (the sandbox's Graph subset): list, create and delete its
// agent identities, create their agent users; each refusal explained; the new agent gets a token at once.
import assert from 'node:assert/strict';
import { cli, cliSuiteSandbox, sandboxBlueprintArgs } from '../cliRunner';
import {
  AGENT,
  BLUEPRINT,
  OTHER_AGENT,
  SECOND_AGENT,
  SECOND_BLUEPRINT,
  SECOND_TENANT,
  SECRET,
  USER_ID,
} from '../helpers';

describe('CLI: entra-agent-tokens agents and agent-users (the blueprint as itself, through Graph)', () => {
  const sandbox = cliSuiteSandbox();
  const base = () => [...sandboxBlueprintArgs(sandbox().authority), '--client-secret-env', 'BLUEPRINT_SECRET'];
  const env = { BLUEPRINT_SECRET: SECRET };

  it('creates an agent identity right after its blueprint, retrying while Graph has not replicated the blueprint', async () => {
    // As right after New Blueprint…: Graph answers 400 "Object with id '<blueprint>' not found." for a while.
    sandbox().graph.replicationLagMs = 1_500;
    sandbox().graph.markCreated(BLUEPRINT);
    try {
      const created = await cli(['agents', 'create', '--display-name', 'Right After', ...base(), '--json'], env);
      assert.equal(created.code, 0, created.stderr);
      assert.equal((JSON.parse(created.stdout) as { displayName: string }).displayName, 'Right After');
    } finally {
      sandbox().graph.replicationLagMs = 0;
    }
  });

  it('lists its agent identities, creates one with a sponsor, and the new one gets a token at once', async () => {
    const list = await cli(['agents', 'list', ...base(), '--json'], env);
    assert.equal(list.code, 0, list.stderr);
    const before = (JSON.parse(list.stdout) as { agents: { appId: string }[] }).agents.map((a) => a.appId);
    assert.ok(before.includes(AGENT) && before.includes(OTHER_AGENT), list.stdout);
    const created = await cli(
      ['agents', 'create', '--display-name', 'Orders Agent', '--sponsor', USER_ID, ...base(), '--json'],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    const agent = JSON.parse(created.stdout) as {
      id: string;
      appId: string;
      displayName: string;
      agentIdentityBlueprintId: string;
    };
    assert.equal(agent.displayName, 'Orders Agent');
    assert.equal(agent.id, agent.appId, 'an agent identity has one id');
    assert.equal(agent.agentIdentityBlueprintId, BLUEPRINT);
    const token = await cli(['token', ...base(), '--agent', agent.appId, '--json'], env);
    assert.equal(token.code, 0, token.stderr);
    assert.equal((JSON.parse(token.stdout) as { claims: { appid: string } }).claims.appid, agent.appId);
    const after = JSON.parse((await cli(['agents', 'list', ...base(), '--json'], env)).stdout) as {
      agents: { appId: string }[];
    };
    assert.equal(after.agents.length, before.length + 1);
    // Its agent user, then the one-per-agent rule, explained.
    const user = await cli(
      [
        'agent-users',
        'create',
        '--agent',
        agent.appId,
        '--upn',
        'orders-agent@sandbox.onmicrosoft.com',
        ...base(),
        '--json',
      ],
      env,
    );
    assert.equal(user.code, 0, user.stderr);
    assert.deepEqual(Object.keys(JSON.parse(user.stdout) as object).sort(), [
      'id',
      'identityParentId',
      'userPrincipalName',
    ]);
    assert.equal((JSON.parse(user.stdout) as { identityParentId: string }).identityParentId, agent.appId);
    const again = await cli(
      ['agent-users', 'create', '--agent', agent.appId, '--upn', 'orders-2@sandbox.onmicrosoft.com', ...base()],
      env,
    );
    assert.equal(again.code, 6);
    assert.match(
      again.stderr,
      /^error: Microsoft Graph refused POST \/graph\/v1\.0\/users\/microsoft\.graph\.agentUser: HTTP 400 Request_BadRequest/,
    );
    assert.match(again.stderr, /what it means: An agent identity has at most one agent user\./);
    assert.match(again.stderr, /request-id: [0-9a-f-]{36}, client-request-id: [0-9a-f-]{36}/);
    // Delete: gone from the list, and a second delete says it does not exist.
    const deleted = await cli(['agents', 'delete', '--agent', agent.appId, ...base()], env);
    assert.equal(deleted.code, 0, deleted.stderr);
    const gone = await cli(['agents', 'delete', '--agent', agent.appId, ...base()], env);
    assert.equal(gone.code, 6);
    assert.match(gone.stderr, /HTTP 404 Request_ResourceNotFound/);
  });

  it('a blueprint without the permission is refused, told which permission and how to grant it', async () => {
    // The second tenant's blueprint has no Graph permission at all.
    const second = sandboxBlueprintArgs(sandbox().authority, SECOND_BLUEPRINT, SECOND_TENANT);
    const r = await cli(['agents', 'list', ...second, '--client-secret-env', 'BLUEPRINT_SECRET'], env);
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /HTTP 403 Authorization_RequestDenied/);
    assert.match(
      r.stderr,
      new RegExp(
        `fix: Grant the blueprint ${SECOND_BLUEPRINT} the application permission AgentIdentity\\.CreateAsManager`,
      ),
    );
    // And the sandbox's blueprint may not delete another blueprint's agent.
    const other = await cli(['agents', 'delete', '--agent', SECOND_AGENT, ...base()], env);
    assert.equal(other.code, 6);
    assert.match(other.stderr, /HTTP 404 Request_ResourceNotFound|HTTP 403 Authorization_RequestDenied/);
  });

  it('checks its input before anything is sent: the verb, GUIDs, the UPN, the Graph endpoint', async () => {
    for (const [args, message] of [
      [['agents', 'rename'], /agents takes list, create or delete/],
      [['agents', 'delete', '--agent', 'not-a-guid', ...base()], /--agent takes the agent identity's id \(a GUID\)/],
      [['agents', 'create', ...base()], /--display-name is required/],
      [['agents', 'list', '--agent', AGENT, ...base()], /--agent does not go with "list"/],
      [
        ['agent-users', 'create', '--agent', AGENT, '--upn', 'no-at-sign', ...base()],
        /--upn takes a user principal name/,
      ],
      [
        ['agents', 'list', ...base(), '--graph-endpoint', 'http://graph.example.com'],
        /must be https \(http only on loopback\)/,
      ],
      [
        ['agents', 'list', ...base(), '--graph-endpoint', 'https://graph.example.com'],
        /is not a Microsoft Graph host .*--allow-authority-host graph\.example\.com/,
      ],
    ] as const) {
      const r = await cli([...args], env);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});
