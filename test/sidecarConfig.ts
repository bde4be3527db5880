import { acquirerOf } from '../src/core/engine/acquisition';
import type { AgentTokenEngine } from '../src/core/engine/agentTokens';
import { EXTENSION_ALLOW_OVERRIDES } from '../src/extension/sidecar/sidecarRules';
import type { SidecarApi } from '../src/sidecar/requestRecord';
import { AgentSidecar, builtInApis, mergeApis, type SidecarOptions } from '../src/sidecar/sidecarServer';
import type { SandboxTenant } from '../src/sandbox/server';
import { BLUEPRINT, SANDBOX_TENANT, SECRET } from './helpers';

/**
 * A sidecar configured as the extension configures one (its built-in APIs, its overrides default), plus `apis`: what a
 * test of the sidecar's face spreads into AgentSidecar.start's options.
 */
export function asExtension(authority: string, ...apis: SidecarApi[]) {
  return { apis: mergeApis(builtInApis(authority), apis), allowOverrides: EXTENSION_ALLOW_OVERRIDES };
}

/**
 * The sandbox blueprint's sidecar on any free port, configured as the extension configures one, on the suite's
 * engine; `options` adds to it or replaces its parts. The caller stops it.
 */
export function startSandboxSidecar(
  live: { readonly engine: AgentTokenEngine; readonly sandbox: SandboxTenant },
  options: Partial<SidecarOptions> = {},
): Promise<AgentSidecar> {
  return AgentSidecar.start({
    acquire: acquirerOf(live.engine, {
      readSecret: async (kind) => (kind === 'clientSecret' ? SECRET : undefined),
      warn: () => {},
    }),
    port: 0,
    blueprint: {
      authority: live.sandbox.authority,
      tenant: SANDBOX_TENANT,
      clientId: BLUEPRINT,
      credential: { kind: 'secret' },
    },
    ...asExtension(live.sandbox.authority),
    ...options,
  });
}
