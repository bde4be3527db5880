import * as vscode from 'vscode';
import type { AcquisitionOptions, TokenAcquirer, TokenRequest } from '../../core/engine/acquisition';
import type { AcquireOptions, AgentTokenEngine, AgentTokenResult, LegResult } from '../../core/engine/agentTokens';
import { isAllowedAuthority } from '../../core/config/authorityPolicy';
import type { CredentialHost } from '../../core/credentials/credentialSource';
import { CredentialError, ConfigError, firstLine, isCancelled } from '../../core/errors/errors';
import type { CredentialStore } from '../definitions/credentialStore';
import { resourceOfScope } from '../../core/config/config';
import { explained, markSimulated, PromptDismissed, scopeError, simulationOf } from '../errorBoundary';
import {
  agentUserLabel,
  type AgentDefinition,
  type AgentTarget,
  type BlueprintDefinition,
  type DefinitionStore,
} from '../definitions/definitions';
import type { ExtensionLog } from '../log';
import { readSettings } from '../settings';
import {
  agentTokenRequest,
  blueprintAppTokenRequest,
  graphEndpointFor,
  legsDestination,
  type FlowChoice,
} from './tokenRequests';
import type { GraphClient } from '../../core/graph/graphClient';
import type { HeldToken, TokenStore } from './tokenStore';

export type { FlowChoice } from './tokenRequests';

/**
 * Whether an imported blueprint's credential may be used before the user confirmed it: `ask` shows the confirmation
 * (interactive use), `given` is a script's explicit confirmation, `refuse` fails with what to do (other scripts).
 */
export type ImportedCredentialConsent = 'ask' | 'given' | 'refuse';

/** How an agent's token is asked for: the flow (default: the agent itself), and what the face adds around it. */
export interface AgentTokenAsk {
  signal: AbortSignal;
  /** Past the cache, and past a remembered refusal. */
  forceRefresh?: boolean;
  choice?: FlowChoice;
  /** An imported credential that needs no secret: confirmed by the user ('ask'), by the caller ('given'), or not. */
  consent?: ImportedCredentialConsent;
  /** Each leg as it completes (the inspector fills in as they arrive). */
  onLeg?: (leg: LegResult) => void;
}

/** Turns an agent definition plus its blueprint's stored credential into a token, through one shared engine. */
export class TokenService implements vscode.Disposable {
  private engine: AgentTokenEngine | undefined;
  private engineTimeout = 0;

  constructor(
    private readonly definitions: DefinitionStore,
    private readonly credentials: CredentialStore,
    private readonly tokens: TokenStore,
    private readonly log: ExtensionLog,
  ) {}

  /** An agent's token, for the target its command resolved once (definitions.target). */
  async acquire({ agent, blueprint }: AgentTarget, scope: string, options: AgentTokenAsk): Promise<HeldToken> {
    const { signal, forceRefresh = false, choice = { flow: 'autonomous' }, consent = 'refuse', onLeg } = options;
    // The fixes an error can offer (its toast, its tree row, the inspector): the sandbox's blueprint and agents take
    // them too, for practice (a wrong secret, another tenant), until the sandbox's next start.
    const scoped = {
      agentId: agent.clientId,
      blueprintId: blueprint.clientId,
      resource: resourceOfScope(scope),
      ...(blueprint.sandbox ? { sandbox: true } : {}),
    };
    const settings = readSettings();
    try {
      await this.checkUsable(blueprint, consent, settings);
    } catch (e) {
      // Refused before anything was read or sent: explained, but not a failure of the agent's token.
      scopeError(e, scoped);
      throw e;
    }
    try {
      return await this.send(
        blueprint,
        agent,
        scope,
        { signal, forceRefresh, onLeg },
        choice,
        settings.requestTimeoutMs,
      );
    } catch (e) {
      if (!isCancelled(e)) {
        scopeError(e, scoped);
        const { actions, details } = explained(e, true);
        this.tokens.fail({
          ...scoped,
          message: `${simulationOf(e) ? 'Simulated: ' : ''}${firstLine(e)}`,
          actions,
          ...(details ? { details } : {}),
        });
      }
      throw e;
    }
  }

  /**
   * Before a blueprint's credential is used: its authority must be allowed now (the allow-list may have changed since
   * it was saved), and an imported one must have been confirmed.
   */
  async checkUsable(
    blueprint: BlueprintDefinition,
    consent: ImportedCredentialConsent,
    settings = readSettings(),
  ): Promise<void> {
    if (!isAllowedAuthority(blueprint.authority, settings.additionalAuthorityHosts)) {
      throw new ConfigError(
        'Authority',
        `${blueprint.authority} is not an allowed Entra host.`,
        'Add the host to the user setting "entraAgentTokens.additionalAuthorityHosts", or edit the blueprint.',
      );
    }
    if (blueprint.confirmBeforeUse) await this.confirmImported(blueprint, consent);
  }

  /**
   * The agent sidecar's way to tokens for one blueprint: the shared engine (its pool and caches, so the sidecar and
   * Get Agent Token share tokens), SecretStorage, and the checks above at every request. The sidecar logs each request
   * itself, in one line.
   */
  sidecarAcquirer(blueprintId: string): TokenAcquirer {
    return async (request, options) => {
      const blueprint = this.definitions.blueprint(blueprintId);
      if (!blueprint)
        throw new ConfigError(
          'Blueprint',
          `${blueprintId} is no longer in the list.`,
          'Stop the sidecar, and start it for a blueprint in the list.',
        );
      const settings = readSettings();
      await this.checkUsable(blueprint, 'refuse', settings);
      const { AgentTokenEngine } = await import('../../core/engine/agentTokens');
      const engine = this.engineFor(settings.requestTimeoutMs, AgentTokenEngine);
      return this.acquireOn(engine, request, this.credentialHost(blueprint), options);
    };
  }

  /**
   * Microsoft Graph as the blueprint itself: its own app token for Graph (client credentials with its stored
   * credential, no fmi_path, no one signed in), through the shared engine and its cache. Graph is the cloud's for
   * the blueprint's authority, or the sandbox's /graph for a blueprint on the sandbox. The caller closes it.
   */
  async graphAsBlueprint(blueprint: BlueprintDefinition): Promise<GraphClient> {
    const settings = readSettings();
    await this.checkUsable(blueprint, 'ask', settings);
    const { AgentTokenEngine } = await import('../../core/engine/agentTokens');
    const { GraphClient } = await import('../../core/graph/graphClient');
    const engine = this.engineFor(settings.requestTimeoutMs, AgentTokenEngine);
    const graph = graphEndpointFor(blueprint.authority);
    const request = blueprintAppTokenRequest(blueprint, `${graph.resource}/.default`);
    return new GraphClient({
      endpoint: graph.endpoint,
      appOnly: true,
      caller: `the blueprint "${blueprint.displayName}"`,
      timeoutMs: settings.requestTimeoutMs,
      logger: this.log,
      token: async (signal) =>
        (await this.acquireOn(engine, request, this.credentialHost(blueprint), signal ? { signal } : {})).accessToken,
    });
  }

  private async send(
    blueprint: BlueprintDefinition,
    agent: AgentDefinition,
    scope: string,
    options: AcquireOptions,
    choice: FlowChoice,
    requestTimeoutMs: number,
  ): Promise<HeldToken> {
    const request = agentTokenRequest(blueprint, agent, scope, choice);
    const { AgentTokenEngine } = await import('../../core/engine/agentTokens');
    const engine = this.engineFor(requestTimeoutMs, AgentTokenEngine);
    this.log.info(
      `Getting a token for agent identity ${agent.displayName} (${agent.clientId}), scope ${scope}, blueprint ${blueprint.clientId}; ${legsDestination(blueprint, agent)}.`,
    );
    const result = await this.acquireOn(engine, request, this.credentialHost(blueprint), options).catch(
      (e: unknown) => {
        if (e instanceof CredentialError && e.part === 'certificate')
          throw new CredentialError(
            `Blueprint "${blueprint.displayName}", certificate: ${e.problem}`,
            `${e.fix} To choose the file again, run "Set Blueprint Credential…".`,
            'certificate',
          );
        throw e;
      },
    );
    for (const leg of result.legs)
      this.log.info(
        `  leg ${leg.name}: ${leg.cached ? 'from cache' : `HTTP ${leg.status} in ${leg.durationMs} ms, ${leg.attempts} attempt(s)`}`,
      );
    const subject =
      choice.flow === 'agent-user'
        ? agentUserLabel(choice.user)
        : choice.flow === 'obo'
          ? String(result.token.claims.upn ?? result.token.claims.preferred_username ?? 'signed-in user')
          : undefined;
    const held: HeldToken = { agentId: agent.clientId, scope, result, ...(subject ? { subject } : {}) };
    this.tokens.put(held);
    if (choice.flow === 'agent-user') await this.definitions.rememberAgentUser(agent.clientId, choice.user);
    return held;
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
      throw new ConfigError(
        'Blueprint',
        `"${blueprint.displayName}" was imported and would use ${what}; it has not been confirmed yet.`,
        'Run "Get Agent Token" on one of its agent identities from the tree or the palette, check where it sends the credential, and confirm.',
      );
    }
    if (consent === 'ask') {
      const use = 'Use This Blueprint';
      const answer = await vscode.window.showWarningMessage(
        `Blueprint "${blueprint.displayName}" came from an imported file. Use it?`,
        {
          modal: true,
          detail: `Getting a token will use ${what} and send the assertion made from it to ${blueprint.authority} (tenant ${blueprint.tenant}). Confirm only if you expected this blueprint and trust that authority. You are asked once.`,
        },
        use,
      );
      if (answer !== use) throw new PromptDismissed();
    }
    await this.definitions.confirmBlueprint(blueprint.clientId);
    this.log.info(
      `Blueprint ${blueprint.displayName} (${blueprint.clientId}): imported credential confirmed for ${blueprint.authority}.`,
    );
  }

  /** Drop cached tokens (e.g. after a credential changed). */
  clearCache(): void {
    this.engine?.clearCache();
  }

  /**
   * A simulation is armed on the sandbox (Simulate an Entra Error…): cached tokens would answer without asking it,
   * and its refusal must not be remembered as a real one (the engine keeps an unknown agent's for 30 s): it happens
   * once.
   */
  armSimulation(label: string): void {
    this.clearCache();
    this.simulationArmed = label;
  }

  /** The sandbox's simulation is gone: it fired (or the sandbox stopped). The armed notice closes then. */
  disarmSimulation(): void {
    if (this.simulationArmed === undefined) return;
    this.simulationArmed = undefined;
    this.simulationFired.fire();
  }

  /** The label of the simulation armed, until it fires. */
  private simulationArmed: string | undefined;
  private readonly simulationFired = new vscode.EventEmitter<void>();
  readonly onSimulationSpent = this.simulationFired.event;

  /** Every acquisition of the extension, on the shared engine. */
  private async acquireOn(
    engine: AgentTokenEngine,
    request: TokenRequest,
    host: CredentialHost,
    options: AcquisitionOptions = {},
  ): Promise<AgentTokenResult> {
    const { acquireToken } = await import('../../core/engine/acquisition');
    try {
      return await acquireToken(engine, request, host, options);
    } catch (e) {
      if (this.simulationArmed) {
        markSimulated(e, this.simulationArmed);
        this.simulationArmed = undefined;
        engine.forgetRefusals();
        this.simulationFired.fire();
      }
      throw e;
    }
  }

  dispose(): void {
    void this.engine?.close();
    this.simulationFired.dispose();
  }

  /** One engine (its pool and caches) while the timeout setting stays the same; made on first use, never at activation. */
  private engineFor(timeoutMs: number, Engine: typeof AgentTokenEngine): AgentTokenEngine {
    if (!this.engine || this.engineTimeout !== timeoutMs) {
      void this.engine?.close();
      this.engineTimeout = timeoutMs;
      this.engine = new Engine({ timeoutMs, logger: this.log });
    }
    return this.engine;
  }

  /** What the core asks this face for: the blueprint's secrets from SecretStorage, and where warnings go. */
  private credentialHost(blueprint: BlueprintDefinition): CredentialHost {
    return {
      readSecret: async (name) => {
        const value = await this.credentials.get(blueprint.clientId, name);
        if (name === 'clientSecret' && !value)
          throw new CredentialError(
            `No client secret is stored for blueprint "${blueprint.displayName}".`,
            'Run "Set Blueprint Credential…" on it.',
            'secret',
          );
        return value || undefined;
      },
      warn: (w) => this.log.warn(`Blueprint ${blueprint.displayName}: ${w}`),
    };
  }
}
