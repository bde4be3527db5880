import * as vscode from 'vscode';
import type { AgentTokenResult } from '../../core/engine/agentTokens';
import { ConfigError } from '../../core/errors/errors';
import type { AgentSidecar } from '../../sidecar/sidecarServer';
import { requestLine, type SidecarRequestRecord } from '../../sidecar/requestRecord';
import { ContextKey } from '../commands/ids';
import { setContext } from '../workbench';
import type { BlueprintDefinition, DefinitionStore } from '../definitions/definitions';
import type { ExtensionLog } from '../log';
import { sidecarAllowOverridesFromSetting, sidecarApisFromSetting, sidecarPort } from './sidecarRules';
import type { AllowOverrides } from '../../sidecar/overrides';
import { SETTINGS_SECTION } from '../settings';
import { credentialSourceOf } from '../tokens/tokenRequests';
import type { TokenService } from '../tokens/tokenService';
import type { SidecarStatus } from '../commands/contracts';

/** One request the sidecar answered, as the tree lists it; `result` is the token it served (memory only). */
export interface SidecarEntry {
  readonly id: number;
  readonly record: SidecarRequestRecord;
  readonly result?: AgentTokenResult;
}

/** How many requests the tree keeps (newest first); older ones are dropped, tokens with them. */
export const SIDECAR_HISTORY = 50;
/** Change events are coalesced: an agent making hundreds of requests a second re-renders the tree a few times. */
const CHANGE_EVERY_MS = 250;

/**
 * Runs the local agent sidecar (src/sidecar) inside the extension host for one blueprint, through the TokenService
 * (SecretStorage, the allow-list, the shared engine and cache). It never starts by itself, listens only on
 * 127.0.0.1, reads only user-level settings, and stops when VS Code closes.
 */
export class SidecarController implements vscode.Disposable {
  private running: { sidecar: AgentSidecar; status: SidecarStatus } | undefined;
  private entries: SidecarEntry[] = [];
  private served = 0;
  private nextId = 1;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fired at most every 250 ms while requests arrive, and at once on start and stop. */
  readonly onDidChange = this.changed.event;
  private pending: ReturnType<typeof setTimeout> | undefined;

  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly tokenService: TokenService,
    definitions: DefinitionStore,
    private readonly log: ExtensionLog,
  ) {
    // Its blueprint removed (or its sandbox stopped): nothing left to serve, so it stops and frees the port.
    this.subscription = definitions.onDidChange(() => {
      const running = this.running;
      if (running && !definitions.blueprint(running.status.blueprintId)) {
        this.log.warn(`Agent sidecar: blueprint ${running.status.blueprintName} is gone, so the sidecar stops.`);
        void this.stop();
      }
    });
  }

  get status(): SidecarStatus | undefined {
    return this.running?.status;
  }

  /** The last run, once stopped (its requests are still listed). */
  get stoppedStatus(): SidecarStatus | undefined {
    return this.running ? undefined : this.stopped;
  }

  private stopped: SidecarStatus | undefined;

  /** The requests answered since the start, newest first (at most SIDECAR_HISTORY). */
  get requests(): readonly SidecarEntry[] {
    return this.entries;
  }

  /** How many requests it answered since it started. */
  get requestCount(): number {
    return this.served;
  }

  entry(id: number): SidecarEntry | undefined {
    return this.entries.find((e) => e.id === id);
  }

  /** The running sidecar, for the lazy commands that read its APIs and overrides (Copy Sidecar Settings, Export). */
  get server(): AgentSidecar | undefined {
    return this.running?.sidecar;
  }

  async start(blueprint: BlueprintDefinition): Promise<SidecarStatus> {
    if (this.running) {
      if (this.running.status.blueprintId === blueprint.clientId) return this.running.status;
      throw new ConfigError(
        'Agent sidecar',
        `already runs for blueprint "${this.running.status.blueprintName}".`,
        'Stop it first, then start it for this blueprint.',
      );
    }
    const { port, apis, allowOverrides } = readSidecarSettings();
    // The allow-list, and an imported blueprint's one-time confirmation, before anything listens.
    await this.tokenService.checkUsable(blueprint, 'ask');
    const { AgentSidecar, builtInApis, mergeApis } = await import('../../sidecar/sidecarServer');
    let sidecar: AgentSidecar;
    try {
      sidecar = await AgentSidecar.start({
        acquire: this.tokenService.sidecarAcquirer(blueprint.clientId),
        blueprint: {
          authority: blueprint.authority,
          tenant: blueprint.tenant,
          clientId: blueprint.clientId,
          credential: credentialSourceOf(blueprint),
        },
        // The built-ins first, the user's APIs over them by name.
        apis: mergeApis(builtInApis(blueprint.authority), apis),
        allowOverrides,
        port,
        onRequest: (record, result) => this.record(record, result),
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE')
        throw new ConfigError(
          `${SETTINGS_SECTION}.sidecar.port`,
          `port ${port} is already in use (another sidecar, or the auth-sidecar container?).`,
          'Stop what holds it, or set another port (0 takes any free port).',
        );
      throw e;
    }
    const status: SidecarStatus = {
      url: sidecar.url,
      port: Number(new URL(sidecar.url).port),
      blueprintId: blueprint.clientId,
      blueprintName: blueprint.displayName,
      tenant: blueprint.tenant,
      apis: sidecar.apiList.map((a) => ({ name: a.name, scopes: a.scopes })),
    };
    this.running = { sidecar, status };
    this.entries = [];
    this.served = 0;
    await setContext(ContextKey.sidecarRunning, true);
    this.log.info(
      `Agent sidecar listening at ${status.url} for blueprint ${blueprint.displayName} (${blueprint.clientId}); APIs: ${status.apis.map((a) => `${a.name} (${a.scopes.join(' ')})`).join(', ')}.`,
    );
    this.fire(true);
    return status;
  }

  async stop(): Promise<boolean> {
    const running = this.running;
    if (!running) return false;
    this.running = undefined;
    await running.sidecar.stop();
    // Its requests stay listed (in memory, tokens with them) until it starts again: what the agent did is still there
    // to read after the run.
    this.stopped = running.status;
    await setContext(ContextKey.sidecarRunning, false);
    this.log.info(`Agent sidecar at ${running.status.url} stopped after ${this.served} request(s).`);
    this.fire(true);
    return true;
  }

  dispose(): void {
    this.subscription.dispose();
    if (this.pending) clearTimeout(this.pending);
    void this.stop();
    this.changed.dispose();
  }

  private record(record: SidecarRequestRecord, result: AgentTokenResult | undefined): void {
    this.served++;
    this.entries.unshift({ id: this.nextId++, record, ...(result ? { result } : {}) });
    if (this.entries.length > SIDECAR_HISTORY) this.entries.length = SIDECAR_HISTORY;
    // The log's seam bounds and redacts each line; the record holds no token in the first place.
    const line = `Sidecar: ${requestLine(record, undefined, false)}`;
    if (record.status >= 500) this.log.warn(line);
    else this.log.info(line);
    this.fire(false);
  }

  private fire(now: boolean): void {
    if (now) {
      if (this.pending) clearTimeout(this.pending);
      this.pending = undefined;
      this.changed.fire();
      return;
    }
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      this.changed.fire();
    }, CHANGE_EVERY_MS);
  }
}

/**
 * The sidecar's settings, user level only: a workspace cannot choose the port or where the sidecar sends tokens
 * (both are "application"-scoped, and a workspace value is ignored even if a settings file holds one).
 */
/** The sidecar's user settings: port, APIs, overrides. Bad values are refused, naming the setting. */
export function readSidecarSettings(): {
  port: number;
  apis: ReturnType<typeof sidecarApisFromSetting>;
  allowOverrides: AllowOverrides;
} {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  return {
    port: sidecarPort(config.inspect<unknown>('sidecar.port')?.globalValue),
    apis: sidecarApisFromSetting(config.inspect<unknown>('sidecar.downstreamApis')?.globalValue),
    allowOverrides: sidecarAllowOverridesFromSetting(config.inspect<unknown>('sidecar.allowOverrides')?.globalValue),
  };
}
