// `agents list|create|delete` and `agent-users create`: the blueprint, acting as itself (its own app token for Graph,
// client credentials with its credential, no one signed in), manages its agent identities and their agent users
// through Microsoft Graph. With AgentIdentity.CreateAsManager and AgentIdUser.ReadWrite.IdentityParentedBy; a missing
// one is explained by Graph's refusal (which permission, how to grant it).
import type { GraphClient } from '../core/graph/graphClient';
import { isCloudName, CLOUDS, type CloudName } from '../core/config/clouds';
import { isGuid, isLoopbackHost } from '../core/config/config';
import { terminalSafe } from '../core/safety/terminalText';
import { ExitCode } from './errors';
import { acquireWithFlags, tokenOptions, tokenRequestFromFlags, withOptionalValue } from './tokenCommand';
import { parse, UsageError } from './usage';

const CREDENTIAL = `CREDENTIAL: --client-secret-env VAR | --certificate FILE [--certificate-password-env VAR] |
            --federated-token-file FILE | --managed-identity [CLIENT_ID]`;

export const agentsHelp = `Usage: entra-agent-tokens agents list   --tenant T --blueprint B CREDENTIAL [--graph-endpoint URL] [--json]
       entra-agent-tokens agents create --display-name NAME [--sponsor USER_OBJECT_ID]... --tenant T --blueprint B CREDENTIAL [--graph-endpoint URL] [--json]
       entra-agent-tokens agents delete --agent A --tenant T --blueprint B CREDENTIAL [--graph-endpoint URL]

The blueprint, acting as itself through Microsoft Graph (its own token for Graph; no one signs in), lists, creates
and deletes its agent identities. It needs the application permission AgentIdentity.CreateAsManager.

  ${CREDENTIAL}
  --graph-endpoint URL   default: the cloud's Graph (https://graph.microsoft.com), or {authority}/graph for the
                         sandbox; the path /v1.0/… is appended. https (http only on loopback); another host than
                         the clouds' Graph hosts needs --allow-authority-host HOST
  --json                 list: {"agents":[{"id","appId","displayName"}]} (every page); create: {"id","appId",
                         "displayName","agentIdentityBlueprintId"}

Exit codes: 0 done; 2 bad input; 3 Entra refused the blueprint's token; 4 network; 6 Graph refused (explained).`;

export const agentUsersHelp = `Usage: entra-agent-tokens agent-users create --agent A --upn UPN [--display-name NAME] --tenant T --blueprint B CREDENTIAL [--graph-endpoint URL] [--json]

Creates the agent user of agent identity A (at most one per agent identity), acting as the blueprint. It needs the
application permission AgentIdUser.ReadWrite.IdentityParentedBy. --json: {"id","userPrincipalName","identityParentId"}.

  ${CREDENTIAL}`;

const options = {
  ...tokenOptions,
  'graph-endpoint': { type: 'string' },
  'display-name': { type: 'string' },
  sponsor: { type: 'string', multiple: true },
  upn: { type: 'string' },
} as const;

type Values = Pick<
  ReturnType<typeof parse<typeof options>>['values'],
  'graph-endpoint' | 'authority' | 'cloud' | 'allow-authority-host'
> &
  Partial<ReturnType<typeof parse<typeof options>>['values']>;

interface AgentJson {
  id: string;
  appId: string;
  displayName: string;
  agentIdentityBlueprintId?: string;
}

export async function runAgents(
  args: string[],
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
  out: (s: string) => void,
): Promise<number> {
  const verb = parseVerb(args, 'agents', ['list', 'create', 'delete'], agentsHelp, out);
  if (typeof verb === 'number') return verb;
  const { action, values } = verb;
  notFor(values, action, ['scope', 'flow', 'upn', 'user-id', 'username', 'user-token-env']);
  if (action !== 'create') notFor(values, action, ['display-name', 'sponsor']);
  if (action !== 'delete') notFor(values, action, ['agent']);
  const blueprint = guidFlag(values.blueprint, '--blueprint', "the blueprint's client id");
  const agentToDelete = action === 'delete' ? guidFlag(values.agent, '--agent', "the agent identity's id") : '';
  const sponsors = (values.sponsor ?? []).map((s) => guidFlag(s, '--sponsor', "a user's object id"));
  const displayName = action === 'create' ? requireText(values['display-name'], '--display-name') : '';

  return withGraph(values, env, signal, async (graph) => {
    if (action === 'list') {
      const agents = await graph.list<AgentJson>(
        `/servicePrincipals/microsoft.graph.agentIdentity?$filter=${encodeURIComponent(`agentIdentityBlueprintId eq '${blueprint}'`)}&$select=id,appId,displayName`,
        { signal },
      );
      const rows = agents.map((a) => ({ id: a.id, appId: a.appId, displayName: a.displayName }));
      if (values.json) out(`${JSON.stringify({ agents: rows })}\n`);
      else if (rows.length === 0) out('No agent identities under this blueprint.\n');
      else out(rows.map((a) => `${a.appId}  ${terminalSafe(a.displayName)}\n`).join(''));
      return ExitCode.ok;
    }
    if (action === 'create') {
      const created = await graph.create<AgentJson>(
        '/servicePrincipals/microsoft.graph.agentIdentity',
        {
          displayName,
          agentIdentityBlueprintId: blueprint,
          ...(sponsors.length
            ? { 'sponsors@odata.bind': sponsors.map((s) => `${graphResource(values)}/v1.0/users/${s}`) }
            : {}),
        },
        // The blueprint may have been created moments ago: "Object with id … not found" is retried.
        { signal, fresh: true },
      );
      const row = {
        id: created.id,
        appId: created.appId,
        displayName: created.displayName,
        agentIdentityBlueprintId: created.agentIdentityBlueprintId ?? blueprint,
      };
      out(
        values.json
          ? `${JSON.stringify(row)}\n`
          : `Created agent identity ${terminalSafe(row.displayName)}: ${row.appId}\n  Get its token: entra-agent-tokens token --agent ${row.appId} …\n`,
      );
      return ExitCode.ok;
    }
    await graph.delete(`/servicePrincipals/${agentToDelete}`, { signal });
    out(values.json ? `${JSON.stringify({ deleted: agentToDelete })}\n` : `Deleted agent identity ${agentToDelete}.\n`);
    return ExitCode.ok;
  });
}

export async function runAgentUsers(
  args: string[],
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
  out: (s: string) => void,
): Promise<number> {
  const verb = parseVerb(args, 'agent-users', ['create'], agentUsersHelp, out);
  if (typeof verb === 'number') return verb;
  const { values } = verb;
  notFor(values, 'agent-users create', ['scope', 'flow', 'sponsor', 'user-id', 'username', 'user-token-env']);
  const agent = guidFlag(values.agent, '--agent', "the agent identity's id");
  const upn = requireText(values.upn, '--upn');
  if (!/^[^@\s]{1,64}@[a-z0-9.-]{1,253}$/i.test(upn))
    throw new UsageError(
      `--upn takes a user principal name such as orders-agent@contoso.onmicrosoft.com, not "${terminalSafe(upn.slice(0, 60))}".`,
    );
  const mailNickname =
    upn
      .split('@')[0]!
      .replace(/[^A-Za-z0-9._-]/g, '')
      .slice(0, 64) || 'agent';
  return withGraph(values, env, signal, async (graph) => {
    // The agent identity may have been created moments ago: "Object with id … not found" is retried.
    const user = await graph.create<{ id: string; userPrincipalName: string; identityParentId: string }>(
      '/users/microsoft.graph.agentUser',
      {
        accountEnabled: true,
        displayName: values['display-name'] ?? upn,
        mailNickname,
        userPrincipalName: upn,
        identityParentId: agent,
      },
      { signal, fresh: true },
    );
    const row = { id: user.id, userPrincipalName: user.userPrincipalName, identityParentId: user.identityParentId };
    out(
      values.json
        ? `${JSON.stringify(row)}\n`
        : `Created agent user ${terminalSafe(row.userPrincipalName)} (${row.id}) for agent identity ${row.identityParentId}.\n`,
    );
    return ExitCode.ok;
  });
}

/** `COMMAND VERB FLAGS…`: the verb checked, the flags parsed; a help request answered (its exit code returned). */
function parseVerb(
  args: string[],
  command: string,
  verbs: readonly string[],
  help: string,
  out: (s: string) => void,
): number | { action: string; values: Values } {
  const [action, ...rest] = args;
  if (action === undefined || action === '--help' || action === '-h') {
    out(`${help}\n`);
    return action === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (!verbs.includes(action))
    throw new UsageError(
      `${command} takes ${verbs.join(', ').replace(/, ([^,]*)$/, ' or $1')}, not "${action.slice(0, 30)}". Run "entra-agent-tokens ${command} --help".`,
    );
  const { values } = parse(`${command} ${action}`, withOptionalValue(rest, '--managed-identity'), options);
  if (values.help) {
    out(`${help}\n`);
    return ExitCode.ok;
  }
  return { action, values };
}

/** The blueprint's own token for Graph (client credentials, no fmi_path), then a Graph client on that token. */
async function withGraph(
  values: Values,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
  act: (graph: GraphClient) => Promise<number>,
): Promise<number> {
  const origin = graphOrigin(values);
  const { request, host, timeoutMs } = tokenRequestFromFlags(
    { ...values, flow: 'app', agent: undefined, scope: `${graphResource(values)}/.default` },
    env,
  );
  const { GraphClient } = await import('../core/graph/graphClient');
  const graph = new GraphClient({
    endpoint: origin,
    appOnly: true,
    caller: `the blueprint ${values.blueprint ?? ''}`.trim(),
    timeoutMs,
    token: async (s) => (await acquireWithFlags(request, host, timeoutMs, s ?? signal)).accessToken,
  });
  try {
    return await act(graph);
  } finally {
    await graph.close();
  }
}

/** The cloud chosen with --cloud (default public). */
function cloudOf(values: Values): CloudName {
  const name = values.cloud ?? 'public';
  if (!isCloudName(name))
    throw new UsageError(
      `--cloud must be one of ${Object.keys(CLOUDS).join(', ')}, not "${terminalSafe(name.slice(0, 30))}".`,
    );
  return name;
}

/** The resource the blueprint's token is for: the cloud's Graph (the sandbox's tokens for Graph are Graph's too). */
export function graphResource(values: Values): string {
  return CLOUDS[cloudOf(values)].graph;
}

/**
 * Where Graph calls go: --graph-endpoint if given (the host rule of authorities: the clouds' Graph hosts and
 * loopback, or --allow-authority-host; https except loopback), else the sandbox's /graph for a loopback authority,
 * else the cloud's Graph.
 */
/** Where Graph is for these flags: --graph-endpoint, else the sandbox's for a loopback authority, else the cloud's. */
export function graphOrigin(values: Values): string {
  const given = values['graph-endpoint'];
  if (given === undefined) {
    if (values.authority && isLoopback(values.authority)) return `${new URL(values.authority).origin}/graph`;
    return graphResource(values);
  }
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new UsageError(
      `--graph-endpoint takes a URL such as https://graph.microsoft.com, not "${terminalSafe(given.slice(0, 80))}".`,
    );
  }
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new UsageError("--graph-endpoint must be https (http only on loopback): the blueprint's token goes there.");
  if (url.search || url.hash || url.username || url.password)
    throw new UsageError('--graph-endpoint takes an origin with an optional path, no query, fragment or credentials.');
  const graphHosts = Object.values(CLOUDS).map((c) => new URL(c.graph).host);
  const extra = values['allow-authority-host'] ?? [];
  const allowed = [...graphHosts, ...extra.map((h) => h.trim().toLowerCase())];
  if (!loopback && !allowed.includes(url.host.toLowerCase()))
    throw new UsageError(
      `--graph-endpoint ${terminalSafe(url.host)} is not a Microsoft Graph host (${graphHosts.join(', ')}): add --allow-authority-host ${terminalSafe(url.host)} if it really serves Graph.`,
    );
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function isLoopback(authority: string): boolean {
  try {
    return isLoopbackHost(new URL(authority).hostname);
  } catch {
    return false;
  }
}

function notFor(values: Values, command: string, flags: readonly (keyof Values)[]): void {
  for (const f of flags)
    if (values[f] !== undefined) throw new UsageError(`--${String(f)} does not go with "${command}".`);
}

function guidFlag(value: string | undefined, flag: string, what: string): string {
  if (value === undefined) throw new UsageError(`${flag} is required: ${what}.`);
  if (!isGuid(value.trim()))
    throw new UsageError(`${flag} takes ${what} (a GUID), not "${terminalSafe(value.slice(0, 60))}".`);
  return value.trim().toLowerCase();
}

function requireText(value: string | undefined, flag: string): string {
  const v = value?.trim() ?? '';
  if (!v) throw new UsageError(`${flag} is required.`);
  if (v.length > 256) throw new UsageError(`${flag} is longer than 256 characters.`);
  return v;
}
