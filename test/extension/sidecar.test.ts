// The agent sidecar inside a real VS Code: started by its command, called over HTTP (plain, and by an Agents SDK app
// configured only by Copy Sidecar Settings), its requests listed in the Agent Sidecar view and opened in the
// inspector, stopped, and its port free again.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as vscode from 'vscode';
import { CommandId } from '../../src/extension/commands/ids';
import type { SandboxStatus } from '../../src/extension/commands/contracts';
import { runSdkAgent, sidecarSettingsEnv } from '../sdkAgent';
import { AGENT_USER_ID, AGENT_USER_UPN } from '../helpers';
import { api, run } from './helpers';

const GRAPH = 'https://graph.microsoft.com/.default';

async function sidecarRows(): Promise<{ label: string; description: string; contextValue: string; icon: string }[]> {
  const { sidecarTree } = await api();
  return sidecarTree.getChildren().map((node) => {
    const item = sidecarTree.getTreeItem(node);
    return {
      label: String(item.label),
      description: String(item.description),
      contextValue: item.contextValue ?? '',
      icon: item.iconPath instanceof vscode.ThemeIcon ? item.iconPath.id : '',
    };
  });
}

const inspectorTabs = () =>
  vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('entraAgentTokens.inspector'))
    .length;

const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

describe('the agent sidecar in a real VS Code', () => {
  const config = () => vscode.workspace.getConfiguration('entraAgentTokens');
  let sandbox: SandboxStatus;
  before(async () => {
    await api();
    // Any free port: a developer's own sidecar (or the container) may hold 5178 on the machine running the tests.
    await config().update('sidecar.port', 0, vscode.ConfigurationTarget.Global);
    await config().update(
      'sidecar.downstreamApis',
      { weather: { scopes: ['api://sandbox-weather/.default'] } },
      vscode.ConfigurationTarget.Global,
    );
    sandbox = (await run(CommandId.startSandbox))!;
  });
  after(async () => {
    await run(CommandId.stopSidecar);
    await run(CommandId.stopSandbox, { confirmed: true });
    await config().update('sidecar.port', undefined, vscode.ConfigurationTarget.Global);
    await config().update('sidecar.downstreamApis', undefined, vscode.ConfigurationTarget.Global);
  });

  it('starts for the sandbox blueprint, serves tokens, lists each request, opens one in the inspector, and stops', async () => {
    const status = (await run(CommandId.startSidecar, { blueprintId: sandbox.blueprintIds[0]! }))!;
    assert.match(status.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(status.apis.map((a) => a.name).sort(), [
      'agenticblueprint',
      'default',
      'graph',
      'legacy',
      'partners',
      'weather',
    ]);
    const agent = sandbox.agentIds[0]!;
    const get = (path: string) => fetch(`${status.url}${path}`);

    // Plain HTTP, as agent code written for the sidecar asks; the second answer comes from the shared cache.
    for (let i = 0; i < 2; i++) {
      const r = await get(
        `/AuthorizationHeaderUnauthenticated/weather?AgentIdentity=${agent}&optionsOverride.RequestAppToken=true`,
      );
      assert.equal(r.status, 200);
      assert.match(((await r.json()) as { authorizationHeader: string }).authorizationHeader, /^Bearer eyJ/);
    }
    const refused = await get(
      '/AuthorizationHeaderUnauthenticated/graph?AgentIdentity=not-a-guid&optionsOverride.RequestAppToken=true',
    );
    assert.equal(refused.status, 401, 'as Entra would refuse it behind the container');
    assert.match(String(refused.headers.get('content-type')), /^application\/problem\+json/);

    // An Agents SDK app whose whole environment is what Copy Sidecar Settings copied: all four kinds of token. The
    // copy also lists the keys the container needs to answer as this sidecar does.
    const copied = (await run(CommandId.copySidecarSettings))!;
    assert.equal(await vscode.env.clipboard.readText(), copied);
    assert.match(copied, /^# {3}Sidecar__AllowOverrides__GetAuthorizationHeaderUnauthenticated=true$/m);
    assert.match(copied, /^# {3}DownstreamApis__agenticblueprint__RequestAppToken=true$/m);
    const agentApp = await runSdkAgent(sidecarSettingsEnv(copied), sandbox.tenantId, agent, AGENT_USER_UPN);
    assert.equal(agentApp.provider, 'SidecarAuthProvider');
    assert.deepEqual(
      [agentApp.app.appid, agentApp.agent.appid, agentApp.agentUser.appid, agentApp.agentUser.oid],
      [sandbox.blueprintIds[0], agent, agent, AGENT_USER_ID],
    );

    // Newest first: the SDK app's four, the refusal, then the two plain requests (the second from the cache). Each
    // one that relies on an override of the unauthenticated route (on here, off in the container by default) or on a
    // built-in API carries the warning icon, and its tooltip names the key.
    const rows = await sidecarRows();
    assert.equal(rows.length, 7, JSON.stringify(rows));
    assert.deepEqual(
      rows.map((r) => r.icon),
      ['warning', 'warning', 'warning', 'warning', 'error', 'warning', 'warning'],
    );
    assert.equal(rows[1]!.label, AGENT_USER_UPN);
    assert.equal(rows[2]!.label, 'Research Agent');
    assert.equal(rows[3]!.label, 'the blueprint');
    assert.match(rows[3]!.description, new RegExp(` · 200 · ${GRAPH.replace(/[./]/g, '\\$&')}$`));
    assert.equal(rows[4]!.contextValue, 'sidecarRequest.failed');
    assert.match(rows[5]!.description, / · 200 · api:\/\/sandbox-weather\/\.default · cache$/);
    assert.doesNotMatch(rows[6]!.description, /cache/);
    assert.equal((await api()).sidecar.requestCount, 7);

    // A row opens its token in the inspector, with its legs.
    const { sidecar } = await api();
    const before = inspectorTabs();
    assert.equal(await run(CommandId.openSidecarRequest, { id: sidecar.requests[1]!.id }), true);
    for (let i = 0; i < 40 && inspectorTabs() === before; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(inspectorTabs(), before + 1, 'the agent user token opened in an inspector tab');
    assert.equal(sidecar.requests[1]!.result?.legs.length, 3, 'with its three legs');

    // Export Sidecar for Production: the running sidecar's configuration as Docker Compose, read back as YAML.
    const file = join(tmpdir(), `eat-export-${process.pid}.yaml`);
    assert.equal(await run(CommandId.exportSidecar, { format: 'compose', path: file }), file);
    const compose = parseYaml(readFileSync(file, 'utf8')) as {
      services: { 'auth-sidecar': { image: string; environment: Record<string, string> } };
    };
    const environment = compose.services['auth-sidecar'].environment;
    assert.match(compose.services['auth-sidecar'].image, /^mcr\.microsoft\.com\/entra-sdk\/auth-sidecar:/);
    assert.equal(environment.AzureAd__ClientId, sandbox.blueprintIds[0]);
    assert.equal(environment.AzureAd__ClientCredentials__0__ClientSecret, '${AZUREAD_CLIENT_SECRET}');
    assert.equal(environment.DownstreamApis__weather__Scopes__0, 'api://sandbox-weather/.default');
    assert.equal(environment.Sidecar__AllowOverrides__GetAuthorizationHeaderUnauthenticated, 'true');
    rmSync(file);

    // Stopped: the port is free again; its requests stay listed, to be read after the run, until it starts again.
    const listed = (await sidecarRows()).length;
    assert.equal(await run(CommandId.stopSidecar), true);
    assert.equal(await portIsFree(status.port), true);
    assert.equal((await sidecarRows()).length, listed);
    assert.equal(sidecar.stoppedStatus?.url, status.url);
    assert.equal(await run(CommandId.stopSidecar), false, 'stopping twice is a no-op');
  });

  it('refuses a port that is taken, and a bad API setting, naming the setting; nothing starts', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const taken = (squatter.address() as { port: number }).port;
    try {
      await config().update('sidecar.port', taken, vscode.ConfigurationTarget.Global);
      assert.equal(await run(CommandId.startSidecar, { blueprintId: sandbox.blueprintIds[0]! }), undefined);
      assert.equal((await api()).sidecar.status, undefined);
      await config().update('sidecar.port', 0, vscode.ConfigurationTarget.Global);
      await config().update(
        'sidecar.downstreamApis',
        { weather: { scopes: 'api://x/.default' } },
        vscode.ConfigurationTarget.Global,
      );
      assert.equal(await run(CommandId.startSidecar, { blueprintId: sandbox.blueprintIds[0]! }), undefined);
      assert.equal((await api()).sidecar.status, undefined);
    } finally {
      await config().update(
        'sidecar.downstreamApis',
        { weather: { scopes: ['api://sandbox-weather/.default'] } },
        vscode.ConfigurationTarget.Global,
      );
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('stops by itself when its blueprint goes away (the sandbox stopped)', async () => {
    const status = (await run(CommandId.startSidecar, { blueprintId: sandbox.blueprintIds[0]! }))!;
    assert.deepEqual(await sidecarRows(), [], 'a new run starts with an empty list');
    assert.equal(await run(CommandId.stopSandbox, { confirmed: true }), true);
    for (let i = 0; i < 40 && (await api()).sidecar.status; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await api()).sidecar.status, undefined);
    assert.equal(await portIsFree(status.port), true);
    sandbox = (await run(CommandId.startSandbox))!;
  });
});
