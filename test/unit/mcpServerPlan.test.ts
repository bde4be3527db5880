// The command line the extension offers VS Code for a blueprint's MCP server: the credential is named, never given.
import assert from 'node:assert/strict';
import type { BlueprintDefinition } from '../../src/extension/definitions/definitionRules';
import { execFileSync } from 'node:child_process';
import { MCP_SECRET_ENV, mcpServerCommandLine, mcpServerPlan } from '../../src/extension/agentMode/mcpServerPlan';

const base: BlueprintDefinition = {
  clientId: '0b5e6a7c-1d2e-4f3a-8b9c-0d1e2f3a4b5c',
  displayName: 'Contoso Blueprint',
  tenant: 'contoso.onmicrosoft.com',
  authority: 'https://login.microsoftonline.com',
  credentialKind: 'secret',
};

describe('the MCP server the extension offers for a blueprint', () => {
  it('names a secret by environment variable, filled in at start', () => {
    const plan = mcpServerPlan(base, '/ext/dist/cli.js', [])!;
    assert.deepEqual(plan.args, [
      '/ext/dist/cli.js',
      'mcp',
      '--tenant',
      'contoso.onmicrosoft.com',
      '--blueprint',
      base.clientId,
      '--authority',
      'https://login.microsoftonline.com',
      '--client-secret-env',
      MCP_SECRET_ENV,
    ]);
    assert.equal(plan.secretEnv, MCP_SECRET_ENV);
    assert.deepEqual(plan.env, { ELECTRON_RUN_AS_NODE: '1' });
  });

  it('passes a certificate, a token file or a managed identity by path or id', () => {
    const cert = mcpServerPlan(
      { ...base, credentialKind: 'certificate', certificatePath: '/keys/b.pem', assertionAlgorithm: 'RS256' },
      'cli.js',
      [],
    )!;
    assert.deepEqual(cert.args.slice(-4), ['--certificate', '/keys/b.pem', '--assertion-alg', 'RS256']);
    assert.equal(cert.secretEnv, undefined);
    const file = mcpServerPlan(
      { ...base, credentialKind: 'federatedTokenFile', federatedTokenFile: '/var/t' },
      'c',
      [],
    )!;
    assert.deepEqual(file.args.slice(-2), ['--federated-token-file', '/var/t']);
    const mi = mcpServerPlan({ ...base, credentialKind: 'managedIdentity' }, 'c', [])!;
    assert.equal(mi.args.at(-1), '--managed-identity');
  });

  it('allows an authority host only if the user setting does, and offers nothing for a half-made or unconfirmed one', () => {
    const proxy = { ...base, authority: 'https://login.proxy.contoso.com' };
    assert.ok(mcpServerPlan(proxy, 'c', ['login.proxy.contoso.com'])!.args.includes('--allow-authority-host'));
    assert.ok(!mcpServerPlan(base, 'c', ['login.proxy.contoso.com'])!.args.includes('--allow-authority-host'));
    assert.equal(
      mcpServerPlan({ ...base, setup: { objectId: base.clientId, missing: ['principal'] } }, 'c', []),
      undefined,
    );
    assert.equal(mcpServerPlan({ ...base, confirmBeforeUse: true }, 'c', []), undefined);
  });

  it('Copy MCP Server Command: one line a shell reads back word for word, naming the credential only', () => {
    const plan = mcpServerPlan(
      { ...base, credentialKind: 'certificate', certificatePath: "/home/me/My Keys/it's $HOME.pem" },
      "/ext with space/it's/dist/cli.js",
      [],
    )!;
    const line = mcpServerCommandLine(plan);
    // The shell's own reading of the line: each word as the server will get it.
    const words = execFileSync('sh', ['-c', `set -- ${line.replace(/^'node' /, '')}; printf '%s\\0' "$@"`], {
      encoding: 'utf8',
    })
      .split('\0')
      .slice(0, -1);
    assert.deepEqual(words, plan.args);
    assert.match(line, /^'node' /);
    const secretLine = mcpServerCommandLine(mcpServerPlan(base, '/ext/dist/cli.js', [])!);
    assert.match(secretLine, new RegExp(`'--client-secret-env' '${MCP_SECRET_ENV}'$`));
  });
});
