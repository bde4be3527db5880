import { EXTENSION_ALLOW_OVERRIDES } from '../src/extension/sidecar/sidecarRules';
import type { SidecarApi } from '../src/sidecar/requestRecord';
import { builtInApis, mergeApis } from '../src/sidecar/sidecarServer';

/**
 * A sidecar configured as the extension configures one (its built-in APIs, its overrides default), plus `apis`: what a
 * test of the sidecar's face spreads into AgentSidecar.start's options.
 */
export function asExtension(authority: string, ...apis: SidecarApi[]) {
  return { apis: mergeApis(builtInApis(authority), apis), allowOverrides: EXTENSION_ALLOW_OVERRIDES };
}
