// What every tool, resource and prompt of the MCP server shares: the blueprint's engine and Graph client, the agent
// named by a model (by id, or by name with the client's help), progress notifications, and elicitation. One per server
// process; nothing here writes to stdout.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { acquireToken, type TokenRequest } from '../../core/engine/acquisition';
import { AgentTokenEngine, type AgentTokenResult } from '../../core/engine/agentTokens';
import { ConfigError } from '../../core/errors/errors';
import type { CredentialHost, CredentialSource } from '../../core/credentials/credentialSource';
import { GraphClient } from '../../core/graph/graphClient';
import type { CloudName } from '../../core/config/clouds';
import { isGuid } from '../../core/config/config';
import type { AgentList } from '../../core/tools/agentTools';

export interface McpServerOptions {
  readonly base: {
    readonly authority: string;
    readonly tenant: string;
    readonly blueprintId: string;
    readonly credential: CredentialSource;
    readonly cloud?: CloudName;
  };
  readonly host: CredentialHost;
  readonly timeoutMs: number;
  /** Hosts the user allowed per resource (--allow-api-host RESOURCE=HOST): resource → hosts. */
  readonly allowApiHosts: Readonly<Record<string, readonly string[]>>;
  readonly graph: { readonly endpoint: string; readonly resource: string };
  /** The sandbox's origin when the authority is loopback: its APIs take its tokens. */
  readonly sandboxOrigin?: string;
  readonly version: string;
  /** --read-only: only what reads (Graph reads as the blueprint) and explains; nothing that gets an agent's token. */
  readonly readOnly?: boolean;
}

/** What a handler receives from the SDK besides its arguments (RequestHandlerExtra's part this server uses). */
export interface HandlerExtra {
  readonly signal: AbortSignal;
  readonly _meta?: { readonly progressToken?: string | number };
  readonly sendNotification: (notification: {
    method: 'notifications/progress';
    params: { progressToken: string | number; progress: number; message?: string };
  }) => Promise<void>;
}

/** A step a tool reports while it waits on the network: one per leg and per request. Text of ours only. */
export type Progress = (message: string) => void;

/** notifications/progress for a request that carried a progressToken; nothing for one that did not. */
export function progressOf(extra: HandlerExtra): Progress {
  const token = extra._meta?.progressToken;
  if (token === undefined) return () => undefined;
  let progress = 0;
  return (message) => {
    progress += 1;
    void extra
      .sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, message } })
      .catch(() => undefined);
  };
}

/** An agent a name may mean: refused with the choices, which a face shows as data (they are Graph's names). */
export class AgentChoiceError extends ConfigError {
  constructor(
    what: string,
    readonly choices: AgentList['agents'],
  ) {
    super(
      'Agent',
      what,
      choices.length
        ? 'Call again with the client id (appId) of the one meant, from the choices below, or with its exact name.'
        : 'Give its client id (a GUID); list_agents lists them.',
    );
  }
}

export type Session = ReturnType<typeof openSession>;

export function openSession(options: McpServerOptions, server: McpServer) {
  const engine = new AgentTokenEngine({ timeoutMs: options.timeoutMs });
  const acquire = async (
    request: TokenRequest,
    signal: AbortSignal,
    progress?: Progress,
  ): Promise<AgentTokenResult> => {
    const result = await acquireToken(engine, request, options.host, {
      signal,
      ...(progress ? { onLeg: (leg) => progress(legMessage(leg)) } : {}),
    });
    // The engine reports no leg when the final token was cached: the step is said all the same.
    if (progress && result.fromCache) progress("Took the agent identity's token from the cache");
    return result;
  };
  const graphScope = `${options.graph.resource}/.default`;
  const graph = new GraphClient({
    endpoint: options.graph.endpoint,
    appOnly: true,
    caller: `the blueprint ${options.base.blueprintId}`,
    timeoutMs: options.timeoutMs,
    token: async (signal) => (await acquire({ ...options.base, flow: 'app', scope: graphScope }, signal!)).accessToken,
  });

  /** The blueprint's agent identities, through Graph as the blueprint. */
  const listAgents = async (signal: AbortSignal, progress?: Progress): Promise<AgentList> => {
    progress?.("Listing the blueprint's agent identities through Microsoft Graph");
    const rows = await graph.list<{ id: string; appId: string; displayName: string }>(
      `/servicePrincipals/microsoft.graph.agentIdentity?$filter=${encodeURIComponent(`agentIdentityBlueprintId eq '${options.base.blueprintId}'`)}&$select=id,appId,displayName`,
      { signal },
    );
    return {
      // Entra's display names are at most 256 characters: a longer one is not Graph's, and is cut.
      agents: rows.map((a) => ({
        id: String(a.id ?? ''),
        appId: String(a.appId ?? ''),
        displayName: String(a.displayName ?? '').slice(0, 256),
      })),
    };
  };

  /**
   * What a user typing an agent may mean (argument completion): client ids and/or display names that begin with or
   * hold the text. Best effort: the list (or its failure) is kept 30 s, since a client asks at every keystroke; a
   * failure completes nothing. Only GUIDs complete an id; a name with a control or format character, or longer than
   * Entra allows, completes nothing (the agent is still named by its id).
   */
  let recent: { at: number; list: Promise<AgentList> } | undefined;
  const agentCompletions = async (typed: string, kinds: readonly ('id' | 'name')[]): Promise<string[]> => {
    if (!recent || Date.now() - recent.at > 30_000)
      recent = { at: Date.now(), list: listAgents(AbortSignal.timeout(options.timeoutMs)) };
    let agents: AgentList['agents'];
    try {
      ({ agents } = await recent.list);
    } catch {
      return [];
    }
    const wanted = typed.trim().toLowerCase();
    const values = agents.flatMap((a) => [
      ...(kinds.includes('name') && a.displayName.length <= 256 && !/[\p{Cc}\p{Cf}]/u.test(a.displayName)
        ? [a.displayName]
        : []),
      ...(kinds.includes('id') && isGuid(a.appId) ? [a.appId.toLowerCase()] : []),
    ]);
    const starts = values.filter((v) => v.toLowerCase().startsWith(wanted));
    const holds = values.filter((v) => !v.toLowerCase().startsWith(wanted) && v.toLowerCase().includes(wanted));
    return [...new Set([...starts, ...holds])].slice(0, 100);
  };

  const canElicit = () => !!server.server.getClientCapabilities()?.elicitation?.form;

  /**
   * Asks the user through the client (elicitation, when the client declared it): the answer, or undefined when the
   * client cannot ask. A decline or a cancel is a refusal the model reads.
   */
  const elicit = async <T extends Record<string, unknown>>(
    message: string,
    properties: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<T | undefined> => {
    if (!canElicit()) return undefined;
    const answer = await server.server.elicitInput(
      {
        mode: 'form',
        message,
        requestedSchema: {
          type: 'object',
          properties: properties as never,
          required: Object.keys(properties),
        },
      },
      { signal },
    );
    if (answer.action !== 'accept' || !answer.content)
      throw new ConfigError(
        'Request',
        `was ${answer.action === 'decline' ? 'declined' : 'cancelled'} by the user.`,
        'Ask the user what they want instead; do not repeat the same request.',
      );
    return answer.content as T;
  };

  /**
   * The agent a model named: a client id as it is; a display name among the blueprint's agents. A name that means
   * more than one (or none exactly, but some in part) is asked of the user where the client can ask, else refused
   * with the choices.
   */
  const agentId = async (named: string, signal: AbortSignal, progress?: Progress): Promise<string> => {
    const wanted = named.trim();
    if (isGuid(wanted)) return wanted.toLowerCase();
    const { agents } = await listAgents(signal, progress);
    const lower = wanted.toLowerCase();
    const exact = agents.filter((a) => a.displayName.toLowerCase() === lower);
    if (exact.length === 1) return exact[0]!.appId.toLowerCase();
    const choices = (exact.length ? exact : agents.filter((a) => a.displayName.toLowerCase().includes(lower))).slice(
      0,
      25,
    );
    const what = exact.length
      ? `"${wanted.slice(0, 80)}" names ${exact.length} agent identities.`
      : `"${wanted.slice(0, 80)}" is neither an agent identity's client id nor the name of one${choices.length ? `; ${choices.length} name(s) contain it` : ''}.`;
    if (choices.length === 0) throw new AgentChoiceError(what, []);
    const picked = await elicit<{ agent?: string }>(
      `${what} Which agent identity of the blueprint is meant?`,
      {
        agent: {
          type: 'string',
          title: 'Agent identity',
          oneOf: choices.map((c) => ({ const: c.appId, title: `${c.displayName.slice(0, 100)} (${c.appId})` })),
        },
      },
      signal,
    );
    if (!picked) throw new AgentChoiceError(what, choices);
    const chosen = choices.find((c) => c.appId === picked.agent);
    if (!chosen) throw new AgentChoiceError('The answer was not one of the choices.', choices);
    return chosen.appId.toLowerCase();
  };

  /** The agent user for flow agent-user: given, or asked of the user where the client can ask. */
  const agentUser = async (given: string | undefined, agent: string, signal: AbortSignal): Promise<string> => {
    if (given?.trim()) return given.trim();
    const asked = await elicit<{ user?: string }>(
      `The agent-user flow needs the agent user of agent identity ${agent}: its user principal name (or object id).`,
      {
        user: {
          type: 'string',
          title: 'Agent user (UPN or object id)',
          minLength: 3,
          maxLength: 300,
        },
      },
      signal,
    );
    if (!asked?.user?.trim())
      throw new ConfigError(
        'User',
        'is needed for flow "agent-user".',
        "Pass user: the agent user's UPN or object id.",
      );
    return asked.user.trim();
  };

  /** The request for an agent's token: as itself, or as its agent user. */
  const requestFor = (agent: string, scope: string, user: string | undefined): TokenRequest => {
    if (user === undefined) return { ...options.base, flow: 'autonomous', agentId: agent, scope };
    const isId = isGuid(user);
    return {
      ...options.base,
      flow: 'agent-user',
      agentId: agent,
      scope,
      user: isId ? { userId: user.toLowerCase() } : { username: user },
    };
  };

  return {
    options,
    graph,
    acquire,
    listAgents,
    agentCompletions,
    agentId,
    agentUser,
    requestFor,
    elicit,
    canElicit,
    defaultScope: graphScope,
    hostContext: options.sandboxOrigin ? { sandboxOrigin: options.sandboxOrigin } : {},
    close: async () => {
      await graph.close();
      await engine.close();
    },
  };
}

const LEG_NAMES: Record<string, string> = {
  blueprint: "the blueprint's token (T1)",
  agent: "the agent identity's token",
  'agent-user': "the agent user's token",
  obo: 'the on-behalf-of token',
  'single-instance': "the single-instance agent's token",
};

function legMessage(leg: { name: string; status: number; durationMs: number; cached: boolean }): string {
  const what = LEG_NAMES[leg.name] ?? `leg ${leg.name.replace(/[^\w-]/g, '').slice(0, 20)}`;
  return leg.cached
    ? `Took ${what} from the cache`
    : `Got ${what}: HTTP ${leg.status} in ${Math.round(leg.durationMs)} ms`;
}
