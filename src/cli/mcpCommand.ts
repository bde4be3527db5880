// `mcp`: an MCP server over stdio for a coding agent, on one blueprint's credential (flags or environment, never a
// secret as an argument). Its tools explain and act, and never hand out a secret or a raw token (mcp/server.ts).
import { isLoopbackHost } from '../core/config/config';
import { graphOrigin, graphResource } from './agentsCommand';
import { tokenOptions, tokenRequestFromFlags, withOptionalValue } from './tokenCommand';
import { parse, UsageError } from './usage';
import { readListings, serveWithFront } from './mcp/fastStart';
import type { McpServerOptions } from './mcp/session';

declare const __VERSION__: string;

export const mcpHelp = `Usage: entra-agent-tokens mcp --tenant T --blueprint B CREDENTIAL [--authority URL] [--cloud C]
                              [--allow-authority-host H]... [--allow-api-host RESOURCE=HOST]...
                              [--graph-endpoint URL] [--read-only] [--timeout MS]

Speaks the Model Context Protocol on stdin/stdout for a coding agent (VS Code's agent mode, a terminal agent), with
the blueprint's credential. Its tools:
  decode_token {token}                      header, claims explained, warnings (the token is not repeated)
  explain_error {text}                      an AADSTS code, an HTTP 401/403 with its WWW-Authenticate, a Graph error
  list_agents {}                            the blueprint's agent identities, through Microsoft Graph as the blueprint
  get_agent_token {agent, scope?, flow?, user?}   claims, expiry and legs; never the token itself
  call_api {agent, url, method?, scope?}    GET or HEAD, only to the resource's own hosts or --allow-api-host's;
                                            the answer with the token scrubbed, and why a 401/403 happened
  call_api_write {agent, url, method, scope?, body?}   POST, PUT, PATCH or DELETE, as call_api; confirmed by the
                                            user where the client can ask
Resources: entra-agent://agents/{id} (an agent identity: ids, blueprint, tenant, grants, inheritable permissions)
and entra-agent://catalog/errors. Prompts: diagnose_refused_call {agent, url}, explain_token {token}.
Token contents, API answers and Graph's names are returned as untrusted data. Logs go to stderr and never hold a
token.

  CREDENTIAL: --client-secret-env VAR | --certificate FILE [--certificate-password-env VAR]
              [--assertion-alg PS256|RS256] | --federated-token-file FILE | --managed-identity [CLIENT_ID]
  --timeout MS           per-request timeout in milliseconds (default 30000)
  --allow-api-host RESOURCE=HOST
                         call_api may also send a token for RESOURCE (an app ID URI, URL or app id) to HOST
                         (repeatable). Tokens for Microsoft Graph, the sandbox's APIs and the token exchange never
                         go to another host.
  --graph-endpoint URL   for list_agents and the agent resources; as for "agents"
  --read-only            only decode_token, explain_error, list_agents, the resources and explain_token: nothing
                         that gets an agent's token or calls an API`;

const flagOptions = {
  ...tokenOptions,
  'allow-api-host': { type: 'string', multiple: true },
  'graph-endpoint': { type: 'string' },
  'read-only': { type: 'boolean' },
} as const;

export async function runMcp(
  args: string[],
  env: NodeJS.ProcessEnv,
  out: (s: string) => void,
  stopped: Promise<void>,
): Promise<void> {
  const { values } = parse('mcp', withOptionalValue(args, '--managed-identity'), flagOptions);
  if (values.help) return out(`${mcpHelp}\n`);
  for (const flag of ['agent', 'scope', 'flow', 'user-token-env', 'user-id', 'username', 'json'] as const)
    if (values[flag] !== undefined)
      throw new UsageError(`--${flag} does not go with "mcp": the agent's tools name the agent and scope per call.`);
  // The host rule's module only when there is a flag to check: the server's start stays Node's own (BENCHMARKS.md).
  const flags = values['allow-api-host'] ?? [];
  const allowApiHosts = flags.length ? allowedApiHosts(flags, await import('../core/api/apiHosts')) : {};
  const graph = { endpoint: graphOrigin(values), resource: graphResource(values) };
  // The blueprint's part of every request (tenant, authority, credential), checked now: a bad flag fails at start.
  const { request, host, timeoutMs } = tokenRequestFromFlags(
    { ...values, flow: 'app', agent: undefined, scope: `${graph.resource}/.default` },
    env,
  );
  const authority = new URL(request.authority);
  const options: McpServerOptions = {
    base: {
      authority: request.authority,
      tenant: request.tenant,
      blueprintId: request.blueprintId,
      credential: request.credential,
      ...(request.cloud ? { cloud: request.cloud } : {}),
    },
    host,
    timeoutMs,
    allowApiHosts,
    graph,
    ...(isLoopbackHost(authority.hostname) ? { sandboxOrigin: authority.origin } : {}),
    version: typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0',
    readOnly: values['read-only'] === true,
  };
  // The front answers initialize and the lists from what the build wrote; without them (run from source), the SDK.
  const load = () => import('./mcp/server');
  await serveWithFront(options, readListings(__dirname), stopped, load);
}

/**
 * --allow-api-host RESOURCE=HOST, as resource → hosts. A bare HOST is refused: it would let every token the model
 * asks for (Graph's, the exchange's) go there. Resources whose tokens never leave their own hosts cannot be listed.
 */
function allowedApiHosts(
  flags: readonly string[],
  { resourceKey, resourceOfScope, isExchangeResource, isGraphResource }: typeof import('../core/api/apiHosts'),
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const flag of flags) {
    const cut = flag.lastIndexOf('=');
    const resource = resourceKey(resourceOfScope(cut > 0 ? flag.slice(0, cut) : ''));
    const host = (cut > 0 ? flag.slice(cut + 1) : flag).trim().toLowerCase();
    if (cut <= 0 || !resource)
      throw new UsageError(
        `--allow-api-host takes RESOURCE=HOST, such as api://contoso-jobs=jobs.contoso.com, not "${flag.slice(0, 60)}": a host is allowed for one resource's tokens only.`,
      );
    if (!/^[a-z0-9.-]{1,253}(:\d{1,5})?$/.test(host))
      throw new UsageError(`--allow-api-host: "${host.slice(0, 60)}" is not a host name, such as api.contoso.com.`);
    if (isExchangeResource(resource) || isGraphResource(resource) || resource.startsWith('api://sandbox-'))
      throw new UsageError(
        `--allow-api-host: tokens for ${resource.slice(0, 100)} go only to its own hosts; no allow-list can send them elsewhere.`,
      );
    (out[resource] ??= []).push(host);
  }
  return out;
}
