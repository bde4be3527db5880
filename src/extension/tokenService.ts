import { MAX_CERTIFICATE_FILE_BYTES, MAX_FEDERATED_TOKEN_FILE_BYTES, readRegularFile, readRegularTextFile } from '../core/boundedFile';
import * as vscode from 'vscode';
import type { AgentTokenEngine } from '../core/agentTokens';
import { isAllowedAuthority } from '../core/authorityPolicy';
import { CLOUDS } from '../core/clouds';
import { CredentialError, ConfigError, isCancelled } from '../core/errors';
import type { BlueprintCredential } from '../core/credentials';
import type { CredentialStore } from './credentialStore';
import { PromptDismissed } from './errorBoundary';
import { agentUserLabel, type AgentDefinition, type AgentUserReference, type BlueprintDefinition, type DefinitionStore } from './definitions';
import type { ExtensionLog } from './log';
import { readSettings } from './settings';
import type { HeldToken, TokenStore } from './tokenStore';

/** Which flow: the agent as itself, as its agent user, or on behalf of a signed-in user (their token for the blueprint). */
export type FlowChoice = { readonly flow: 'autonomous' } | { readonly flow: 'agent-user'; readonly user: AgentUserReference } | { readonly flow: 'obo'; readonly userToken: string };

/**
 * Whether an imported blueprint's credential may be used before the user confirmed it: `ask` shows the confirmation
 * (interactive use), `given` is a script's explicit confirmation, `refuse` fails with what to do (other scripts).
 */
export type ImportedCredentialConsent = 'ask' | 'given' | 'refuse';

/** Turns an agent definition plus its blueprint's stored credential into a token, through one shared engine. */
export class TokenService implements vscode.Disposable {
  private engine: Promise<AgentTokenEngine> | undefined;
  private engineTimeout = 0;

  constructor(
    private readonly definitions: DefinitionStore,
    private readonly credentials: CredentialStore,
    private readonly tokens: TokenStore,
    private readonly log: ExtensionLog,
  ) {}

  async acquire(agent: AgentDefinition, scope: string, signal: AbortSignal, forceRefresh = false, choice: FlowChoice = { flow: 'autonomous' }, consent: ImportedCredentialConsent = 'refuse'): Promise<HeldToken> {
    const blueprint = this.definitions.blueprint(agent.blueprintId);
    if (!blueprint) throw new ConfigError('Agent identity', `its blueprint ${agent.blueprintId} is no longer in the list.`, 'Add the blueprint again, or remove this agent identity.');
    const settings = readSettings();
    // Checked again at send time: the allow-list may have changed since the blueprint was saved.
    if (!isAllowedAuthority(blueprint.authority, settings.additionalAuthorityHosts)) {
      throw new ConfigError('Authority', `${blueprint.authority} is not an allowed Entra host.`, 'Add the host to the user setting "entraAgentTokens.additionalAuthorityHosts", or edit the blueprint.');
    }
    if (blueprint.confirmBeforeUse) await this.confirmImported(blueprint, consent);
    const credential = await this.credentialFor(blueprint);
    const engine = await this.engineFor(settings.requestTimeoutMs);
    this.log.info(`Getting a token for agent identity ${agent.displayName} (${agent.clientId}), scope ${scope}, blueprint ${blueprint.clientId} at ${blueprint.authority}/${blueprint.tenant}.`);
    try {
      const request = { authority: blueprint.authority, tenant: blueprint.tenant, blueprintId: blueprint.clientId, agentId: agent.clientId, scope, credential };
      const options = { signal, forceRefresh };
      const result =
        choice.flow === 'obo'
          ? await engine.getOnBehalfOfToken({ ...request, userToken: choice.userToken }, options)
          : choice.flow === 'agent-user'
            ? await engine.getAgentUserToken({ ...request, ...(choice.user.userId ? { userId: choice.user.userId } : { username: choice.user.username }) }, options)
            : await engine.getAutonomousToken(request, options);
      for (const leg of result.legs) this.log.info(`  leg ${leg.name}: ${leg.cached ? 'from cache' : `HTTP ${leg.status} in ${leg.durationMs} ms, ${leg.attempts} attempt(s)`}`);
      const subject = choice.flow === 'agent-user' ? agentUserLabel(choice.user) : choice.flow === 'obo' ? String(result.token.claims.upn ?? result.token.claims.preferred_username ?? 'signed-in user') : undefined;
      const held: HeldToken = { agentId: agent.clientId, scope, result, ...(subject ? { subject } : {}) };
      this.tokens.put(held);
      if (choice.flow === 'agent-user') await this.definitions.rememberAgentUser(agent.clientId, choice.user);
      return held;
    } catch (e) {
      if (!isCancelled(e)) this.tokens.fail({ agentId: agent.clientId, message: oneLine(e) });
      throw e;
    }
  }

  /**
   * An imported blueprint with a credential that needs no secret would, unasked, sign or fetch an assertion and send
   * it to the file's authority: the user sees what is used and where it goes, once, before anything is read or sent.
   */
  private async confirmImported(blueprint: BlueprintDefinition, consent: ImportedCredentialConsent): Promise<void> {
    const what =
      blueprint.credentialKind === 'managedIdentity'
        ? `this machine's managed identity${blueprint.managedIdentityClientId ? ` (client id ${blueprint.managedIdentityClientId})` : ' (system-assigned)'}`
        : blueprint.credentialKind === 'federatedTokenFile'
          ? `the workload token in ${blueprint.federatedTokenFile ?? '?'}`
          : `the private key in ${blueprint.certificatePath ?? '?'}`;
    if (consent === 'refuse') {
      throw new ConfigError('Blueprint', `"${blueprint.displayName}" was imported and would use ${what}; it has not been confirmed yet.`, 'Run "Get Agent Token" on one of its agent identities from the tree or the palette, check where it sends the credential, and confirm.');
    }
    if (consent === 'ask') {
      const use = 'Use This Blueprint';
      const answer = await vscode.window.showWarningMessage(
        `Blueprint "${blueprint.displayName}" came from an imported file. Use it?`,
        { modal: true, detail: `Getting a token will use ${what} and send the assertion made from it to ${blueprint.authority} (tenant ${blueprint.tenant}). Confirm only if you expected this blueprint and trust that authority. You are asked once.` },
        use,
      );
      if (answer !== use) throw new PromptDismissed();
    }
    await this.definitions.confirmBlueprint(blueprint.clientId);
    this.log.info(`Blueprint ${blueprint.displayName} (${blueprint.clientId}): imported credential confirmed for ${blueprint.authority}.`);
  }

  /** Drop cached tokens (e.g. after a credential changed). */
  async clearCache(): Promise<void> {
    (await this.engine)?.clearCache();
  }

  dispose(): void {
    void this.engine?.then((e) => e.close());
  }

  private async engineFor(timeoutMs: number): Promise<AgentTokenEngine> {
    if (!this.engine || this.engineTimeout !== timeoutMs) {
      const previous = this.engine;
      this.engineTimeout = timeoutMs;
      // Loaded on first use: activation never pays for the HTTP stack.
      this.engine = import('../core/agentTokens').then(({ AgentTokenEngine }) => new AgentTokenEngine({ timeoutMs, logger: this.log }));
      void previous?.then((e) => e.close());
    }
    return this.engine;
  }

  private async credentialFor(blueprint: BlueprintDefinition): Promise<BlueprintCredential> {
    const { clientSecret, certificateCredential, federatedTokenFile } = await import('../core/credentials');
    if (blueprint.credentialKind === 'federatedTokenFile') return federatedTokenFile(blueprint.federatedTokenFile ?? '', (p) => readRegularTextFile(p, MAX_FEDERATED_TOKEN_FILE_BYTES));
    if (blueprint.credentialKind === 'managedIdentity') {
      const { managedIdentityAssertion } = await import('../core/managedIdentity');
      return managedIdentityAssertion(ficAudienceFor(blueprint.authority), blueprint.managedIdentityClientId);
    }
    if (blueprint.credentialKind === 'secret') {
      const secret = await this.credentials.get(blueprint.clientId, 'clientSecret');
      if (!secret) throw new CredentialError(`No client secret is stored for blueprint "${blueprint.displayName}".`, 'Run "Set Blueprint Credential…" on it.');
      return clientSecret(secret);
    }
    let bytes: Buffer;
    try {
      bytes = await readRegularFile(blueprint.certificatePath ?? '', MAX_CERTIFICATE_FILE_BYTES);
    } catch (e) {
      throw new CredentialError(`The certificate file of blueprint "${blueprint.displayName}" cannot be read (${(e as { reason?: string }).reason ?? 'unreadable'}).`, 'Run "Set Blueprint Credential…" to choose the PEM file again.');
    }
    const passphrase = await this.credentials.get(blueprint.clientId, 'certificatePassphrase');
    const { loadCertificateFile } = await import('../core/certificateFile');
    const certificate = await loadCertificateFile(bytes, passphrase || undefined);
    for (const w of certificate.warnings) this.log.warn(`Blueprint ${blueprint.displayName}: ${w}`);
    return certificateCredential(certificate, blueprint.assertionAlgorithm ?? 'PS256');
  }
}

function oneLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0]!.slice(0, 300);
}

/** The cloud's FIC audience, from the blueprint's authority host (shared docs §6). */
function ficAudienceFor(authority: string): string {
  const host = new URL(authority).hostname;
  const cloud = Object.values(CLOUDS).find((c) => new URL(c.authority).hostname === host) ?? (host === 'login.partner.microsoftonline.cn' ? CLOUDS.china : CLOUDS.public);
  return cloud.ficAudience;
}
