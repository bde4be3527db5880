// Microsoft Graph as the signed-in developer, through VS Code's authentication API: the Microsoft provider with the
// developer's own public-client registration (VSCODE_CLIENT_ID:, VSCODE_TENANT:; VS Code's own client id may not ask
// for Agent ID's permissions), or, for the sandbox tenant, this extension's own provider (graphSignIn.ts). One code
// path for both: vscode.authentication.getSession with the permissions the task needs, never
// Directory.AccessAsUser.All.
import * as vscode from 'vscode';
import { SIGN_IN_PERMISSIONS, type SignInTask } from '../../core/graph/blueprintSetup';
import { cloudOfAuthority } from '../../core/config/clouds';
import { ConfigError } from '../../core/errors/errors';
import type { GraphClient } from '../../core/graph/graphClient';
import { SANDBOX_AUTH_PROVIDER } from '../sandbox/graphSignIn';
import { ContextKey } from '../commands/ids';
import { setContext } from '../workbench';
import type { ExtensionLog } from '../log';
import type { SandboxController } from '../sandbox/sandboxController';
import { readSettings } from '../settings';
import { graphEndpointFor } from '../tokens/tokenRequests';

const MICROSOFT_AUTH_PROVIDER = 'microsoft';
const SOVEREIGN_AUTH_PROVIDER = 'microsoft-sovereign-cloud';

/** Where to sign in: the sandbox (its authority), or a Microsoft Entra tenant. */
export interface SignInTarget {
  readonly authority: string;
  readonly tenant: string;
}

/** The delegated scopes for a task, on the cloud's Graph (the sandbox's: Graph's global URI). */
export function signInScopes(target: SignInTarget, task: SignInTask): string[] {
  const graph = graphEndpointFor(target.authority).resource;
  return SIGN_IN_PERMISSIONS[task].map((p) => `${graph}/${p}`);
}

/**
 * A Graph client as the signed-in developer, for a task. Sandbox: this extension's provider; a real tenant: VS Code's
 * Microsoft provider with the user's own public client (entraAgentTokens.signIn.clientId), in that tenant.
 */
export async function graphAsUser(
  sandbox: SandboxController,
  log: ExtensionLog,
  target: SignInTarget,
  task: SignInTask,
): Promise<{ graph: GraphClient; account: string; tenantId: string | undefined }> {
  const isSandbox = sandbox.status?.authority === target.authority;
  let provider: string;
  let scopes: string[];
  if (isSandbox) {
    provider = SANDBOX_AUTH_PROVIDER;
    // Every task's permissions at once: one session, so VS Code asks its consent once per sandbox, not per task (a
    // practice tenant has nothing to keep least-privileged; a real tenant asks per task, below).
    scopes = [
      ...new Set((Object.keys(SIGN_IN_PERMISSIONS) as SignInTask[]).flatMap((t) => signInScopes(target, t))),
    ].sort();
  } else {
    const clientId = readSettings().signInClientId;
    if (!clientId)
      throw new ConfigError(
        'Sign-in',
        "creating and discovering blueprints needs your own public-client app registration: VS Code's may not ask for Agent ID's permissions.",
        'Register one (see the walkthrough step "Sign in to your tenant"), then put its application (client) id in the user setting "entraAgentTokens.signIn.clientId".',
      );
    // National clouds sign in through VS Code's sovereign-cloud provider, set to that cloud.
    const cloud = cloudOfAuthority(target.authority).name;
    provider = cloud === 'public' ? MICROSOFT_AUTH_PROVIDER : SOVEREIGN_AUTH_PROVIDER;
    if (cloud !== 'public') {
      const wanted = cloud === 'usgov' ? 'USGovernment' : 'ChinaCloud';
      const set = vscode.workspace.getConfiguration('microsoft-sovereign-cloud').get<string>('environment');
      if (set !== wanted)
        throw new ConfigError(
          'Sign-in',
          `a tenant in ${cloud === 'usgov' ? 'the US Government cloud' : 'Azure China'} signs in through VS Code's "Microsoft Sovereign Cloud" account provider, which is set to ${set ? `"${set}"` : 'no cloud'}.`,
          `Set the user setting "microsoft-sovereign-cloud.environment" to "${wanted}", then run the command again.`,
        );
    }
    scopes = [`VSCODE_CLIENT_ID:${clientId}`, `VSCODE_TENANT:${target.tenant}`, ...signInScopes(target, task)];
  }
  const session = await vscode.authentication.getSession(provider, scopes, { createIfNone: true });
  if (!isSandbox) await setContext(ContextKey.hasSignedIn, true);
  log.info(
    `Signed in to Microsoft Graph as ${session.account.label} (${isSandbox ? 'sandbox tenant' : `tenant ${target.tenant}`}) for: ${SIGN_IN_PERMISSIONS[task].join(', ')}.`,
  );
  const { GraphClient } = await import('../../core/graph/graphClient');
  const settings = readSettings();
  const graph = new GraphClient({
    endpoint: graphEndpointFor(target.authority).endpoint,
    appOnly: false,
    caller: `your sign-in (${session.account.label})`,
    timeoutMs: settings.requestTimeoutMs,
    logger: log,
    // Asked again before each request: the provider hands back a renewed token when the old one nears its end.
    token: async () =>
      (await vscode.authentication.getSession(provider, scopes, { silent: true }))?.accessToken ?? session.accessToken,
  });
  // The tenant's id as the token names it (the target may be a domain): for issuers that must name the GUID.
  let tenantId: string | undefined;
  try {
    const { decodeToken } = await import('../../core/tokens/jwt');
    const tid = decodeToken(session.accessToken).claims.tid;
    tenantId = typeof tid === 'string' ? tid : undefined;
  } catch {
    tenantId = undefined;
  }
  return { graph, account: session.account.label, tenantId };
}
