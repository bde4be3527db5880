// The MCP server's resources: each agent identity of the blueprint (entra-agent://agents/{id}, listed and read through
// Microsoft Graph as the blueprint) and the error catalogue (entra-agent://catalog/errors). An agent's document is
// the tenant's data: it stands under `untrusted` in the JSON and inside an <untrusted-data> block in the summary, and
// both pass the last guard, as tool results do. A part the blueprint may not read is said, with the permission it
// needs, rather than failing the whole read.
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { catalogedCodes, explainAadsts } from '../../core/errors/errorCatalog';
import { GraphError } from '../../core/errors/errors';
import { GRAPH_CODES } from '../../core/graph/graphErrors';
import { mapStrings } from '../../core/safety/sentValues';
import { guardedText, toolFailureText, untrusted, UNTRUSTED_FIELD_NOTE } from '../../core/tools/agentTools';
import { describeFailure } from '../errors';
import { isGuid } from '../../core/config/config';
import type { HandlerExtra, Session } from './session';

export const AGENT_URI = 'entra-agent://agents/{id}';
export const CATALOG_URI = 'entra-agent://catalog/errors';

/** MCP's "resource not found" (the specification's -32002). */
const RESOURCE_NOT_FOUND = -32002;

export function registerResources(server: McpServer, session: Session, log: (line: string) => void): void {
  const { options } = session;
  server.registerResource(
    'agent_identity',
    new ResourceTemplate(AGENT_URI, {
      list: (extra) =>
        failuresExplained(async () => {
          const { agents } = await session.listAgents((extra as HandlerExtra).signal);
          // Named by their ids only: a display name is Graph's text, read inside the document, never a list's field.
          return {
            resources: agents
              .filter((a) => isGuid(a.appId))
              .map((a) => ({
                uri: `entra-agent://agents/${a.appId.toLowerCase()}`,
                name: `agent-${a.appId.toLowerCase()}`,
                title: `Agent identity ${a.appId.toLowerCase()}`,
                mimeType: 'application/json',
              })),
          };
        }),
      complete: { id: (typed) => session.agentCompletions(typed, ['id']) },
    }),
    {
      title: 'Agent identity',
      description:
        'An agent identity of this server\'s blueprint, read through Microsoft Graph as the blueprint: its ids, display name, parent blueprint, home tenant, app roles, delegated grants and what it may inherit from the blueprint. JSON, with the tenant\'s data under "untrusted", and a short summary.',
      mimeType: 'application/json',
    },
    (uri, variables, extra) =>
      failuresExplained(async () => {
        const started = performance.now();
        const id = String(variables.id ?? '').toLowerCase();
        const document = await agentDocument(session, id, (extra as HandlerExtra).signal);
        if (!document)
          throw new McpError(
            RESOURCE_NOT_FOUND,
            `Resource not found: no agent identity ${id.slice(0, 40)} under blueprint ${options.base.blueprintId}.`,
            {
              uri: uri.href,
            },
          );
        log(`resources/read agent ${id.slice(0, 40)} → ok (${Math.round(performance.now() - started)} ms)`);
        return {
          contents: [
            {
              uri: uri.href,
              mimeType: 'application/json',
              text: JSON.stringify(guarded(document), null, 1),
            },
            {
              uri: uri.href,
              mimeType: 'text/plain',
              text: guardedText(summaryOf(document)),
            },
          ],
        };
      }),
  );

  server.registerResource(
    'error_catalog',
    CATALOG_URI,
    {
      title: "Entra's and Graph's error codes explained",
      description:
        'Every AADSTS code this project explains (its meaning and fix for Agent ID) and the Microsoft Graph error codes, as JSON. Use it to read about a code before acting on it.',
      mimeType: 'application/json',
    },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(catalogDocument(), null, 1) }],
    }),
  );
}

/**
 * A read that failed, as a JSON-RPC error a model may read: Entra's and Graph's words inside the <untrusted-data>
 * block (toolFailureText), the rest ours, all through the last guard. "Not found" passes as it is (ours).
 */
async function failuresExplained<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof McpError) throw e;
    const { message } = describeFailure(e);
    throw new McpError(ErrorCode.InternalError, guardedText(toolFailureText(e, () => message)));
  }
}

interface AgentDocument {
  about: string;
  /** Parts the blueprint could not read, and the permission each needs. */
  unreadable: { part: string; status: number; code?: string; fix: string }[];
  untrusted: {
    id: string;
    appId: string;
    displayName: string;
    parentBlueprint: string;
    homeTenant: string;
    appRoleAssignments?: { resourceId: string; resourceDisplayName?: string; appRoleId: string }[];
    delegatedGrants?: { resourceId: string; scope: string; consentType?: string; principalId?: string }[];
    inheritablePermissions?: { resourceAppId: string; inheritableScopes?: unknown; inheritableRoles?: unknown }[];
  };
}

const NEEDS: Record<string, string> = {
  appRoleAssignments: 'Application.Read.All (or Directory.Read.All)',
  delegatedGrants: 'DelegatedPermissionGrant.Read.All (or Directory.Read.All)',
  inheritablePermissions: 'AgentIdentityBlueprint.Read.All (or Application.Read.All)',
};

async function agentDocument(session: Session, id: string, signal: AbortSignal): Promise<AgentDocument | undefined> {
  const { options, graph } = session;
  if (!isGuid(id)) return undefined;
  const { agents } = await session.listAgents(signal);
  const agent = agents.find((a) => a.appId.toLowerCase() === id || a.id.toLowerCase() === id);
  if (!agent) return undefined;
  const unreadable: AgentDocument['unreadable'] = [];
  /** One part: its value, or a note of why the blueprint may not read it (a refusal); anything else fails the read. */
  const part = async <T>(name: string, read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (e) {
      if (!(e instanceof GraphError) || (e.status !== 403 && e.status !== 404 && e.status !== 400)) throw e;
      unreadable.push({
        part: name,
        status: e.status,
        ...(Object.hasOwn(GRAPH_CODES, e.code) ? { code: e.code } : {}),
        fix:
          e.status === 403
            ? `Grant the blueprint the Microsoft Graph application permission ${NEEDS[name]} to read this part.`
            : 'Microsoft Graph did not serve this part for the blueprint.',
      });
      return undefined;
    }
  };
  const [roles, grants, inheritable] = await Promise.all([
    part('appRoleAssignments', () =>
      graph.list<{ resourceId: string; resourceDisplayName?: string; appRoleId: string }>(
        `/servicePrincipals/${agent.id}/appRoleAssignments`,
        { signal },
      ),
    ),
    part('delegatedGrants', () =>
      graph.list<{ resourceId: string; scope?: string; consentType?: string; principalId?: string }>(
        `/oauth2PermissionGrants?$filter=${encodeURIComponent(`clientId eq '${agent.id}'`)}`,
        { signal },
      ),
    ),
    part('inheritablePermissions', async () => {
      const apps = await graph.list<{ id: string; appId: string }>(
        `/applications?$filter=${encodeURIComponent(`appId eq '${options.base.blueprintId}'`)}&$select=id,appId`,
        { signal },
      );
      const blueprint = apps.find((a) => a.appId.toLowerCase() === options.base.blueprintId.toLowerCase());
      // Graph's entries as they are (the provisioning chunk's inheritablePermissions.ts reads them for VS Code).
      return blueprint
        ? graph.list<{ resourceAppId?: string; inheritableScopes?: unknown; inheritableRoles?: unknown }>(
            `/applications/microsoft.graph.agentIdentityBlueprint/${encodeURIComponent(blueprint.id)}/inheritablePermissions`,
            { signal },
          )
        : [];
    }),
  ]);
  return {
    about: `An agent identity of blueprint ${options.base.blueprintId}, read through Microsoft Graph as the blueprint. ${UNTRUSTED_FIELD_NOTE}`,
    unreadable,
    untrusted: {
      id: agent.id,
      appId: agent.appId,
      displayName: agent.displayName,
      parentBlueprint: options.base.blueprintId,
      homeTenant: options.base.tenant,
      ...(roles
        ? {
            appRoleAssignments: roles.map((r) => ({
              resourceId: r.resourceId,
              ...(r.resourceDisplayName ? { resourceDisplayName: r.resourceDisplayName } : {}),
              appRoleId: r.appRoleId,
            })),
          }
        : {}),
      ...(grants
        ? {
            delegatedGrants: grants.map((g) => ({
              resourceId: g.resourceId,
              scope: String(g.scope ?? ''),
              ...(g.consentType ? { consentType: g.consentType } : {}),
              ...(g.principalId ? { principalId: g.principalId } : {}),
            })),
          }
        : {}),
      ...(inheritable
        ? {
            inheritablePermissions: inheritable.map((s) => ({
              resourceAppId: String(s.resourceAppId ?? ''),
              inheritableScopes: s.inheritableScopes,
              inheritableRoles: s.inheritableRoles,
            })),
          }
        : {}),
    },
  };
}

function summaryOf(d: AgentDocument): string {
  const u = d.untrusted;
  const count = (xs: unknown[] | undefined, what: string) =>
    xs === undefined ? `${what}: not readable` : `${xs.length} ${what}`;
  return [
    `Agent identity ${isGuid(u.appId) ? u.appId : '(an id Graph gave)'} of blueprint ${u.parentBlueprint}, home tenant ${u.homeTenant}: ${count(u.appRoleAssignments, 'app role assignment(s)')}, ${count(u.delegatedGrants, 'delegated grant(s)')}, ${count(u.inheritablePermissions, 'blueprint inheritable setting(s)')}.`,
    ...d.unreadable.map((p) => `Not read: ${p.part} (HTTP ${p.status}). ${p.fix}`),
    untrusted('The agent identity as Microsoft Graph has it', u),
  ].join('\n');
}

/** Every string of a document loses what the last guard takes (a value sent as a credential, a JWT). */
function guarded<T>(document: T): T {
  return mapStrings(document, guardedText);
}

function catalogDocument() {
  return {
    about:
      "What this project knows of Microsoft Entra's AADSTS codes and Microsoft Graph's error codes, for Agent ID: each code's meaning and fix.",
    aadsts: catalogedCodes.map((code) => ({ code, ...explainAadsts(code)! })),
    graph: Object.entries(GRAPH_CODES).map(([code, c]) => ({
      code,
      meaning: c.cause,
      fix: c.fix(true, ''),
    })),
  };
}
